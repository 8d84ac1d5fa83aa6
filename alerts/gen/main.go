// Command gen writes loadcron's Prometheus rules (alerts/loadcron.rules.tmpl
// rendered with this installation's parameters): the label selector of
// loadcron's series and the longest schedule interval of its suites are
// the only installation-dependent figures, and they are set here, in one
// place, instead of by hand-editing the rules.
//
//	go run ./alerts/gen                                  # the shipped default → alerts/loadcron.rules.yml
//	go run ./alerts/gen -job synthetic -config my.yaml -o -   # another job and schedule → stdout
//	go run ./alerts/gen -check                           # exit 1 if alerts/loadcron.rules.yml is stale
//
// See alerts/README.md, "Generate".
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/loadcron/loadcron/alerts"
	"github.com/loadcron/loadcron/internal/config"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is main with its arguments and streams; it returns the exit code:
// 0 done (or in sync), 1 stale or failed, 2 bad usage.
func run(args []string, stdout, stderr io.Writer) int {
	def := alerts.DefaultParams()
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	job := fs.String("job", "", "the scrape job of loadcron (shorthand for -selector 'job=\"JOB\"')")
	selector := fs.String("selector", def.Selector, "label matchers, without braces, that select loadcron's series in every rule")
	interval := fs.Duration("interval", def.Interval, "the longest schedule interval of the suites")
	cfgFile := fs.String("config", "", "a loadcron config: take the interval from its suites' schedules (overrides -interval)")
	downFor := fs.Duration("down-for", def.DownFor, "how long up must be 0 before LoadcronDaemonDown pages")
	runbook := fs.String("runbook-url", def.RunbookURL, "the runbook's URL; alerts link to its #<alertname> sections")
	out := fs.String("o", alerts.DefaultFile, "output file, - for stdout (relative to -root)")
	root := fs.String("root", ".", "repository root")
	check := fs.Bool("check", false, "write nothing; exit 1 if the output file differs from what would be written")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "gen: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	p := alerts.Params{Selector: *selector, Interval: *interval, DownFor: *downFor, RunbookURL: *runbook}
	if *job != "" {
		p.Selector = fmt.Sprintf("job=%q", *job)
	}
	if *cfgFile != "" {
		cfg, err := config.Load(*cfgFile, config.LoadOptions{})
		if err != nil {
			fmt.Fprintf(stderr, "gen: %v\n", err)
			return 2
		}
		d, err := alerts.LongestInterval(cfg, time.Now())
		if err != nil {
			fmt.Fprintf(stderr, "gen: %s: %v\n", *cfgFile, err)
			return 2
		}
		p.Interval = d
	}
	// The header repeats the flags that differ from the defaults, so the
	// file says how to regenerate it.
	var shown []string
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "o" || f.Name == "root" || f.Name == "check" {
			return
		}
		v := f.Value.String()
		if d, ok := f.Value.(flag.Getter).Get().(time.Duration); ok {
			v = model.Duration(d).String() // 5m, not 5m0s
		}
		shown = append(shown, fmt.Sprintf("-%s %s", f.Name, quoteArg(v)))
	})
	p.Args = strings.Join(shown, " ")

	text, err := alerts.Render(p)
	if err != nil {
		fmt.Fprintf(stderr, "gen: %v\n", err)
		return 2
	}
	if *out == "-" {
		_, err := stdout.Write(text)
		if err != nil {
			return 1
		}
		return 0
	}
	path := filepath.Join(*root, *out)
	if *check {
		have, err := os.ReadFile(path)
		if err != nil || !bytes.Equal(have, text) {
			fmt.Fprintf(stderr, "gen: %s is out of date: run `go run ./alerts/gen %s` (or `make rules`) and commit it\n", *out, p.Args)
			return 1
		}
		return 0
	}
	if err := os.WriteFile(path, text, 0o644); err != nil {
		fmt.Fprintf(stderr, "gen: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "wrote %s\n", *out)
	return 0
}

// quoteArg quotes a flag value for a shell when it needs it.
func quoteArg(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\"'$`\\*?[]{}()<>|&;#~!") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
