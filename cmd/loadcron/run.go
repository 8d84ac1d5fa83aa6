package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/prometheus/common/version"

	"github.com/loadcron/loadcron/internal/config"
	"github.com/loadcron/loadcron/internal/daemon"
	"github.com/loadcron/loadcron/internal/logging"
	"github.com/loadcron/loadcron/internal/report"
	"github.com/loadcron/loadcron/internal/runner"
)

// defaultReportPath is where the guide's script wrote its report.
const defaultReportPath = "data/load_test_results.json"

// runOptions are `loadcron run`'s flags.
type runOptions struct {
	configFile string
	suite      string
	reportPath string
	segment    string
	sets       []string
	log        logFlags
	push       pushOptions
}

// runHelp is `loadcron run --help`'s text; README.md repeats the exit
// codes.
const runHelp = `Run every suite (or one) once, print the guide-shaped console report and write the JSON report: a CI gate.

Exit codes (when several apply, the first of 130, 3, 1 wins):
  0    every critical scenario passed (warnings allowed)
  1    a critical scenario missed a threshold
  2    bad usage or configuration, including a --report path that
       cannot be written; found before any load is sent
  3    the run could not be completed: a health check failed, a
       scenario could not run, or the abort rule or
       safety.max_run_duration stopped one
  130  interrupted by SIGINT or SIGTERM; the partial report is written

With --push.url, each suite's metrics go to a Prometheus Pushgateway when
its run ends, as group job=loadcron, suite=<name> plus --push.grouping.
A failed push is reported on stderr and does not change the exit code: the
run's verdict stands.`

func (o *runOptions) register(app *kingpin.Application) {
	cmd := app.Command("run", runHelp)
	configFileFlag(cmd, &o.configFile, "Configuration file (required).")
	cmd.Flag("suite", "Suite to run (default: every suite, in name order).").PlaceHolder("NAME").StringVar(&o.suite)
	cmd.Flag("report", "Where to write the JSON report; with several suites, .SUITE is inserted before .json.").
		Default(defaultReportPath).PlaceHolder("FILE").StringVar(&o.reportPath)
	segmentFlag(cmd, &o.segment)
	setFlag(cmd, &o.sets)
	o.log.register(cmd, "warn") // the console report is the output; logs only for trouble
	o.push.register(cmd)
}

// execute runs suites once, prints the guide-shaped console report,
// writes the JSON reports and returns the exit code (see runHelp).
// Everything that can make it exit 2 is checked before any load is sent.
func (o *runOptions) execute(stdout, stderr io.Writer) int {
	log, err := o.log.logger(stderr)
	if err != nil {
		fmt.Fprintf(stderr, "%s run: %v\n", program, err)
		return exitUsage
	}
	// The same checks as validate (and serve), all before any load.
	p, ok := preflight(preflightArgs{
		daemon:  daemon.Options{ConfigFile: o.configFile},
		sets:    o.sets,
		segment: o.segment,
		suite:   o.suite,
		report:  o.reportPath,
	}, stderr)
	if !ok {
		return exitUsage
	}
	cfg, seg, suites, paths := p.cfg, p.segment, p.suites, p.reports

	pusher, err := newPusher(o.push, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "%s run: %v\n", program, err)
		return exitUsage
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	console := &report.Console{W: stdout, Live: logging.IsTerminal(stdout)}
	r := &runner.Runner{
		Config: cfg, UserAgent: userAgent(), Version: version.Version,
		Logger: log, Console: console, Segment: seg,
	}
	if pusher != nil {
		r.Metrics = pusher.metrics
	}

	code := exitOK
	for i, s := range suites {
		if pusher != nil {
			pusher.started(s.Name, time.Now())
		}
		rep := r.Run(ctx, s, runner.NewRunID(time.Now()), "manual")
		out := paths[i]
		if err := report.WriteFileAtomic(out, rep); err != nil {
			fmt.Fprintf(stderr, "%s run: %v\n", program, err)
			code = worse(code, exitIncomplete)
			out = ""
		}
		if err := console.Summary(rep, out); err != nil {
			fmt.Fprintf(stderr, "%s run: writing console report: %v\n", program, err)
		}
		code = worse(code, reportExitCode(rep))
		if pusher != nil {
			// A monitoring hiccup must not fail a deployment gate: the
			// run's exit code stands; the failure is said loudly.
			if err := pusher.finished(ctx, rep); err != nil {
				fmt.Fprintf(stderr, "%s run: %v (the run's result and exit code stand)\n", program, err)
				log.Error("push failed", "suite", s.Name, "err", err)
			} else {
				fmt.Fprintf(stdout, "Metrics pushed to %s\n", pusher.where(s.Name))
			}
		}
		if ctx.Err() != nil {
			// SIGINT or SIGTERM (the only way ctx ends): this suite's
			// partial report is written; the next suites do not start.
			fmt.Fprintf(stderr, "%s run: interrupted\n", program)
			return exitInterrupted
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
