// Package logging builds loadcron's slog handler: colourful tint output
// on a terminal, JSON otherwise, or as the --log.format flag forces.
package logging

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/lmittmann/tint"
)

// Formats accepted by New.
const (
	FormatAuto = "auto"
	FormatText = "text" // tint, human-readable
	FormatJSON = "json"
)

// New returns a logger writing to w in format at level ("debug", "info",
// "warn", "error").
func New(w io.Writer, format, level string) (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("log level %q: want debug, info, warn or error", level)
	}
	switch strings.ToLower(format) {
	case "", FormatAuto:
		if IsTerminal(w) {
			return slog.New(textHandler(w, lvl)), nil
		}
		return slog.New(jsonHandler(w, lvl)), nil
	case FormatText:
		return slog.New(textHandler(w, lvl)), nil
	case FormatJSON:
		return slog.New(jsonHandler(w, lvl)), nil
	default:
		return nil, fmt.Errorf("log format %q: want auto, text or json", format)
	}
}

// jsonHandler writes JSON lines. Durations are written as Go duration
// strings ("1.5s") instead of slog's raw nanoseconds, which no reader
// should have to divide; latencies are logged as numbers under keys that
// carry the unit (p95_ms) by the code that logs them.
func jsonHandler(w io.Writer, lvl slog.Level) slog.Handler {
	return slog.NewJSONHandler(w, &slog.HandlerOptions{Level: lvl, ReplaceAttr: durationsAsStrings})
}

// durationsAsStrings is a ReplaceAttr that turns duration values into
// their String() form.
func durationsAsStrings(_ []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() == slog.KindDuration {
		return slog.String(a.Key, a.Value.Duration().String())
	}
	return a
}

func textHandler(w io.Writer, lvl slog.Level) slog.Handler {
	return tint.NewTextHandler(w, &tint.Options{Level: lvl, TimeFormat: time.TimeOnly, NoColor: !IsTerminal(w)})
}

// IsTerminal reports whether w is a character device (a terminal).
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
