package config

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

const shippedConfig = "../../config/loadcron.yaml"

// TestShippedConfig checks that config/loadcron.yaml loads for serve and
// holds the guide's five scenarios and Success Criteria exactly.
func TestShippedConfig(t *testing.T) {
	cfg, err := Load(shippedConfig, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Suites["chat"].TriggerOnly() {
		t.Error("the shipped suite has no schedule")
	}
	if got := cfg.Targets["chat"].URL; got != "http://127.0.0.1:8003" {
		t.Errorf("target url = %q", got)
	}
	if got := cfg.Targets["chat"].CostPerUncachedRequest; got != 0.06 {
		t.Errorf("cost = %v", got)
	}
	su := cfg.Suites["chat"]
	if len(cfg.Suites) != 1 || su == nil || su.Schedule != "*/15 * * * *" {
		t.Fatalf("want one suite chat every 15 minutes, got %v", cfg.Suites)
	}
	type row struct {
		name       string
		users, rpu int
		critical   bool
		success    float64
		avg        time.Duration
		cacheHit   float64
	}
	want := []row{
		{"Baseline: Single User", 1, 5, true, .95, 3 * time.Second, .50},
		{"Light Load: 5 Concurrent Users", 5, 4, true, .95, 4 * time.Second, .70},
		{"Medium Load: 10 Concurrent Users", 10, 3, true, .95, 5 * time.Second, .75},
		{"Heavy Load: 20 Concurrent Users", 20, 3, true, .90, 10 * time.Second, .80},
		{"Stress Test: 50 Concurrent Users", 50, 2, false, .80, 30 * time.Second, .85},
	}
	if len(su.Scenarios) != len(want) {
		t.Fatalf("%d scenarios, want %d", len(su.Scenarios), len(want))
	}
	for i, w := range want {
		sc := su.Scenarios[i]
		th := sc.Thresholds
		got := row{sc.Name, sc.Users, sc.RequestsPerUser, sc.IsCritical(), *th.MinSuccessRate, *th.MaxAvgLatency, *th.MinCacheHitRate}
		if got != w {
			t.Errorf("scenario %d = %+v, want %+v", i, got, w)
		}
		if sc.Target != "chat" || sc.Request.Method != "POST" || sc.Request.Path != "/api/chat" {
			t.Errorf("scenario %d request = %s %s on %s", i, sc.Request.Method, sc.Request.Path, sc.Target)
		}
	}
}

// TestShippedBody checks that the shipped body template gives the chat
// API's JSON with the query safely embedded.
func TestShippedBody(t *testing.T) {
	cfg, err := Load(shippedConfig, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	req, err := cfg.Suites["chat"].Scenarios[0].Request.Compile()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	query := `He said "hi" <b>\ `
	if err := req.Body.Execute(&b, &TemplateData{User: 3, RunID: "r1", Query: query}); err != nil {
		t.Fatal(err)
	}
	var body struct {
		Message        string `json:"message"`
		ConversationID string `json:"conversation_id"`
	}
	if err := json.Unmarshal([]byte(b.String()), &body); err != nil {
		t.Fatalf("body %s: %v", b.String(), err)
	}
	if body.Message != query || body.ConversationID != "loadcron-r1-3" {
		t.Errorf("body = %+v", body)
	}
}

// TestShippedCacheHits checks that the shipped queries can meet the cache
// thresholds against a cache keyed on the message that persists across
// the run's scenarios. A single user is simulated exactly; for concurrent
// users the worst case is assumed: every request for a query not cached
// when the scenario starts is a miss.
func TestShippedCacheHits(t *testing.T) {
	cfg, err := Load(shippedConfig, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cached := map[string]bool{}
	for _, sc := range cfg.Suites["chat"].Scenarios {
		qs := sc.Request.Queries
		n := sc.Users * sc.RequestsPerUser
		hits := 0
		warm := map[string]bool{}
		for k := range cached {
			warm[k] = true
		}
		for i := range n {
			q := qs[i%len(qs)]
			if sc.Users == 1 && cached[q] || sc.Users > 1 && warm[q] {
				hits++
			}
			cached[q] = true
		}
		rate := float64(hits) / float64(n)
		if limit := *sc.Thresholds.MinCacheHitRate; rate < limit {
			t.Errorf("%s: worst-case hit rate %.2f < %.2f", sc.Name, rate, limit)
		}
	}
}
