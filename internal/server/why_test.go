package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/loadcron/loadcron/internal/config"
	"github.com/loadcron/loadcron/internal/history"
	"github.com/loadcron/loadcron/internal/report"
	"github.com/loadcron/loadcron/internal/result"
	"github.com/loadcron/loadcron/internal/stats"
)

func ptr[T any](v T) *T { return &v }

// failingReport is a run of suite "chat api" at minute min whose critical
// scenario "Flaky: 404 & 500" met a target answering 404 and 500 (P95 i
// ms), and whose second scenario found nothing listening.
func failingReport(min int, p95 float64) *report.Report {
	started := base.Add(time.Duration(min) * time.Minute)
	r := report.New("chat api", started.Format("20060102T150405Z")+"-f", started)
	sum := stats.Summary{
		Total: 16, Successful: 8, Failed: 8, CacheHits: 6, CacheMisses: 2, Elapsed: 2 * time.Second,
		Avg: 3 * time.Millisecond, Median: 2 * time.Millisecond, P95: time.Duration(p95 * float64(time.Millisecond)),
		P99: 12 * time.Millisecond, Min: time.Millisecond, Max: 12 * time.Millisecond,
		SuccessRate: 0.5, ErrorRate: 0.5, CacheHitRate: 0.75, Throughput: 8,
		StatusCodes: []stats.CodeCount{{Code: 200, Count: 8}, {Code: 404, Count: 4}, {Code: 500, Count: 4}},
		Causes: []stats.Cause{
			{Kind: "http_4xx", Cause: "404 GET /chat", Count: 4, Example: `404 GET /chat: {"detail":"<b>Not Found</b>"}`},
			{Kind: "http_5xx", Cause: "500 GET /chat", Count: 4, Example: "500 GET /chat: internal error"},
		},
	}
	sum.Errors[result.KindHTTP4xx] = 4
	sum.Errors[result.KindHTTP5xx] = 4
	th := config.Thresholds{MinSuccessRate: ptr(0.9), MaxP95Latency: ptr(5 * time.Millisecond)}
	info := report.ScenarioInfo{Name: "Flaky: 404 & 500", Target: "flaky", Critical: true, Users: 2, RequestsPerUser: 8}
	r.Add(report.ScenarioFromSummary(info, sum, stats.Evaluate(sum, th, config.Grades{}, true)))

	dead := stats.Summary{Total: 3, Failed: 3, ErrorRate: 1, Elapsed: time.Millisecond,
		StatusCodes: []stats.CodeCount{{Code: 0, Count: 3}},
		Causes: []stats.Cause{{Kind: "connection", Cause: "dial tcp 127.0.0.1:9: connect: connection refused", Count: 3,
			Example: "dial tcp 127.0.0.1:9: connect: connection refused — GET /chat"}}}
	dead.Errors[result.KindConnection] = 3
	deadInfo := report.ScenarioInfo{Name: "nobody home", Target: "dead", Users: 1, RequestsPerUser: 3}
	r.Add(report.ScenarioFromSummary(deadInfo, dead, stats.Evaluate(dead, config.Thresholds{}, config.Grades{}, false)))
	r.FinishedAt = started.Add(3 * time.Second)
	r.Finalize()
	return r
}

