package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"github.com/loadcron/loadcron/internal/testtools"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/loadcron/loadcron/internal/chatsim"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestParseFlags(t *testing.T) {
	def := chatsim.DefaultOptions()
	tests := []struct {
		name    string
		args    []string
		check   func(c config) bool
		wantErr bool
	}{
		// no flags: the documented defaults
		{"defaults", nil, func(c config) bool {
			return c.listen == DefaultListen && c.logLevel == slog.LevelInfo &&
				c.opts.UncachedLatency == def.UncachedLatency && c.opts.MaxConcurrent == 100 &&
				c.opts.CacheTTL == 30*time.Minute && !c.opts.Queue
		}, false},
		// every flag lands in its option
		{"all", []string{"--listen", "127.0.0.1:0", "--uncached-latency", "14.6s", "--cached-latency", "3ms",
			"--jitter", "0.4", "--max-concurrent", "10", "--queue", "--cache-ttl", "1h", "--context-turns", "3",
			"--error-ratio", "0.05", "--extra-latency", "1s", "--cache-off", "--unhealthy", "--seed", "9",
			"--log-level", "debug"}, func(c config) bool {
			o := c.opts
			return c.listen == "127.0.0.1:0" && c.logLevel == slog.LevelDebug &&
				o.UncachedLatency == 14600*time.Millisecond && o.CachedLatency == 3*time.Millisecond &&
				o.Jitter == 0.4 && o.MaxConcurrent == 10 && o.Queue && o.CacheTTL == time.Hour &&
				o.ContextTurns == 3 && o.Seed == 9 &&
				o.Faults == chatsim.Faults{ErrorRatio: 0.05, ExtraLatency: time.Second, CacheOff: true, Unhealthy: true}
		}, false},
		// the guide profile, with one of its values overridden
		{"profile", []string{"--profile", "guide", "--max-queue", "10", "--token-interval", "5ms"}, func(c config) bool {
			g := chatsim.GuideProfile()
			o := c.opts
			return c.profile == "guide" && o.MaxConcurrent == 1 && o.Queue && o.MaxQueue == 10 &&
				o.UncachedLatency == g.UncachedLatency && o.OverloadSlowdown == g.OverloadSlowdown &&
				o.TokenInterval == 5*time.Millisecond && o.CacheTTL == chatsim.GuideCacheTTL
		}, false},
		// the stream and overload flags
		{"stream flags", []string{"--cached-token-interval", "3ms", "--overload-queue", "4", "--overload-slowdown", "0.5"}, func(c config) bool {
			o := c.opts
			return o.CachedTokenInterval == 3*time.Millisecond && o.OverloadQueue == 4 && o.OverloadSlowdown == 0.5 &&
				o.TokenInterval == chatsim.DefaultTokenInterval
		}, false},
		// unknown profile
		{"bad profile", []string{"--profile", "fast"}, nil, true},
		// unknown flag
		{"unknown", []string{"--nope"}, nil, true},
		// out-of-range value caught by Options.Validate
		{"bad ratio", []string{"--error-ratio", "2"}, nil, true},
		// stray positional argument
		{"positional", []string{"serve"}, nil, true},
		// bad log level
		{"bad level", []string{"--log-level", "loud"}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseFlags(tt.args, io.Discard)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if tt.check != nil && !tt.check(c) {
				t.Errorf("config = %+v", c)
			}
		})
	}
}

func TestRunExitCodes(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want int
		out  string // substring of stderr
	}{
		// --help documents the flags and exits 0
		{"help", []string{"--help"}, exitOK, "-uncached-latency"},
		// bad usage exits 2
		{"bad flag", []string{"--jitter", "3"}, exitUsage, "jitter"},
		// an address that cannot be bound exits 1
		{"bad listen", []string{"--listen", "127.0.0.1:99999"}, exitError, "listen failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if got := run(t.Context(), tt.args, &stdout, &stderr); got != tt.want {
				t.Errorf("exit %d, want %d; stderr: %s", got, tt.want, stderr.String())
			}
			if !strings.Contains(stderr.String(), tt.out) {
				t.Errorf("stderr lacks %q: %s", tt.out, stderr.String())
			}
		})
	}
}

// syncBuffer is safe to read while the command writes to it.
type syncBuffer = testtools.Buffer

func TestRunServesUntilCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	var stdout, stderr syncBuffer
	exit := make(chan int, 1)
	go func() {
		exit <- run(ctx, []string{"--listen", "127.0.0.1:0", "--unhealthy"}, &stdout, &stderr)
	}()
	addrRE := regexp.MustCompile(`listening on (http://127\.0\.0\.1:\d+)`)
	var base string
	deadline := time.Now().Add(5 * time.Second)
	for base == "" {
		if m := addrRE.FindStringSubmatch(stdout.String()); m != nil {
			base = m[1]
		} else if time.Now().After(deadline) {
			cancel()
			t.Fatalf("no address printed; stderr: %s", stderr.String())
		} else {
			time.Sleep(time.Millisecond) // polling interval
		}
	}
	client := &http.Client{Transport: &http.Transport{}}
	res, err := client.Get(base + "/health")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	client.CloseIdleConnections()
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("--unhealthy: /health = %d, want 503", res.StatusCode)
	}
	cancel()
	if code := <-exit; code != exitOK {
		t.Errorf("exit %d after cancel, want 0; stderr: %s", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), `"msg":"chatsim stopped"`) {
		t.Errorf("no JSON stop log: %s", stderr.String())
	}
}

func TestHelpIsErrHelp(t *testing.T) {
	if _, err := parseFlags([]string{"-h"}, io.Discard); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: err = %v, want flag.ErrHelp", err)
	}
}
