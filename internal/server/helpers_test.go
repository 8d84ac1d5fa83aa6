package server

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/loadcron/loadcron/internal/history"
	"github.com/loadcron/loadcron/internal/report"
	"github.com/loadcron/loadcron/internal/stats"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The history store is what the daemon passes as Runs.
var _ Runs = (*history.Store)(nil)

// base is the start time of the first fixture run.
var base = time.Date(2026, 11, 27, 9, 15, 0, 0, time.UTC)

// fixtureReport is a finalized report of suite, started min minutes after
// base, with one scenario named scenario.
func fixtureReport(suite, scenario string, min int, tag string) *report.Report {
	started := base.Add(time.Duration(min) * time.Minute)
	r := report.New(suite, started.Format("20060102T150405Z")+"-"+tag, started)
	r.Add(report.ScenarioResult{
		Scenario: scenario, Target: "chat", TotalRequests: 50, Successful: 49, Failed: 1,
		SuccessRate: 0.98, CacheHitRate: 0.4, AvgLatencyMs: 1234.5, P95LatencyMs: 2345.6,
		P99LatencyMs: 3456.7, ThroughputRPS: 12.34, Status: stats.StatusWarning,
		Grade: stats.GradeExcellent, Errors: map[string]int64{}, Thresholds: []stats.ThresholdResult{},
	})
	r.FinishedAt = started.Add(90 * time.Second)
	r.Finalize()
	return r
}

// fixtureStore is a history with three runs of "chat" (minutes 1, 3, 5)
// and two of "other" (minutes 2, 4).
func fixtureStore(t *testing.T) *history.Store {
	t.Helper()
	s, err := history.Open(history.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []struct {
		suite string
		min   int
	}{{"chat", 1}, {"other", 2}, {"chat", 3}, {"other", 4}, {"chat", 5}} {
		if err := s.Add(fixtureReport(f.suite, "basic", f.min, f.suite[:1])); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// runID is the id fixtureReport gives a run at minute min with tag.
func runID(min int, tag string) string {
	return base.Add(time.Duration(min)*time.Minute).Format("20060102T150405Z") + "-" + tag
}

// newHTTP serves New(opts).Handler() on an httptest server.
func newHTTP(t *testing.T, opts Options) *httptest.Server {
	t.Helper()
	ts := httptest.NewServer(New(opts).Handler())
	t.Cleanup(ts.Close)
	return ts
}

// do sends a request and returns the status, headers and body.
func do(t *testing.T, method, url string, header map[string]string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

// decode unmarshals body into v, failing the test on error.
func decode(t *testing.T, body string, v any) {
	t.Helper()
	if err := json.NewDecoder(strings.NewReader(body)).Decode(v); err != nil {
		t.Fatalf("decode %q: %v", body, err)
	}
}
