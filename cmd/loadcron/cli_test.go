package main

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// parsed parses args with a fresh command line, failing the test unless a
// command was selected.
func parsed(t *testing.T, args ...string) *cli {
	t.Helper()
	c := newCLI()
	var stdout, stderr strings.Builder
	cmd, code, ok := c.parse(args, &stdout, &stderr)
	if !ok || cmd != args[0] {
		t.Fatalf("parse %q: command %q, exit %d\nstdout:\n%s\nstderr:\n%s", args, cmd, code, stdout.String(), stderr.String())
	}
	return c
}

func TestFlagSpellings(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		check func(c *cli) bool
	}{
		// the Prometheus spelling
		{"config.file", []string{"run", "--config.file", "a.yml"}, func(c *cli) bool { return c.run.configFile == "a.yml" }},
		{"config.file=", []string{"validate", "--config.file=a.yml"}, func(c *cli) bool { return c.validate.configFile == "a.yml" }},
		// --config stays a (hidden) alias on every command that reads a config
		{"run --config", []string{"run", "--config", "a.yml"}, func(c *cli) bool { return c.run.configFile == "a.yml" }},
		{"serve --config", []string{"serve", "--config=a.yml"}, func(c *cli) bool { return c.serve.configFile == "a.yml" }},
		{"validate --config", []string{"validate", "--config", "a.yml"}, func(c *cli) bool { return c.validate.configFile == "a.yml" }},
		// both given: the last one wins
		{"alias then flag", []string{"run", "--config", "a.yml", "--config.file", "b.yml"}, func(c *cli) bool { return c.run.configFile == "b.yml" }},
		{"flag then alias", []string{"run", "--config.file", "b.yml", "--config", "a.yml"}, func(c *cli) bool { return c.run.configFile == "a.yml" }},
		// booleans: defaults, and --no- negation
		{"bool defaults", []string{"serve"}, func(c *cli) bool {
			return c.serve.nativeHist && !c.serve.lifecycle && !c.serve.pprof && !c.serve.runOnStart
		}},
		{"--no-metrics.native-histograms", []string{"serve", "--no-metrics.native-histograms"}, func(c *cli) bool { return !c.serve.nativeHist }},
		// validate --serve/--no-serve is accepted and ignored (suites without schedule are trigger-only)
		{"--no-serve", []string{"validate", "--no-serve"}, func(c *cli) bool { return true }},
		{"--web.enable-lifecycle", []string{"serve", "--web.enable-lifecycle"}, func(c *cli) bool { return c.serve.lifecycle }},
		{"--no-web.enable-lifecycle", []string{"demo", "--no-web.enable-lifecycle"}, func(c *cli) bool { return !c.demo.lifecycle }},
		{"pprof and run-on-start", []string{"serve", "--web.enable-pprof", "--run-on-start"}, func(c *cli) bool { return c.serve.pprof && c.serve.runOnStart }},
		// --web.listen-address: replaces server.listen_address only when given; repeatable
		{"listen default", []string{"serve"}, func(c *cli) bool {
			return !c.serve.listenSet && slices.Equal(*c.serve.web.WebListenAddresses, []string{":8097"})
		}},
		{"listen twice", []string{"serve", "--web.listen-address", "127.0.0.1:1", "--web.listen-address=[::1]:2"}, func(c *cli) bool {
			return c.serve.listenSet && slices.Equal(*c.serve.web.WebListenAddresses, []string{"127.0.0.1:1", "[::1]:2"})
		}},
		{"demo listen default", []string{"demo"}, func(c *cli) bool {
			return slices.Equal(*c.demo.web.WebListenAddresses, []string{"127.0.0.1:8097"}) && c.demo.dataDir == "data/demo"
		}},
		{"web.config.file, systemd socket", []string{"serve", "--web.config.file", "w.yml", "--web.systemd-socket"}, func(c *cli) bool {
			return *c.serve.web.WebConfigFile == "w.yml" && *c.serve.web.WebSystemdSocket
		}},
		// logs, data, segment, suite, report
		{"log flags", []string{"serve", "--log.level", "debug", "--log.format", "json"}, func(c *cli) bool {
			return c.serve.log.level == "debug" && c.serve.log.format == "json"
		}},
		{"run log defaults", []string{"run"}, func(c *cli) bool {
			return c.run.log.level == "warn" && c.run.log.format == "auto" && c.run.reportPath == defaultReportPath
		}},
		{"serve log default", []string{"serve"}, func(c *cli) bool { return c.serve.log.level == "info" }},
		{"data-dir segment", []string{"serve", "--data-dir", "/d", "--segment", "1/3"}, func(c *cli) bool {
			return c.serve.dataDir == "/d" && c.serve.segment == "1/3"
		}},
		{"suite report segment", []string{"run", "--suite", "chat", "--report", "r.json", "--segment=0/2"}, func(c *cli) bool {
			return c.run.suite == "chat" && c.run.reportPath == "r.json" && c.run.segment == "0/2"
		}},
		// a value starting with @ is a value (a cron spec), not kingpin's @file expansion
		{"@ value", []string{"demo", "--schedule", "@hourly"}, func(c *cli) bool { return c.demo.schedule == "@hourly" }},
		// --set: repeatable, passed through as written
		{"set", []string{"run", "--set", "a.b=1", "--set=c=x=y"}, func(c *cli) bool { return slices.Equal(c.run.sets, []string{"a.b=1", "c=x=y"}) }},
		// the demo's chatsim flags
		{"chatsim", []string{"demo", "--chatsim.cache-off", "--chatsim.error-ratio", "0.2", "--chatsim.latency", "1.5s",
			"--chatsim.listen", "127.0.0.1:9", "--schedule", "@every 1m", "--chatsim.profile", "default", "--chatsim.cache-ttl", "1m"}, func(c *cli) bool {
			return c.demo.cacheOff && c.demo.errRatio == 0.2 && c.demo.latency == 1500*time.Millisecond &&
				c.demo.chatAddr == "127.0.0.1:9" && c.demo.schedule == "@every 1m" && c.demo.profile == "default" &&
				c.demo.cacheTTL == time.Minute
		}},
		{"demo defaults", []string{"demo"}, func(c *cli) bool {
			return c.demo.profile == "guide" && c.demo.latency == 0 && c.demo.cacheTTL == 0 && c.demo.schedule == "@every 5m"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if c := parsed(t, tt.args...); !tt.check(c) {
				t.Errorf("%q parsed to run %+v serve %+v demo %+v validate %+v", tt.args, c.run, c.serve, c.demo, c.validate)
			}
		})
	}
}

