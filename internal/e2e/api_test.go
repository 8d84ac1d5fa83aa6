package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"
)

// client talks to the stack. Keep-alives are off so that no connection
// goroutine outlives a test (goleak).
var client = &http.Client{
	Timeout:   10 * time.Second,
	Transport: &http.Transport{DisableKeepAlives: true},
}

// httpDo sends a request with an optional JSON body and returns the status
// and body.
func httpDo(method, u string, body []byte) (int, []byte, error) {
	req, err := http.NewRequest(method, u, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// getJSON decodes the JSON answer of GET u into v; any status but 200 is an
// error.
func getJSON(u string, v any) error {
	code, b, err := httpDo("GET", u, nil)
	if err != nil {
		return err
	}
	if code != 200 {
		return fmt.Errorf("GET %s: %d %s", u, code, b)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("GET %s: %w", u, err)
	}
	return nil
}

// mustDo sends a request and fails the test unless it answers 200.
func mustDo(t *testing.T, method, u, body string) []byte {
	t.Helper()
	var b []byte
	if body != "" {
		b = []byte(body)
	}
	code, resp, err := httpDo(method, u, b)
	if err != nil || code != 200 {
		t.Fatalf("%s %s %s: %d %s %v", method, u, body, code, resp, err)
	}
	return resp
}

// promSample is one element of an instant-query vector.
type promSample struct {
	Metric map[string]string `json:"metric"`
	Value  [2]any            `json:"value"`
}

// promResult is the data of a Prometheus /api/v1/query answer.
type promResult struct {
	ResultType string          `json:"resultType"`
	Result     json.RawMessage `json:"result"`
}

// promQuery runs an instant query against the Prometheus at base.
func promQuery(base, q string) (promResult, error) {
	var body struct {
		Status string     `json:"status"`
		Error  string     `json:"error"`
		Data   promResult `json:"data"`
	}
	if err := getJSON(base+"/api/v1/query?query="+url.QueryEscape(q), &body); err != nil {
		return promResult{}, err
	}
	if body.Status != "success" {
		return promResult{}, fmt.Errorf("query %q: %s", q, body.Error)
	}
	return body.Data, nil
}

// promQueryRange runs q over the last span at a 1s step.
func promQueryRange(base, q string, span time.Duration) (promResult, error) {
	var body struct {
		Status string     `json:"status"`
		Error  string     `json:"error"`
		Data   promResult `json:"data"`
	}
	end := time.Now()
	u := fmt.Sprintf("%s/api/v1/query_range?query=%s&start=%d&end=%d&step=1", base,
		url.QueryEscape(q), end.Add(-span).Unix(), end.Unix())
	if err := getJSON(u, &body); err != nil {
		return promResult{}, err
	}
	if body.Status != "success" {
		return promResult{}, fmt.Errorf("query_range %q: %s", q, body.Error)
	}
	return body.Data, nil
}

// promVector runs an instant query that must return a vector.
func promVector(base, q string) ([]promSample, error) {
	r, err := promQuery(base, q)
	if err != nil {
		return nil, err
	}
	if r.ResultType != "vector" {
		return nil, fmt.Errorf("query %q: result type %s, want vector", q, r.ResultType)
	}
	var v []promSample
	err = json.Unmarshal(r.Result, &v)
	return v, err
}

// value is the sample's value as a string, as Prometheus sends it.
func (s promSample) value() string {
	v, _ := s.Value[1].(string)
	return v
}

// promAlert is an alert of Prometheus' /api/v1/alerts.
type promAlert struct {
	Labels map[string]string `json:"labels"`
	State  string            `json:"state"`
}

func promAlerts(base string) ([]promAlert, error) {
	var body struct {
		Data struct {
			Alerts []promAlert `json:"alerts"`
		} `json:"data"`
	}
	err := getJSON(base+"/api/v1/alerts", &body)
	return body.Data.Alerts, err
}

// promRuleGroup is a rule group of Prometheus' /api/v1/rules.
type promRuleGroup struct {
	Name           string    `json:"name"`
	File           string    `json:"file"`
	Interval       float64   `json:"interval"`
	LastEvaluation time.Time `json:"lastEvaluation"`
	Rules          []struct {
		Name      string `json:"name"`
		Type      string `json:"type"`
		Health    string `json:"health"`
		LastError string `json:"lastError"`
	} `json:"rules"`
}

func promRules(base string) ([]promRuleGroup, error) {
	var body struct {
		Data struct {
			Groups []promRuleGroup `json:"groups"`
		} `json:"data"`
	}
	err := getJSON(base+"/api/v1/rules", &body)
	return body.Data.Groups, err
}

// runReport is the part of a loadcron run report the tests read.
type runReport struct {
	RunID       string    `json:"run_id"`
	Trigger     string    `json:"trigger"`
	StartedAt   time.Time `json:"started_at"`
	FinishedAt  time.Time `json:"finished_at"`
	Status      string    `json:"status"`
	TestResults []struct {
		Scenario      string         `json:"scenario"`
		Status        string         `json:"status"`
		TotalRequests int64          `json:"total_requests"`
		Successful    int64          `json:"successful"`
		CacheHitRate  float64        `json:"cache_hit_rate"`
		P95LatencyMS  float64        `json:"p95_latency_ms"`
		Errors        map[string]int `json:"errors"`
		Error         string         `json:"error"`
		Streaming     *struct {
			Streams int64 `json:"streams"`
			Ended   int64 `json:"ended"`
			Events  int64 `json:"events"`
		} `json:"streaming"`
		Slowest []struct {
			TraceID   string  `json:"trace_id"`
			LatencyMs float64 `json:"latency_ms"`
		} `json:"slowest_requests"`
	} `json:"test_results"`
}

// loadcronRuns returns the daemon's recent runs of suite, newest first.
func loadcronRuns(base, suite string) ([]runReport, error) {
	var body struct {
		Runs []runReport `json:"runs"`
	}
	err := getJSON(base+"/api/v1/runs?limit=1000&suite="+url.QueryEscape(suite), &body)
	return body.Runs, err
}

// chatsimStats is the part of chatsim's /admin/stats the tests read.
type chatsimStats struct {
	Received uint64         `json:"received"`
	InFlight uint64         `json:"in_flight"`
	ByStatus map[int]uint64 `json:"by_status"`
}