// whyServer serves a history of three failing runs (P95 4, 6, 9 ms).
func whyServer(t *testing.T, links LinkBase) (string, *report.Report) {
	t.Helper()
	store, err := history.Open(history.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	var last *report.Report
	for i, p95 := range []float64{4, 6, 9} {
		last = failingReport(i, p95)
		if err := store.Add(last); err != nil {
			t.Fatal(err)
		}
	}
	ts := newHTTP(t, Options{
		Runs:  store,
		Links: func() LinkBase { return links },
		Status: func() Status {
			return Status{Suites: []SuiteStatus{{Name: "chat api", Schedule: "@every 1m", Last: last}}}
		},
	})
	return ts.URL, last
}

func TestStatusPageShowsWhy(t *testing.T) {
	url, last := whyServer(t, LinkBase{})
	code, _, body := do(t, "GET", url+"/", nil)
	if code != 200 {
		t.Fatalf("status %d", code)
	}
	for _, want := range []string{
		// violated thresholds with value and limit, critical in red
		`<li class="crit">✘ min_success_rate: 50.0% (limit ≥ 90.0%)</li>`,
		`<li class="crit">✘ max_p95_latency: 9.00ms (limit ≤ 5.00ms)</li>`,
		// the same reasons in the table's why column
		`<td class="why">min_success_rate: 50.0% (limit ≥ 90.0%); max_p95_latency: 9.00ms (limit ≤ 5.00ms)</td>`,
		// status codes and causes with counts and escaped examples
		"status codes: 200=8, 404=4, 500=4",
		"<b>4×</b> http_4xx: 404 GET /chat",
		`e.g. 404 GET /chat: {&#34;detail&#34;:&#34;&lt;b&gt;Not Found&lt;/b&gt;&#34;}`,
		"status codes: no response=3",
		"<b>3×</b> connection: dial tcp 127.0.0.1:9: connect: connection refused",
		// the non-critical scenario's reason warns
		`<li class="warn">⚠ min_successful_requests: no successful request (limit ≥ 1)</li>`,
		// trend charts with the newest value and the limit
		"P95 latency: <b>9.00ms</b> (limit 5.00ms)",
		"error ratio: <b>50.0 %</b> (limit 10.0 %)",
		`<polyline points="3.0,`,
		// links to the run page's scenario section
		`href="./runs/` + last.RunID + `#scenario-flaky-404-500"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("status page lacks %q", want)
		}
	}
	if n := strings.Count(body, `<svg class="trend"`); n != 8 {
		t.Errorf("%d trend charts, want 4 per scenario (8)", n)
	}
	if n := strings.Count(body, `class="st-failed" href="./runs/`); n != 3 {
		t.Errorf("%d run dots, want 3", n)
	}
	if strings.Contains(body, "grafana") || strings.Contains(body, "dashboard") {
		t.Error("dashboard links without server.grafana_url")
	}
}

func TestRunPage(t *testing.T) {
	url, last := whyServer(t, LinkBase{})
	code, h, body := do(t, "GET", url+"/runs/"+last.RunID, nil)
	if code != 200 || !strings.Contains(h.Get("Content-Security-Policy"), "default-src 'none'") {
		t.Fatalf("status %d, CSP %q", code, h.Get("Content-Security-Policy"))
	}
	// The console's text, as `loadcron run` prints it, escaped.
	var console strings.Builder
	if err := report.NewConsoleReporter(last, "", "")(&console); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		"Results: Flaky: 404 &amp; 500",
		"Status codes: 200=8, 404=4, 500=4",
		"4× http_4xx: 404 GET /chat",
		"❌ max_p95_latency: 9.00ms (limit ≤ 5.00ms)",
		"❌ Critical load tests FAILED",
		`<section class="console" id="scenario-flaky-404-500">`,
		`<section class="console" id="scenario-nobody-home">`,
		`href="../">status page</a>`,
		`href="../api/v1/runs/` + last.RunID + `">JSON</a>`,
	} {
		if !strings.Contains(body, line) {
			t.Errorf("run page lacks %q", line)
		}
	}
	// Every line of the console output is on the page.
	for _, line := range strings.Split(console.String(), "\n") {
		esc := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;", "+", "&#43;").Replace(line)
		if !strings.Contains(body, esc) {
			t.Errorf("run page lacks console line %q", line)
		}
	}
	if code, _, body := do(t, "GET", url+"/runs/nope", nil); code != 404 || !strings.Contains(body, `run &#34;nope&#34; not found`) {
		t.Errorf("unknown run: %d %s", code, body)
	}
}

