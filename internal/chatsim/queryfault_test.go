package chatsim

import (
	"net/http"
	"net/url"
	"testing"
	"time"
)

func TestParseQueryFaults(t *testing.T) {
	tests := []struct {
		name       string
		query      string
		wantStatus []choice[int]
		wantDelay  []choice[time.Duration]
		wantErr    bool
	}{
		// no parameters, no faults
		{"none", "", nil, nil, false},
		// a bare status applies to every request
		{"bare status", "status=503", []choice[int]{{503, 100}}, nil, false},
		// status with a percent
		{"status pct", "status=503:20", []choice[int]{{503, 20}}, nil, false},
		// a list and a repeated parameter are joined
		{"list", "status=503:20,429:10&status=500:5", []choice[int]{{503, 20}, {429, 10}, {500, 5}}, nil, false},
		// delay with a percent
		{"delay", "delay=10ms:20", nil, []choice[time.Duration]{{10 * time.Millisecond, 20}}, false},
		// a fractional percent
		{"fraction", "delay=1s:0.5", nil, []choice[time.Duration]{{time.Second, 0.5}}, false},
		// 2xx is not a fault
		{"ok status", "status=200", nil, nil, true},
		// not a number
		{"bad status", "status=x", nil, nil, true},
		// percents must add up to at most 100
		{"over 100", "status=503:60,500:50", nil, nil, true},
		// bad percent
		{"bad pct", "status=503:x", nil, nil, true},
		// negative delay
		{"negative delay", "delay=-1s", nil, nil, true},
		// delay over the cap
		{"long delay", "delay=2h", nil, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := url.ParseQuery(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			got, err := parseQueryFaults(q)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if tt.wantErr {
				return
			}
			if !equalChoices(got.status, tt.wantStatus) || !equalChoices(got.delay, tt.wantDelay) {
				t.Errorf("got %+v, want status %+v delay %+v", got, tt.wantStatus, tt.wantDelay)
			}
		})
	}
}

func equalChoices[T comparable](a, b []choice[T]) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestPick(t *testing.T) {
	r := newLockedRand(3)
	cs := []choice[int]{{503, 20}, {429, 30}}
	counts := map[int]int{}
	const n = 10000
	for range n {
		v, ok := pick(cs, r)
		if !ok {
			v = 0
		}
		counts[v]++
	}
	// Expect 20 % / 30 % / 50 %, within 3 points.
	for v, want := range map[int]float64{503: 0.2, 429: 0.3, 0: 0.5} {
		if got := float64(counts[v]) / n; got < want-0.03 || got > want+0.03 {
			t.Errorf("share of %d = %.3f, want %.2f", v, got, want)
		}
	}
	if _, ok := pick([]choice[int](nil), r); ok {
		t.Error("pick from no choices returned a value")
	}
}

func TestQueryFaultsOverHTTP(t *testing.T) {
	s, ts := newTestServer(t, Options{})
	r := postChat(t.Context(), t, ts, "?status=418", ChatRequest{Message: "a"})
	if r.status != http.StatusTeapot {
		t.Errorf("?status=418 answered %d", r.status)
	}
	r = postChat(t.Context(), t, ts, "?delay=15ms", ChatRequest{Message: "a"})
	if r.status != 200 || r.resp.LatencyMS < 15 {
		t.Errorf("?delay=15ms: status %d latency_ms %g, want 200 and ≥ 15", r.status, r.resp.LatencyMS)
	}
	st := s.Stats()
	if st.InjectedErrors != 1 || st.ByStatus[418] != 1 || st.Misses != 1 {
		t.Errorf("stats = %+v, want 1 injected 418 and 1 miss", st)
	}
	checkSums(t, st)
}