func TestHelpVersionAndUsageErrors(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string // substring; "" means stdout must be empty
		stderr string // substring; "" means stderr must be empty
	}{
		// help and version: stdout, exit 0, printed once
		{"--help", []string{"--help"}, 0, "usage: loadcron [<flags>] <command>", ""},
		{"-h", []string{"-h"}, 0, "usage: loadcron [<flags>] <command>", ""},
		{"help", []string{"help"}, 0, "usage: loadcron [<flags>] <command>", ""},
		{"run --help", []string{"run", "--help"}, 0, "usage: loadcron run [<flags>]", ""},
		{"help serve", []string{"help", "serve"}, 0, "usage: loadcron serve [<flags>]", ""},
		{"--version", []string{"--version"}, 0, "loadcron, version ", ""},
		{"serve --version", []string{"serve", "--version"}, 0, "loadcron, version ", ""},
		// usage errors: stderr, exit 2
		{"no command", nil, 2, "", "loadcron: error: no command given"},
		{"unknown command", []string{"frobnicate"}, 2, "", `loadcron: error: expected command but got "frobnicate"; try --help`},
		{"unknown flag", []string{"run", "--bogus"}, 2, "", "loadcron: error: unknown long flag '--bogus'; try loadcron run --help"},
		{"stray argument", []string{"validate", "extra"}, 2, "", "unexpected extra"},
		// the stdlib flag spellings that kingpin refuses
		{"single-dash flag", []string{"run", "-config", "a.yml"}, 2, "", "unknown short flag '-c'"},
		{"=false boolean", []string{"validate", "--serve=false"}, 2, "", "unexpected false"},
		{"flag before command", []string{"--config", "a.yml", "serve"}, 2, "", "unknown long flag '--config'"},
		{"bad duration", []string{"demo", "--chatsim.latency", "soon"}, 2, "", "soon"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr strings.Builder
			code := run(tt.args, &stdout, &stderr)
			if code != tt.code {
				t.Errorf("exit %d, want %d", code, tt.code)
			}
			for _, s := range []struct {
				stream, got, want string
			}{{"stdout", stdout.String(), tt.stdout}, {"stderr", stderr.String(), tt.stderr}} {
				switch {
				case s.want == "" && s.got != "":
					t.Errorf("%s not empty:\n%s", s.stream, s.got)
				case !strings.Contains(s.got, s.want):
					t.Errorf("%s lacks %q:\n%s", s.stream, s.want, s.got)
				case s.want != "" && strings.Count(s.got, s.want) != 1:
					t.Errorf("%s has %q %d times:\n%s", s.stream, s.want, strings.Count(s.got, s.want), s.got)
				}
			}
		})
	}
}

func TestSetErrorsExit2WithoutTheValue(t *testing.T) {
	// --set parsing is internal/config's; the command line exits 2 on
	// its errors, naming the key and never echoing a value.
	for _, args := range [][]string{
		{"run", "--config.file", "x.yml", "--set", "server.trigger_token:s3cret"},
		{"validate", "--config.file", "x.yml", "--set", "server.trigger_token:s3cret"},
		{"serve", "--config.file", "x.yml", "--set", "server.trigger_token:s3cret"},
	} {
		var stdout, stderr strings.Builder
		code := run(args, &stdout, &stderr)
		if code != 2 || !strings.Contains(stderr.String(), "server.trigger_token") || strings.Contains(stderr.String(), "s3cret") {
			t.Errorf("%q: exit %d\n%s", args, code, stderr.String())
		}
	}
}
