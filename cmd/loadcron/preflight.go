package main

import (
	"fmt"
	"io"

	"github.com/loadcron/loadcron/internal/config"
	"github.com/loadcron/loadcron/internal/daemon"
	"github.com/loadcron/loadcron/internal/report"
	"github.com/loadcron/loadcron/internal/runner"
)

// preflightArgs is what a command has checked before it sends load or
// starts serving.
type preflightArgs struct {
	// daemon carries the config file, the flag overrides and, for serve,
	// the listen addresses and web config file; Env and Sets are filled in.
	daemon  daemon.Options
	sets    []string // --set arguments
	segment string   // --segment
	suite   string   // --suite ("" = every suite)
	report  string   // --report ("" = not checked)
}

// preflighted is what passed the checks.
type preflighted struct {
	cfg *config.Config
	// sets are the key overrides: the daemon's flag overrides, then --set.
	sets    []config.Override
	segment runner.Segment
	suites  []*config.Suite
	// reports are the report paths, one per suite (when report was set).
	reports []string
}

// preflight makes every check that comes before load is sent or the
// daemon serves: --set and --segment, the configuration (file,
// environment, overrides, the files it names, every template rendered),
// the suite, the report path (writable), the listen addresses and the web
// config file (daemon.Preflight). validate and run call it, and serve
// makes the same checks (checkArgs, then daemon.Run calls
// daemon.Preflight), so what validate accepts, run and serve start with.
// Every problem is printed to stderr; ok is false when there was one
// (exit 2).
func preflight(a preflightArgs, stderr io.Writer) (*preflighted, bool) {
	sets, seg, ok := checkArgs(a, stderr)
	if !ok {
		return nil, false
	}
	p := &preflighted{sets: sets, segment: seg}
	fail := func(format string, args ...any) {
		fmt.Fprintf(stderr, "%s: "+format+"\n", append([]any{program}, args...)...)
		ok = false
	}
	a.daemon.Env = configEnv()
	a.daemon.Sets = p.sets
	var err error
	if p.cfg, err = daemon.Preflight(a.daemon); err != nil {
		printConfigErrors(stderr, err)
		ok = false
	}
	if p.cfg == nil {
		return nil, false
	}
	if p.suites, err = pickSuites(p.cfg, a.suite); err != nil {
		fail("%v", err)
		return nil, false
	}
	if a.report != "" {
		for _, s := range p.suites {
			path := a.report
			if len(p.suites) > 1 {
				path = suiteReportPath(a.report, s.Name)
			}
			// A run whose report cannot be saved is load sent for nothing.
			if err := report.CheckWritable(path); err != nil {
				fail("--report: %v", err)
			}
			p.reports = append(p.reports, path)
		}
	}
	return p, ok
}

// checkArgs makes preflight's checks of the command line itself:
// --config.file is given, --set and --segment parse. sets are the
// daemon's flag overrides, then --set (which wins). Every problem is
// printed to stderr; ok is false when there was one.
func checkArgs(a preflightArgs, stderr io.Writer) (sets []config.Override, seg runner.Segment, ok bool) {
	if a.daemon.ConfigFile == "" {
		fmt.Fprintf(stderr, "%s: --config.file FILE is required\n", program)
		return nil, seg, false
	}
	ok = true
	parsed, err := config.ParseSets(a.sets)
	if err != nil {
		for _, e := range config.AsValidationErrors(err) {
			fmt.Fprintf(stderr, "%s: %s\n", program, e.Error())
		}
		ok = false
	}
	if seg, err = segmentFrom(a.segment); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", program, err)
		ok = false
	}
	if !ok {
		return nil, seg, false
	}
	// Flags that set keys come first, --set after them (and wins).
	return append(append([]config.Override(nil), a.daemon.Sets...), parsed...), seg, true
}
