package server

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
)

func TestListRuns(t *testing.T) {
	ts := newHTTP(t, Options{Runs: fixtureStore(t)})
	tests := []struct {
		name  string
		query string
		code  int
		want  []string // run ids, in order
	}{
		// Every suite, newest first, default limit.
		{"all", "", 200, []string{runID(5, "c"), runID(4, "o"), runID(3, "c"), runID(2, "o"), runID(1, "c")}},
		// A limit keeps the newest.
		{"limit", "?limit=2", 200, []string{runID(5, "c"), runID(4, "o")}},
		// A suite filter.
		{"suite", "?suite=chat", 200, []string{runID(5, "c"), runID(3, "c"), runID(1, "c")}},
		// Suite and limit together.
		{"suite and limit", "?suite=other&limit=1", 200, []string{runID(4, "o")}},
		// The largest limit is allowed.
		{"max limit", "?limit=1000", 200, []string{runID(5, "c"), runID(4, "o"), runID(3, "c"), runID(2, "o"), runID(1, "c")}},
		// An unknown suite is an empty list, not an error.
		{"unknown suite", "?suite=nope", 200, []string{}},
		// Not a number.
		{"limit text", "?limit=ten", 400, nil},
		// Zero and negative limits are rejected.
		{"limit zero", "?limit=0", 400, nil},
		{"limit negative", "?limit=-3", 400, nil},
		// Above the maximum.
		{"limit too big", "?limit=1001", 400, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, h, body := do(t, "GET", ts.URL+"/api/v1/runs"+tt.query, nil)
			if code != tt.code || h.Get("Content-Type") != "application/json" {
				t.Fatalf("%d %s %s, want %d JSON", code, h.Get("Content-Type"), body, tt.code)
			}
			if tt.code != 200 {
				var e ErrorResponse
				decode(t, body, &e)
				if !strings.Contains(e.Error, "limit") {
					t.Errorf("error %q does not mention the limit", e.Error)
				}
				return
			}
			// "runs" is always an array, never null.
			if !strings.Contains(body, `"runs": [`) {
				t.Errorf("body has no runs array: %s", body)
			}
			var resp RunsResponse
			decode(t, body, &resp)
			var got []string
			for _, r := range resp.Runs {
				got = append(got, r.RunID)
			}
			if !slices.Equal(got, tt.want) && !(len(got) == 0 && len(tt.want) == 0) {
				t.Errorf("runs = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestListRunsDefaultLimit(t *testing.T) {
	// 25 stored runs: the default limit serves 20.
	s := fixtureStore(t)
	for i := range 20 {
		if err := s.Add(fixtureReport("many", "basic", 10+i, "m")); err != nil {
			t.Fatal(err)
		}
	}
	ts := newHTTP(t, Options{Runs: s})
	_, _, body := do(t, "GET", ts.URL+"/api/v1/runs", nil)
	var resp RunsResponse
	decode(t, body, &resp)
	if len(resp.Runs) != DefaultRunsLimit || resp.Runs[0].RunID != runID(29, "m") {
		t.Errorf("got %d runs starting %s, want %d starting %s", len(resp.Runs), resp.Runs[0].RunID, DefaultRunsLimit, runID(29, "m"))
	}
	// Without a Runs source the list is empty.
	ts2 := newHTTP(t, Options{})
	if code, _, body := do(t, "GET", ts2.URL+"/api/v1/runs", nil); code != 200 || !strings.Contains(body, `"runs": []`) {
		t.Errorf("no runs source: %d %s", code, body)
	}
}

func TestGetRun(t *testing.T) {
	ts := newHTTP(t, Options{Runs: fixtureStore(t)})
	tests := []struct {
		name string
		id   string
		code int
	}{
		// A stored run.
		{"found", runID(3, "c"), 200},
		// An unknown id.
		{"unknown", "20990101T000000Z-zzzzzz", 404},
		// Escaped characters in the id are decoded and still not found.
		{"escaped", "a%2Fb", 404},
	}
	for _, tt := range tests {
		code, h, body := do(t, "GET", ts.URL+"/api/v1/runs/"+tt.id, nil)
		if code != tt.code || h.Get("Content-Type") != "application/json" {
			t.Errorf("%s: %d %s, want %d JSON", tt.name, code, h.Get("Content-Type"), tt.code)
			continue
		}
		if code == 200 {
			var r struct {
				RunID       string `json:"run_id"`
				Suite       string `json:"suite"`
				TestResults []struct {
					Scenario string `json:"scenario"`
				} `json:"test_results"`
			}
			decode(t, body, &r)
			if r.RunID != tt.id || r.Suite != "chat" || len(r.TestResults) != 1 {
				t.Errorf("%s: got %+v", tt.name, r)
			}
		} else {
			var e ErrorResponse
			decode(t, body, &e)
			if !strings.Contains(e.Error, "not found") {
				t.Errorf("%s: error %q", tt.name, e.Error)
			}
		}
	}
}

// fakeScheduler is a Trigger that knows the suites "chat" and "other" and
// remembers which are running.
type fakeScheduler struct {
	mu      sync.Mutex
	running map[string]bool
	n       int
}

func (f *fakeScheduler) Trigger(suite string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case suite != "chat" && suite != "other" && suite != "broken":
		return "", fmt.Errorf("suite %q: %w", suite, ErrUnknownSuite)
	case suite == "broken":
		return "", errors.New("scheduler stopped")
	case f.running[suite]:
		return "", fmt.Errorf("suite %q: %w", suite, ErrRunning)
	}
	f.running[suite] = true
	f.n++
	return fmt.Sprintf("20261127T091500Z-%06d", f.n), nil
}

func TestTrigger(t *testing.T) {
	sched := &fakeScheduler{running: map[string]bool{}}
	var tokMu sync.Mutex
	token := "right-token"
	ts := newHTTP(t, Options{
		Trigger: sched.Trigger,
		Token: func() string {
			tokMu.Lock()
			defer tokMu.Unlock()
			return token
		},
	})
	bearer := func(tok string) map[string]string { return map[string]string{"Authorization": "Bearer " + tok} }
	tests := []struct {
		name    string
		suite   string
		header  map[string]string
		code    int
		wwwAuth string // substring of WWW-Authenticate; "" = must be absent
		errText string // substring of the JSON error
	}{
		// No credentials.
		{"no token", "chat", nil, 401, "Bearer", "missing bearer token"},
		// Another scheme is not a bearer token.
		{"basic scheme", "chat", map[string]string{"Authorization": "Basic dXNlcjpwYXNz"}, 401, "Bearer", "missing"},
		// An empty bearer token.
		{"empty bearer", "chat", map[string]string{"Authorization": "Bearer "}, 401, "Bearer", "missing"},
		// A wrong token.
		{"wrong token", "chat", bearer("wrong-token"), 401, `error="invalid_token"`, "invalid token"},
		// A prefix of the right token is wrong too.
		{"prefix", "chat", bearer("right"), 401, "invalid_token", "invalid token"},
		// Authentication comes before the suite lookup.
		{"wrong token unknown suite", "nope", bearer("wrong"), 401, "Bearer", "invalid token"},
		// The right token starts a run.
		{"accepted", "chat", bearer("right-token"), 202, "", ""},
		// The same suite again while it runs: conflict.
		{"running", "chat", bearer("right-token"), 409, "", "already running"},
		// The scheme is case-insensitive; another suite may start.
		{"lower-case scheme", "other", map[string]string{"Authorization": "bearer right-token"}, 202, "", ""},
		// The alternative header (for basic-auth listeners).
		{"token header", "other", map[string]string{"Authorization": "Basic dXNlcjpwYXNz", TokenHeader: "right-token"}, 409, "", "already running"},
		// An unknown suite.
		{"unknown suite", "nope", bearer("right-token"), 404, "", "unknown suite"},
		// Any other error: 500 with its text.
		{"other error", "broken", bearer("right-token"), 500, "", "scheduler stopped"},
	}
	for _, tt := range tests {
		code, h, body := do(t, "POST", ts.URL+"/api/v1/suites/"+tt.suite+"/run", tt.header)
		if code != tt.code {
			t.Errorf("%s: %d %s, want %d", tt.name, code, body, tt.code)
			continue
		}
		got := h.Get("WWW-Authenticate")
		if (tt.wwwAuth == "" && got != "") || !strings.Contains(got, tt.wwwAuth) {
			t.Errorf("%s: WWW-Authenticate %q, want %q", tt.name, got, tt.wwwAuth)
		}
		if code == 202 {
			var resp TriggerResponse
			decode(t, body, &resp)
			if resp.Suite != tt.suite || !strings.HasPrefix(resp.RunID, "20261127T091500Z-") {
				t.Errorf("%s: response %+v", tt.name, resp)
			}
			continue
		}
		var e ErrorResponse
		decode(t, body, &e)
		if !strings.Contains(e.Error, tt.errText) {
			t.Errorf("%s: error %q, want %q", tt.name, e.Error, tt.errText)
		}
	}
	if sched.n != 2 {
		t.Errorf("Trigger started %d runs, want 2", sched.n)
	}
	// GET is not a trigger.
	if code, _, _ := do(t, "GET", ts.URL+"/api/v1/suites/chat/run", bearer("right-token")); code != 405 {
		t.Errorf("GET trigger: %d, want 405", code)
	}

	// The token follows reloads: the old one stops working at once.
	tokMu.Lock()
	token = "new-token"
	tokMu.Unlock()
	if code, _, _ := do(t, "POST", ts.URL+"/api/v1/suites/x/run", bearer("right-token")); code != 401 {
		t.Errorf("old token after reload: %d, want 401", code)
	}
	if code, _, _ := do(t, "POST", ts.URL+"/api/v1/suites/x/run", bearer("new-token")); code != 404 {
		t.Errorf("new token after reload: %d, want 404 (unknown suite x)", code)
	}
}

func TestTriggerDisabled(t *testing.T) {
	called := false
	trig := func(string) (string, error) { called = true; return "id", nil }
	tests := []struct {
		name string
		opts Options
	}{
		// An empty token disables the API.
		{"empty token", Options{Trigger: trig, Token: func() string { return "" }}},
		// No Token func at all.
		{"no token func", Options{Trigger: trig}},
		// A token but no Trigger.
		{"no trigger", Options{Token: func() string { return "t" }}},
	}
	for _, tt := range tests {
		ts := newHTTP(t, tt.opts)
		code, _, body := do(t, "POST", ts.URL+"/api/v1/suites/chat/run", map[string]string{"Authorization": "Bearer t"})
		var e ErrorResponse
		decode(t, body, &e)
		if code != 403 || !strings.Contains(e.Error, "disabled") {
			t.Errorf("%s: %d %q, want 403 disabled", tt.name, code, e.Error)
		}
	}
	if called {
		t.Error("a disabled trigger API called Trigger")
	}
}

func TestTriggerUnavailable(t *testing.T) {
	ts := newHTTP(t, Options{
		Token:   func() string { return "t" },
		Trigger: func(string) (string, error) { return "", fmt.Errorf("shutting down: %w", ErrUnavailable) },
	})
	if code, _, _ := do(t, "POST", ts.URL+"/api/v1/suites/chat/run", map[string]string{"Authorization": "Bearer t"}); code != 503 {
		t.Errorf("unavailable: %d, want 503", code)
	}
}

func TestTokenEqual(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		// Equal.
		{"abc", "abc", true},
		// Same length, different.
		{"abc", "abd", false},
		// Prefix.
		{"ab", "abc", false},
		// Empty against non-empty.
		{"", "abc", false},
	}
	for _, tt := range tests {
		if got := tokenEqual(tt.a, tt.b); got != tt.want {
			t.Errorf("tokenEqual(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}