func TestLastRunRedirect(t *testing.T) {
	url, last := whyServer(t, LinkBase{})
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	tests := []struct {
		query    string
		code     int
		location string
	}{
		// the newest run of the suite, at the scenario's section
		{"?suite=chat+api&scenario=Flaky%3A+404+%26+500", 302, "../runs/" + last.RunID + "#scenario-flaky-404-500"},
		// the run itself
		{"?suite=chat%20api", 302, "../runs/" + last.RunID},
		// a suite without runs, or none named
		{"?suite=other", 404, ""},
		{"", 404, ""},
	}
	// With t, the newest run that had started by then: an alert links to
	// the run that raised it (t is when its scenario finished) even after
	// newer runs.
	first, second := failingReport(0, 4), failingReport(1, 6)
	during := float64(second.StartedAt.UnixNano())/1e9 + 0.5
	tests = append(tests, []struct {
		query    string
		code     int
		location string
	}{
		// during the second run: that run
		{fmt.Sprintf("?suite=chat+api&scenario=nobody+home&t=%.3f", during), 302, "../runs/" + second.RunID + "#scenario-nobody-home"},
		// a moment before the second run started: the first
		{fmt.Sprintf("?suite=chat+api&t=%.3f", float64(second.StartedAt.UnixNano())/1e9-0.001), 302, "../runs/" + first.RunID},
		// long after: the newest
		{fmt.Sprintf("?suite=chat+api&t=%d", last.FinishedAt.Unix()+3600), 302, "../runs/" + last.RunID},
		// before any run
		{fmt.Sprintf("?suite=chat+api&t=%d", first.StartedAt.Unix()-60), 404, ""},
		// not a time
		{"?suite=chat+api&t=soon", 404, ""},
		{"?suite=chat+api&t=NaN", 404, ""},
	}...)
	for _, tc := range tests {
		resp, err := client.Get(url + "/runs/last" + tc.query)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.code || resp.Header.Get("Location") != tc.location {
			t.Errorf("%s: %d %q, want %d %q", tc.query, resp.StatusCode, resp.Header.Get("Location"), tc.code, tc.location)
		}
	}
	// Followed, the redirect lands on the run page.
	code, _, body := do(t, "GET", url+"/runs/last?suite=chat+api&scenario=nobody+home", nil)
	if code != 200 || !strings.Contains(body, "run <code>"+last.RunID+"</code>") {
		t.Errorf("followed redirect: %d", code)
	}
}

