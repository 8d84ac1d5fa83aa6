package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/loadcron/loadcron/internal/config"
	"github.com/loadcron/loadcron/internal/logging"
	"github.com/loadcron/loadcron/internal/runner"
)

// newFlagSet returns a flag set that prints its usage to stderr and
// reports errors instead of exiting.
func newFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: loadcron %s %s\n\nFlags:\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args; it returns the exit code to use when parsing
// stopped the command (help asked, or bad flags).
func parseFlags(fs *flag.FlagSet, args []string) (int, bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK, false
		}
		return exitUsage, false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "loadcron %s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		return exitUsage, false
	}
	return 0, true
}

// logFlags are the logging flags every long-running command takes.
type logFlags struct {
	format string
	level  string
}

func (l *logFlags) register(fs *flag.FlagSet, level string) {
	fs.StringVar(&l.format, "log.format", logging.FormatAuto, "log format: auto (text on a terminal, JSON otherwise), text or json")
	fs.StringVar(&l.level, "log.level", level, "log level: debug, info, warn or error")
}

func (l *logFlags) logger(stderr io.Writer) (*slog.Logger, error) {
	return logging.New(stderr, l.format, l.level)
}

// loadConfig loads the file with the process environment and overrides,
// printing every problem to stderr on failure.
func loadConfig(path string, opts config.LoadOptions, stderr io.Writer) (*config.Config, bool) {
	if path == "" {
		fmt.Fprintln(stderr, "loadcron: --config FILE is required")
		return nil, false
	}
	opts.Env = configEnv()
	cfg, err := config.Load(path, opts)
	if err != nil {
		printConfigErrors(stderr, err)
		return nil, false
	}
	return cfg, true
}

// printConfigErrors prints one problem per line.
func printConfigErrors(w io.Writer, err error) {
	if verrs := config.AsValidationErrors(err); len(verrs) > 0 {
		for _, e := range verrs {
			fmt.Fprintln(w, e.Error())
		}
		fmt.Fprintf(w, "loadcron: configuration invalid (%d problems)\n", len(verrs))
		return
	}
	fmt.Fprintf(w, "loadcron: %v\n", err)
}

// setFlags collects repeated --set KEY=VALUE config overrides.
type setFlags map[string]any

func (s setFlags) String() string { return "" }

func (s setFlags) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || strings.TrimSpace(k) == "" {
		return fmt.Errorf("want KEY=VALUE (e.g. suites.chat.schedule=@every 5m), got %q", v)
	}
	s[strings.TrimSpace(k)] = val
	return nil
}

func registerSet(fs *flag.FlagSet) setFlags {
	s := setFlags{}
	fs.Var(s, "set", "override a config key: --set KEY.PATH=VALUE (repeatable; values parsed like LOADCRON_* env values)")
	return s
}

// Environment variables the command line reads itself; they are not
// config keys, so they are kept away from the config loader.
const (
	envSegment      = "LOADCRON_SEGMENT"       // "i/n"
	envSegmentIndex = "LOADCRON_SEGMENT_INDEX" // "i", or a pod name ending in "-i"
	envSegmentCount = "LOADCRON_SEGMENT_COUNT" // "n"
)

// configEnv is the process environment without the variables above.
func configEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if k == envSegment || k == envSegmentIndex || k == envSegmentCount {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// segmentFrom returns the segment from the flag, else from the
// environment, else the whole load.
func segmentFrom(flagValue string) (runner.Segment, error) {
	switch {
	case flagValue != "":
		return runner.ParseSegment(flagValue)
	case os.Getenv(envSegment) != "":
		s, err := runner.ParseSegment(os.Getenv(envSegment))
		if err != nil {
			return s, fmt.Errorf("%s: %w", envSegment, err)
		}
		return s, nil
	case os.Getenv(envSegmentIndex) != "" || os.Getenv(envSegmentCount) != "":
		s, err := runner.NewSegment(os.Getenv(envSegmentIndex), os.Getenv(envSegmentCount))
		if err != nil {
			return s, fmt.Errorf("%s/%s: %w", envSegmentIndex, envSegmentCount, err)
		}
		return s, nil
	}
	return runner.Segment{}, nil
}

const segmentUsage = "run only replica INDEX's share of every scenario when COUNT processes share the load, e.g. 0/3 (also LOADCRON_SEGMENT=i/n, or LOADCRON_SEGMENT_INDEX and LOADCRON_SEGMENT_COUNT; the index may be a StatefulSet pod name like loadcron-2)"
