package chatsim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"
)

func TestErrorRatio(t *testing.T) {
	const n = 100
	tests := []struct {
		name     string
		ratio    float64
		min, max int // bounds on the 500s seen
	}{
		// every request fails
		{"all", 1, n, n},
		// none fails
		{"none", 0, 0, 0},
		// about a third fails (seeded, so the exact count is stable)
		{"third", 0.3, 15, 45},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, ts := newTestServer(t, Options{Faults: Faults{ErrorRatio: tt.ratio}})
			var errs, ok int
			for i := range n {
				r := postChat(t.Context(), t, ts, "", ChatRequest{Message: fmt.Sprint("q", i%7)})
				switch r.status {
				case http.StatusInternalServerError:
					errs++
				case http.StatusOK:
					ok++
				default:
					t.Fatalf("unexpected status %d", r.status)
				}
			}
			if errs < tt.min || errs > tt.max {
				t.Errorf("%d errors, want %d–%d", errs, tt.min, tt.max)
			}
			st := s.Stats()
			if st.InjectedErrors != uint64(errs) || st.ByStatus[500] != uint64(errs) {
				t.Errorf("injected = %d, by_status[500] = %d, client saw %d", st.InjectedErrors, st.ByStatus[500], errs)
			}
			if st.Hits+st.Misses != uint64(ok) {
				t.Errorf("hits+misses = %d, client saw %d OKs", st.Hits+st.Misses, ok)
			}
			checkSums(t, st)
		})
	}
}

