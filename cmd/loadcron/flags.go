package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/alecthomas/kingpin/v2"

	"github.com/loadcron/loadcron/internal/config"
	"github.com/loadcron/loadcron/internal/daemon"
	"github.com/loadcron/loadcron/internal/logging"
	"github.com/loadcron/loadcron/internal/runner"
)

// configFileFlag registers --config.file on cmd and, hidden, the older
// --config bound to the same value: kingpin has no flag aliases, and the
// last of the two on the command line wins. Neither is Required() (that
// would reject the alias); preflight (checkArgs) checks for an empty value.
func configFileFlag(cmd *kingpin.CmdClause, path *string, help string) {
	cmd.Flag("config.file", help).PlaceHolder("FILE").StringVar(path)
	cmd.Flag("config", "Alias of --config.file.").Hidden().PlaceHolder("FILE").StringVar(path)
}

// setFlag registers the repeatable --set KEY.PATH=VALUE on cmd. The values
// are kept as given; config.ParseSets turns them into overrides.
func setFlag(cmd *kingpin.CmdClause, sets *[]string) {
	cmd.Flag("set", "Override a config key, after the file and the LOADCRON_* environment (repeatable; the value is parsed like a LOADCRON_* value; the last one for a key wins), e.g. --set suites.chat.schedule='@every 5m'.").
		PlaceHolder("KEY.PATH=VALUE").StringsVar(sets)
}

// logFlags are the logging flags of the long-running commands.
type logFlags struct {
	format string
	level  string
}

func (l *logFlags) register(cmd *kingpin.CmdClause, level string) {
	cmd.Flag("log.level", "Log level: debug, info, warn or error.").Default(level).StringVar(&l.level)
	cmd.Flag("log.format", "Log format: auto (text with colours on a terminal, JSON otherwise), text or json.").
		Default(logging.FormatAuto).StringVar(&l.format)
}

func (l *logFlags) logger(stderr io.Writer) (*slog.Logger, error) {
	return logging.New(stderr, l.format, l.level)
}

// printConfigErrors prints one problem per line: every config problem
// (FILE: KEY.PATH: message), then every other one (a bad
// --web.config.file, say), then a count.
func printConfigErrors(w io.Writer, err error) {
	var n int
	for _, e := range problemLeaves(err) {
		if ve, ok := e.(*config.ValidationError); ok {
			fmt.Fprintln(w, ve.Error())
		} else {
			fmt.Fprintf(w, "%s: %v\n", program, e)
		}
		n++
	}
	if n > 1 || config.AsValidationErrors(err) != nil {
		plural := "s"
		if n == 1 {
			plural = ""
		}
		fmt.Fprintf(w, "%s: configuration invalid (%d problem%s)\n", program, n, plural)
	}
}

// problemLeaves flattens joined errors into their problems, leaving out
// the daemon.ErrConfig marker.
func problemLeaves(err error) []error {
	switch e := err.(type) {
	case nil:
		return nil
	case *config.ValidationError:
		return []error{e}
	case interface{ Unwrap() []error }:
		var out []error
		for _, inner := range e.Unwrap() {
			if inner != daemon.ErrConfig {
				out = append(out, problemLeaves(inner)...)
			}
		}
		return out
	}
	return []error{err}
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

// segmentFlag registers --segment on cmd.
func segmentFlag(cmd *kingpin.CmdClause, seg *string) {
	cmd.Flag("segment", "Run only replica INDEX's share of every scenario when COUNT processes share the load, e.g. 0/3 (also LOADCRON_SEGMENT=i/n, or LOADCRON_SEGMENT_INDEX and LOADCRON_SEGMENT_COUNT; the index may be a StatefulSet pod name like loadcron-2).").
		PlaceHolder("INDEX/COUNT").StringVar(seg)
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
