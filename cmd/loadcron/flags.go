package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/loadcron/loadcron/internal/config"
	"github.com/loadcron/loadcron/internal/logging"
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
	opts.Env = os.Environ()
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