func TestAdminFaultsRoundTrip(t *testing.T) {
	s, ts := newTestServer(t, Options{})
	tests := []struct {
		name, method, body string
		wantStatus         int
		want               Faults // faults in force afterwards
	}{
		// a partial PUT sets only the given keys
		{"put ratio", http.MethodPut, `{"error_ratio":0.25}`, 200, Faults{ErrorRatio: 0.25}},
		// POST works too and keeps earlier keys
		{"post latency", http.MethodPost, `{"extra_latency":"150ms","cache_off":true}`, 200,
			Faults{ErrorRatio: 0.25, ExtraLatency: 150 * time.Millisecond, CacheOff: true}},
		// a key can be switched back off
		{"unset", http.MethodPut, `{"cache_off":false,"unhealthy":true}`, 200,
			Faults{ErrorRatio: 0.25, ExtraLatency: 150 * time.Millisecond, Unhealthy: true}},
		// unknown keys are rejected and change nothing
		{"unknown key", http.MethodPut, `{"error_rate":1}`, 400,
			Faults{ErrorRatio: 0.25, ExtraLatency: 150 * time.Millisecond, Unhealthy: true}},
		// out of range ratio is rejected and changes nothing
		{"bad ratio", http.MethodPut, `{"error_ratio":1.5,"cache_off":true}`, 400,
			Faults{ErrorRatio: 0.25, ExtraLatency: 150 * time.Millisecond, Unhealthy: true}},
		// a bad duration is rejected
		{"bad duration", http.MethodPut, `{"extra_latency":"soon"}`, 400,
			Faults{ErrorRatio: 0.25, ExtraLatency: 150 * time.Millisecond, Unhealthy: true}},
		// not JSON at all
		{"not json", http.MethodPut, `nope`, 400,
			Faults{ErrorRatio: 0.25, ExtraLatency: 150 * time.Millisecond, Unhealthy: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body json.RawMessage
			if got := sendJSON(t, ts, tt.method, "/admin/faults", tt.body, &body); got != tt.wantStatus {
				t.Errorf("status = %d, want %d (%s)", got, tt.wantStatus, body)
			}
			var viaHTTP Faults
			if st := getJSON(t, ts, "/admin/faults", &viaHTTP); st != 200 {
				t.Fatalf("GET /admin/faults: %d", st)
			}
			if viaHTTP != tt.want {
				t.Errorf("GET /admin/faults = %+v, want %+v", viaHTTP, tt.want)
			}
			if got := s.Faults(); got != tt.want {
				t.Errorf("Faults() = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestFaultsJSON(t *testing.T) {
	f := Faults{ErrorRatio: 0.5, ExtraLatency: 2500 * time.Millisecond, CacheOff: true}
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"error_ratio":0.5,"extra_latency":"2.5s","cache_off":true,"unhealthy":false}`
	if string(b) != want {
		t.Errorf("Marshal = %s, want %s", b, want)
	}
	var back Faults
	if err := json.Unmarshal(b, &back); err != nil || back != f {
		t.Errorf("Unmarshal = %+v, %v; want %+v", back, err, f)
	}
}

func TestHealthAndReset(t *testing.T) {
	s, ts := newTestServer(t, Options{Faults: Faults{ErrorRatio: 1}})
	var h Health
	if st := getJSON(t, ts, "/health", &h); st != 200 || h.Status != "healthy" || h.Cache != "memory" {
		t.Errorf("GET /health = %d %+v, want 200 healthy memory", st, h)
	}
	s.SetFaults(Faults{Unhealthy: true, CacheOff: true})
	if st := getJSON(t, ts, "/health", &h); st != 503 || h.Status != "unhealthy" || h.Cache != "off" {
		t.Errorf("unhealthy GET /health = %d %+v, want 503 unhealthy off", st, h)
	}
	// Unhealthy does not touch /api/chat.
	if r := postChat(t.Context(), t, ts, "", ChatRequest{Message: "a"}); r.status != 200 {
		t.Errorf("chat while unhealthy: %d, want 200", r.status)
	}
	s.SetFaults(Faults{})
	postChat(t.Context(), t, ts, "", ChatRequest{Message: "b"})
	if r := postChat(t.Context(), t, ts, "", ChatRequest{Message: "b"}); !r.resp.Cached {
		t.Fatal("second b was not cached")
	}
	s.SetFaults(Faults{ErrorRatio: 0.5, Unhealthy: true})

	var st Stats
	if code := sendJSON(t, ts, http.MethodPost, "/admin/reset", "", &st); code != 200 {
		t.Fatalf("POST /admin/reset: %d", code)
	}
	if st.Received != 0 || len(st.ByStatus) != 0 {
		t.Errorf("stats after reset = %+v, want zero", st)
	}
	if f := s.Faults(); f != (Faults{}) {
		t.Errorf("faults after reset = %+v, want none", f)
	}
	if st := getJSON(t, ts, "/health", &h); st != 200 {
		t.Errorf("health after reset: %d, want 200", st)
	}
	if r := postChat(t.Context(), t, ts, "", ChatRequest{Message: "b"}); r.resp.Cached {
		t.Error("cache survived reset")
	}
	var viaHTTP Stats
	getJSON(t, ts, "/admin/stats", &viaHTTP)
	if viaHTTP.Received != 1 || viaHTTP.Misses != 1 || viaHTTP.ByStatus[200] != 1 {
		t.Errorf("GET /admin/stats = %+v, want 1 received, 1 miss", viaHTTP)
	}
}

func TestExtraLatency(t *testing.T) {
	_, ts := newTestServer(t, Options{Faults: Faults{ExtraLatency: 20 * time.Millisecond}})
	r := postChat(t.Context(), t, ts, "", ChatRequest{Message: "a"})
	if r.status != 200 || r.resp.LatencyMS < 20 {
		t.Errorf("status %d latency_ms %g, want 200 and ≥ 20", r.status, r.resp.LatencyMS)
	}
}

func TestOptionsValidate(t *testing.T) {
	tests := []struct {
		name    string
		opts    Options
		wantErr bool
	}{
		// the defaults are valid
		{"defaults", DefaultOptions(), false},
		// the zero value is valid
		{"zero", Options{}, false},
		// jitter over 1
		{"jitter", Options{Jitter: 1.5}, true},
		// negative latency
		{"latency", Options{UncachedLatency: -time.Second}, true},
		// negative context turns
		{"turns", Options{ContextTurns: -1}, true},
		// error ratio out of range
		{"ratio", Options{Faults: Faults{ErrorRatio: -0.1}}, true},
		// negative extra latency
		{"extra", Options{Faults: Faults{ExtraLatency: -1}}, true},
	}
	for _, tt := range tests {
		if err := tt.opts.Validate(); (err != nil) != tt.wantErr {
			t.Errorf("%s: Validate() = %v, wantErr %v", tt.name, err, tt.wantErr)
		}
	}
}
