package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/prometheus/common/version"

	"github.com/loadcron/loadcron/internal/config"
	"github.com/loadcron/loadcron/internal/logging"
	"github.com/loadcron/loadcron/internal/report"
	"github.com/loadcron/loadcron/internal/runner"
)

// defaultReportPath is where the guide's script wrote its report.
const defaultReportPath = "data/load_test_results.json"

// runCmd runs suites once, prints the guide-shaped console report, writes
// the JSON report and exits 0 when every suite passed, 1 otherwise: a CI
// gate exactly like the guide's workflow.
func runCmd(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("run", "--config FILE [--suite NAME] [--report FILE]", stderr)
	path := fs.String("config", "", "configuration file (required)")
	suiteName := fs.String("suite", "", "suite to run (default: every suite, in name order)")
	reportPath := fs.String("report", defaultReportPath, "where to write the JSON report; with several suites, SUITE is inserted before .json")
	segFlag := fs.String("segment", "", segmentUsage)
	set := registerSet(fs)
	var lf logFlags
	lf.register(fs, "warn") // the console report is the output; logs only for trouble
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	log, err := lf.logger(stderr)
	if err != nil {
		fmt.Fprintf(stderr, "loadcron run: %v\n", err)
		return exitUsage
	}
	seg, err := segmentFrom(*segFlag)
	if err != nil {
		fmt.Fprintf(stderr, "loadcron run: %v\n", err)
		return exitUsage
	}
	cfg, ok := loadConfig(*path, config.LoadOptions{Overrides: set}, stderr)
	if !ok {
		return exitUsage
	}
	suites, err := pickSuites(cfg, *suiteName)
	if err != nil {
		fmt.Fprintf(stderr, "loadcron run: %v\n", err)
		return exitUsage
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	console := &report.Console{W: stdout, Live: logging.IsTerminal(stdout)}
	r := &runner.Runner{
		Config: cfg, UserAgent: userAgent(), Version: version.Version,
		Logger: log, Console: console, Segment: seg,
	}

	code := exitOK
	for _, s := range suites {
		rep := r.Run(ctx, s, runner.NewRunID(time.Now()), "manual")
		out := *reportPath
		if len(suites) > 1 {
			out = suiteReportPath(out, s.Name)
		}
		if err := report.WriteFileAtomic(out, rep); err != nil {
			fmt.Fprintf(stderr, "loadcron run: %v\n", err)
			code = exitFailed
			out = ""
		}
		if err := console.Summary(rep, out); err != nil {
			fmt.Fprintf(stderr, "loadcron run: writing console report: %v\n", err)
		}
		if !rep.Passed {
			code = exitFailed
		}
	}
	return code
}

// pickSuites returns the named suite, or every suite in name order.
func pickSuites(cfg *config.Config, name string) ([]*config.Suite, error) {
	if name != "" {
		s, ok := cfg.Suites[name]
		if !ok {
			return nil, fmt.Errorf("no suite %q in %s (have: %v)", name, cfg.File, cfg.SuiteNames())
		}
		return []*config.Suite{s}, nil
	}
	var out []*config.Suite
	for _, n := range cfg.SuiteNames() {
		out = append(out, cfg.Suites[n])
	}
	return out, nil
}

// suiteReportPath turns data/x.json into data/x.SUITE.json.
func suiteReportPath(path, suite string) string {
	if ext := ".json"; len(path) > len(ext) && path[len(path)-len(ext):] == ext {
		return path[:len(path)-len(ext)] + "." + suite + ext
	}
	return path + "." + suite
}
