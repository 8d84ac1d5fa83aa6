package server

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"net/http"
	"time"

	"github.com/loadcron/loadcron/internal/report"
	"github.com/loadcron/loadcron/internal/stats"
)

// Status is what the status page shows; the daemon builds it on each
// request through Options.Status.
type Status struct {
	// Version is loadcron's version.
	Version string
	// ConfigHash identifies the config in force (as loadcron_config_info).
	ConfigHash string
	// Suites in config order.
	Suites []SuiteStatus
}

// SuiteStatus is one suite on the status page.
type SuiteStatus struct {
	// Name and Schedule (the cron spec) as configured.
	Name, Schedule string
	// Next is the next scheduled run; zero when none is scheduled.
	Next time.Time
	// Running is true while a run of the suite is in progress.
	Running bool
	// Last is the suite's latest report; nil before the first run. Not
	// modified.
	Last *report.Report
}

//go:embed status.html
var statusHTML string

// statusTmpl renders the page. html/template escapes every value in its
// context (text, attribute, URL query), so names from the config or the
// target cannot inject markup.
var statusTmpl = template.Must(template.New("status").Funcs(template.FuncMap{
	"pct":   func(v float64) string { return fmt.Sprintf("%.1f %%", v*100) },
	"ms":    func(v float64) string { return fmt.Sprintf("%.1f", v) },
	"rps":   func(v float64) string { return fmt.Sprintf("%.2f", v) },
	"ts":    formatTime,
	"until": func(t time.Time) string { return untilText(t, time.Now()) },
	"secs": func(v float64) string {
		return (time.Duration(v * float64(time.Second))).Round(time.Millisecond).String()
	},
	"stclass": statusClass,
}).Parse(statusHTML))

// statusPage serves GET /: the status page.
func (s *Server) statusPage(w http.ResponseWriter, _ *http.Request) {
	var st Status
	if s.opts.Status != nil {
		st = s.opts.Status()
	}
	// Render into a buffer so a template error gives a clean 500 rather
	// than half a page.
	var buf bytes.Buffer
	if err := statusTmpl.Execute(&buf, st); err != nil {
		s.log.Error("render status page", "err", err)
		writeText(w, http.StatusInternalServerError, "cannot render the status page\n")
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	// No scripts at all; inline CSS only.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'none'; frame-ancestors 'none'")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes()) // the client went away; nothing to do
}

// statusClass maps a status to the CSS class of its colour; unknown values
// get the neutral one.
func statusClass(s stats.Status) string {
	switch s {
	case stats.StatusPassed, stats.StatusWarning, stats.StatusFailed, stats.StatusError:
		return "st-" + string(s)
	default:
		return "st-unknown"
	}
}

// formatTime shows t in UTC to the second; "—" for the zero time.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

// untilText says how far t is from now ("in 2m30s", "due"); "" for the
// zero time.
func untilText(t, now time.Time) string {
	if t.IsZero() {
		return ""
	}
	d := t.Sub(now).Round(time.Second)
	if d <= 0 {
		return "due"
	}
	return "in " + d.String()
}
