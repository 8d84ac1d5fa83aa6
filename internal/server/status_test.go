package server

import (
	"strings"
	"testing"
	"time"

	"github.com/loadcron/loadcron/internal/report"
	"github.com/loadcron/loadcron/internal/stats"
)

func TestStatusPage(t *testing.T) {
	last := fixtureReport("chat api", "Basic Chat", 0, "a")
	evil := last.TestResults[0]
	evil.Scenario = `<script>alert(1)</script>`
	evil.Status = stats.StatusFailed
	evil.Error = `target said <b>no</b>`
	last.Add(evil)
	streamed := last.TestResults[0]
	streamed.Scenario = "Streamed Chat"
	streamed.Streaming = &report.Streaming{
		Streams: 40, Ended: 39, Events: 800, EventsPerSecond: 41.25,
		FirstEvent: report.DistributionMs{P50: 120.5, P95: 310, P99: 402.25},
		EventGap:   report.DistributionMs{P50: 20, P95: 48.5, P99: 60},
	}
	last.Add(streamed)
	last.Finalize()

	next := time.Now().Add(time.Hour)
	st := Status{
		Version:    "1.2.3",
		ConfigHash: "c0ffee12",
		Suites: []SuiteStatus{
			{Name: "chat api", Schedule: "*/15 * * * *", Next: next, Running: true, Last: last},
			{Name: "idle", Schedule: "@every 1h"},
		},
	}
	ts := newHTTP(t, Options{Status: func() Status { return st }})
	code, h, body := do(t, "GET", ts.URL+"/", nil)
	if code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
		t.Fatalf("%d %s", code, h.Get("Content-Type"))
	}
	if !strings.Contains(h.Get("Content-Security-Policy"), "default-src 'none'") {
		t.Errorf("no CSP: %q", h.Get("Content-Security-Policy"))
	}
	tests := []struct {
		name string
		want string
	}{
		// Version and config hash.
		{"version", "<code>1.2.3</code>"},
		{"hash", "<code>c0ffee12</code>"},
		// The suite, its schedule, its running badge.
		{"suite", "<h2>chat api <span class=\"st running\">running</span></h2>"},
		{"schedule", "<code>*/15 * * * *</code>"},
		// Next run: an absolute time and how far away it is.
		{"next", "next run " + formatTime(next) + " (in "},
		// A scenario row with its status colour and figures.
		{"scenario", `<td><a href="#s-chat-api-scenario-basic-chat">Basic Chat</a></td>`},
		{"status colour", `<span class="st st-warning">warning</span>`},
		{"success", "<td>98.0 %</td>"},
		{"avg", "<td>1234.50</td>"},
		{"p95", "<td>2345.60</td>"},
		{"p99", "<td>3456.70</td>"},
		{"cache", "<td>40.0 %</td>"},
		{"throughput", "<td>12.34</td>"},
		{"grade", ">EXCELLENT</td>"},
		// A streamed scenario's figures (first event, gaps, pace).
		{"streaming", "streaming: 40 streams, 39 ended properly · first event P50 120.50 ms, P95 310.00 ms, P99 402.25 ms · event gap P50 20.00 ms, P95 48.50 ms · 41.2 events/s"},
		// The failed row is red; the suite's status too.
		{"failed colour", `<span class="st st-failed">failed</span>`},
		// Escaped script and markup.
		{"escaped script", "&lt;script&gt;alert(1)&lt;/script&gt;</a></td>"},
		{"escaped error", "target said &lt;b&gt;no&lt;/b&gt;"},
		// Links to the run page and its JSON, the suite's history
		// (query-escaped), metrics and the API.
		{"run link", `href="./runs/` + last.RunID + `"`},
		{"run json link", `href="./api/v1/runs/` + last.RunID + `"`},
		{"history link", `href="./api/v1/runs?suite=chat&#43;api"`},
		{"metrics link", `href="./metrics"`},
		{"runs link", `href="./api/v1/runs"`},
		// A suite that never ran.
		{"idle", "<h2>idle</h2>"},
		{"no run", "No run yet."},
	}
	for _, tt := range tests {
		if !strings.Contains(body, tt.want) {
			t.Errorf("%s: page lacks %q", tt.name, tt.want)
		}
	}
	if strings.Contains(body, "<script>") {
		t.Error("page contains an unescaped <script>")
	}
}

func TestStatusPageEmpty(t *testing.T) {
	// Without a Status func the page still renders.
	ts := newHTTP(t, Options{})
	code, _, body := do(t, "GET", ts.URL+"/", nil)
	if code != 200 || !strings.Contains(body, "No suites configured.") {
		t.Errorf("%d %s", code, body)
	}
}

func TestStatusClassAndTimes(t *testing.T) {
	classes := []struct {
		in   stats.Status
		want string
	}{
		// The four statuses have their colour.
		{stats.StatusPassed, "st-passed"},
		{stats.StatusWarning, "st-warning"},
		{stats.StatusFailed, "st-failed"},
		{stats.StatusError, "st-error"},
		// Anything else is neutral, never a class made from data.
		{stats.Status("x onclick=y"), "st-unknown"},
	}
	for _, tt := range classes {
		if got := statusClass(tt.in); got != tt.want {
			t.Errorf("statusClass(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	untils := []struct {
		t    time.Time
		want string
	}{
		// No next run.
		{time.Time{}, ""},
		// In the past or now.
		{now.Add(-time.Second), "due"},
		// Ahead, rounded to seconds.
		{now.Add(90*time.Second + 400*time.Millisecond), "in 1m30s"},
	}
	for _, tt := range untils {
		if got := untilText(tt.t, now); got != tt.want {
			t.Errorf("untilText(%v) = %q, want %q", tt.t, got, tt.want)
		}
	}
	if got := formatTime(now.In(time.FixedZone("x", 3600))); got != "2026-01-02 03:04:05 UTC" {
		t.Errorf("formatTime = %q", got)
	}
	if got := formatTime(time.Time{}); got != "—" {
		t.Errorf("formatTime(zero) = %q", got)
	}
}

// A report with no scenarios renders a placeholder row.
func TestStatusPageNoScenarios(t *testing.T) {
	r := report.New("s", "id-1", base)
	r.Partial = true
	r.Finalize()
	ts := newHTTP(t, Options{Status: func() Status {
		return Status{Suites: []SuiteStatus{{Name: "s", Last: r}}}
	}})
	_, _, body := do(t, "GET", ts.URL+"/", nil)
	for _, want := range []string{"no scenario ran", "partial", `<span class="st st-error">error</span>`} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}