func TestAbsoluteAndDashboardLinks(t *testing.T) {
	links := LinkBase{ExternalURL: "https://ops.example/loadcron/", GrafanaURL: "https://grafana.example/"}
	url, last := whyServer(t, links)
	_, _, page := do(t, "GET", url+"/", nil)
	from := last.StartedAt.Add(-grafanaSlack).UnixMilli()
	for _, want := range []string{
		`href="https://ops.example/loadcron/runs/` + last.RunID + `#scenario-flaky-404-500"`,
		`href="https://ops.example/loadcron/metrics"`,
		`href="https://grafana.example/d/loadcron-overview?from=`,
		`href="https://grafana.example/d/loadcron-scenario?from=`,
		`var-scenario=Flaky%3A&#43;404&#43;%26&#43;500&amp;var-suite=chat&#43;api`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("status page lacks %q", want)
		}
	}
	_, _, runPage := do(t, "GET", url+"/runs/"+last.RunID, nil)
	if !strings.Contains(runPage, `href="https://ops.example/loadcron/">status page</a>`) ||
		!strings.Contains(runPage, "https://grafana.example/d/loadcron-scenario?") {
		t.Error("run page lacks absolute or dashboard links")
	}

	// The API carries the same links.
	_, _, body := do(t, "GET", url+"/api/v1/runs?suite=chat+api&limit=1", nil)
	var resp RunsResponse
	decode(t, body, &resp)
	if len(resp.Runs) != 1 {
		t.Fatalf("%d runs", len(resp.Runs))
	}
	l := resp.Runs[0].Links
	sc := l.Scenarios["Flaky: 404 & 500"]
	if l.Page != "https://ops.example/loadcron/runs/"+last.RunID || l.API != "https://ops.example/loadcron/api/v1/runs/"+last.RunID ||
		sc.Page != l.Page+"#scenario-flaky-404-500" ||
		!strings.HasPrefix(sc.Dashboard, "https://grafana.example/d/loadcron-scenario?") ||
		!strings.Contains(l.Dashboard, "from="+itoa(from)) {
		t.Errorf("links = %+v", l)
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

func TestAPIShowsWhy(t *testing.T) {
	url, last := whyServer(t, LinkBase{})
	for _, path := range []string{"/api/v1/runs?limit=1", "/api/v1/runs/" + last.RunID} {
		_, _, body := do(t, "GET", url+path, nil)
		var doc map[string]any
		decode(t, body, &doc)
		run := doc
		if runs, ok := doc["runs"].([]any); ok {
			run = runs[0].(map[string]any)
		}
		first := run["test_results"].([]any)[0].(map[string]any)
		viol := first["violations"].([]any)[0].(map[string]any)
		codes := first["status_codes"].(map[string]any)
		cause := first["error_causes"].([]any)[0].(map[string]any)
		if viol["threshold"] != "min_success_rate" || viol["value"] != 0.5 || viol["limit"] != 0.9 ||
			codes["404"] != 4.0 || codes["500"] != 4.0 ||
			cause["cause"] != "404 GET /chat" || cause["count"] != 4.0 || cause["example"] == "" {
			t.Errorf("%s: violation %v codes %v cause %v", path, viol, codes, cause)
		}
		links := run["links"].(map[string]any)
		if links["page"] != "/runs/"+last.RunID {
			t.Errorf("%s: page link %v, want the root-relative run page", path, links["page"])
		}
	}
}

func TestScenarioAnchor(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Baseline: Single User", "scenario-baseline-single-user"},
		{"Flaky: 404 & 500", "scenario-flaky-404-500"},
		{"  ümlaut--x ", "scenario-mlaut-x"},
		{"", "scenario-"},
	}
	for _, tc := range tests {
		if got := ScenarioAnchor(tc.in); got != tc.want {
			t.Errorf("ScenarioAnchor(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestDrawChart(t *testing.T) {
	// Three runs, the middle one missing: x spans the window, y runs from
	// 0 (bottom) to the largest of values and limit (top).
	f := trendFigures[0] // P95 latency, ms
	c := drawChart(f, []trendPoint{{v: 5, ok: true}, {}, {v: 10, ok: true}}, 20, true)
	if c.Points != "3.0,28.5 157.0,20.0" || c.LastX != "157.0" || c.LastY != "20.0" || c.LimitY != "3.0" ||
		c.Last != "10.00ms" || c.Limit != "20.00ms" || c.Runs != 2 {
		t.Errorf("chart = %+v", c)
	}
	// Ratios keep the 0–1 scale; no value yet gives an empty chart.
	r := drawChart(trendFigures[1], []trendPoint{{v: 0.5, ok: true}}, 0, false)
	if r.Points != "80.0,20.0" || r.Limit != "" {
		t.Errorf("ratio chart = %+v", r)
	}
	if e := drawChart(f, []trendPoint{{}, {}}, 0, false); e.Points != "" || e.Last != "" {
		t.Errorf("empty chart = %+v", e)
	}
}

func TestDashboardsHaveTheLinkedUIDs(t *testing.T) {
	// Dashboard links name these uids and variables: the shipped
	// dashboards must keep them.
	for uid, vars := range map[string][]string{
		DashboardOverview: {"suite"},
		DashboardScenario: {"suite", "scenario"},
	} {
		data, err := os.ReadFile(filepath.Join("..", "..", "dashboards", uid+".json"))
		if err != nil {
			t.Fatal(err)
		}
		var d struct {
			UID        string `json:"uid"`
			Templating struct {
				List []struct {
					Name string `json:"name"`
				} `json:"list"`
			} `json:"templating"`
		}
		if err := json.Unmarshal(data, &d); err != nil {
			t.Fatal(err)
		}
		if d.UID != uid {
			t.Errorf("%s.json has uid %q", uid, d.UID)
		}
		have := map[string]bool{}
		for _, v := range d.Templating.List {
			have[v.Name] = true
		}
		for _, v := range vars {
			if !have[v] {
				t.Errorf("%s lacks the variable %q", uid, v)
			}
		}
	}
}

// No page of the server fetches anything from elsewhere: no src= or
// external stylesheet, and the CSP forbids it anyway.
func TestPagesFetchNothing(t *testing.T) {
	url, last := whyServer(t, LinkBase{GrafanaURL: "https://grafana.example"})
	external := regexp.MustCompile(`(?i)<(script|img|link|iframe)[^>]*(src|href)="(https?:)?//`)
	for _, path := range []string{"/", "/runs/" + last.RunID} {
		_, _, body := do(t, "GET", url+path, nil)
		if m := external.FindString(body); m != "" || strings.Contains(body, "<script") {
			t.Errorf("%s loads something: %q", path, m)
		}
	}
}
