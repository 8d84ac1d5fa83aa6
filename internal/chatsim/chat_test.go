package chatsim

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestChatCaching(t *testing.T) {
	type step struct {
		conv, msg  string
		advance    time.Duration // clock moves before the step
		wantCached bool
	}
	tests := []struct {
		name  string
		opts  Options
		steps []step
	}{
		// the second identical question is a hit with the same reply
		{"hit after miss", Options{}, []step{
			{"", "What is your refund policy?", 0, false},
			{"", "What is your refund policy?", 0, true},
		}},
		// the key is the normalised message
		{"normalised", Options{}, []step{
			{"", "Hello   World", 0, false},
			{"", "  hello world ", 0, true},
			{"", "hello world!", 0, false},
		}},
		// an entry lives for CacheTTL on the injected clock
		{"ttl expiry", Options{CacheTTL: time.Minute}, []step{
			{"", "q", 0, false},
			{"", "q", 59 * time.Second, true},
			{"", "q", time.Second, false},
			{"", "q", 0, true},
		}},
		// with one context turn the previous message is part of the key
		{"context turns", Options{ContextTurns: 1}, []step{
			{"a", "q1", 0, false},
			{"a", "q2", 0, false},
			{"b", "q1", 0, true},  // same (empty) context as a's first
			{"b", "q2", 0, true},  // same context "q1"
			{"c", "x", 0, false},  // new question
			{"c", "q2", 0, false}, // q2 after "x" is a different key
		}},
		// without context turns conversations share entries
		{"no context turns", Options{}, []step{
			{"a", "x", 0, false},
			{"a", "q2", 0, false},
			{"b", "q2", 0, true},
		}},
		// the cache-off fault always misses and stores nothing
		{"cache off", Options{Faults: Faults{CacheOff: true}}, []step{
			{"", "q", 0, false},
			{"", "q", 0, false},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newFakeClock()
			tt.opts.Now = clk.Now
			s, ts := newTestServer(t, tt.opts)
			var hits, misses uint64
			replies := map[string]string{}
			for i, st := range tt.steps {
				clk.Advance(st.advance)
				r := postChat(t.Context(), t, ts, "", ChatRequest{Message: st.msg, ConversationID: st.conv})
				if r.status != http.StatusOK {
					t.Fatalf("step %d: status %d (%s)", i, r.status, r.errMsg)
				}
				if r.resp.Cached != st.wantCached {
					t.Errorf("step %d (%q): cached = %v, want %v", i, st.msg, r.resp.Cached, st.wantCached)
				}
				wantHeader := map[bool]string{true: "HIT", false: "MISS"}[st.wantCached]
				if got := r.header.Get("X-Cache"); got != wantHeader {
					t.Errorf("step %d: X-Cache = %q, want %q", i, got, wantHeader)
				}
				if st.conv != "" && r.resp.ConversationID != st.conv {
					t.Errorf("step %d: conversation_id = %q, want %q", i, r.resp.ConversationID, st.conv)
				}
				n := Normalize(st.msg)
				if prev, ok := replies[n]; ok && prev != r.resp.Reply {
					t.Errorf("step %d: reply %q differs from earlier %q", i, r.resp.Reply, prev)
				}
				replies[n] = r.resp.Reply
				if st.wantCached {
					hits++
				} else {
					misses++
				}
			}
			got := s.Stats()
			if got.Hits != hits || got.Misses != misses {
				t.Errorf("stats hits/misses = %d/%d, want %d/%d", got.Hits, got.Misses, hits, misses)
			}
			checkSums(t, got)
		})
	}
}

func TestChatBadInput(t *testing.T) {
	tests := []struct {
		name, method, path, body string
		want                     int
	}{
		// only POST is served
		{"get", http.MethodGet, "/api/chat", "", http.StatusMethodNotAllowed},
		// not JSON
		{"not json", http.MethodPost, "/api/chat", "hello", http.StatusBadRequest},
		// no body at all
		{"empty body", http.MethodPost, "/api/chat", "", http.StatusBadRequest},
		// JSON without the message
		{"missing message", http.MethodPost, "/api/chat", `{"conversation_id":"c"}`, http.StatusBadRequest},
		// a blank message is no message
		{"blank message", http.MethodPost, "/api/chat", `{"message":"  \n"}`, http.StatusBadRequest},
		// message of the wrong type
		{"wrong type", http.MethodPost, "/api/chat", `{"message":42}`, http.StatusBadRequest},
		// two JSON values
		{"trailing data", http.MethodPost, "/api/chat", `{"message":"a"} {}`, http.StatusBadRequest},
		// body over the limit
		{"too large", http.MethodPost, "/api/chat", `{"message":"` + strings.Repeat("a", maxChatBody) + `"}`, http.StatusRequestEntityTooLarge},
		// malformed fault query
		{"bad status query", http.MethodPost, "/api/chat?status=abc", `{"message":"a"}`, http.StatusBadRequest},
		// a fault percent over 100
		{"bad percent", http.MethodPost, "/api/chat?delay=1ms:120", `{"message":"a"}`, http.StatusBadRequest},
	}
	s, ts := newTestServer(t, Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := doRaw(t.Context(), ts, tt.method, tt.path, []byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if r.status != tt.want {
				t.Errorf("status = %d, want %d", r.status, tt.want)
			}
			if r.errMsg == "" {
				t.Error("no error message in the body")
			}
		})
	}
	st := s.Stats()
	if st.Invalid != uint64(len(tests)) || st.Received != uint64(len(tests)) {
		t.Errorf("invalid/received = %d/%d, want %d/%d", st.Invalid, st.Received, len(tests), len(tests))
	}
	if st.Hits+st.Misses != 0 {
		t.Errorf("bad input counted as hit or miss: %+v", st)
	}
	checkSums(t, st)
}

func TestChatResponseFields(t *testing.T) {
	_, ts := newTestServer(t, Options{UncachedLatency: 5 * time.Millisecond})
	r := postChat(t.Context(), t, ts, "", ChatRequest{Message: "hi"})
	if r.status != http.StatusOK {
		t.Fatalf("status %d", r.status)
	}
	if !strings.HasPrefix(r.resp.ConversationID, "conv-") {
		t.Errorf("made-up conversation_id = %q, want conv-…", r.resp.ConversationID)
	}
	if r.resp.LatencyMS < 5 {
		t.Errorf("latency_ms = %g, want ≥ 5 (uncached latency 5ms, no jitter)", r.resp.LatencyMS)
	}
	if !strings.Contains(r.resp.Reply, `"hi"`) {
		t.Errorf("reply %q does not quote the question", r.resp.Reply)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
}

func TestJittered(t *testing.T) {
	r := newLockedRand(42)
	tests := []struct {
		name   string
		d      time.Duration
		j      float64
		lo, hi time.Duration
	}{
		// ±20 % of 50ms
		{"twenty percent", 50 * time.Millisecond, 0.2, 40 * time.Millisecond, 60 * time.Millisecond},
		// no jitter is exact
		{"none", 50 * time.Millisecond, 0, 50 * time.Millisecond, 50 * time.Millisecond},
		// full jitter spans 0–2×
		{"full", 10 * time.Millisecond, 1, 0, 20 * time.Millisecond},
		// zero latency stays zero
		{"zero", 0, 0.5, 0, 0},
	}
	for _, tt := range tests {
		minSeen, maxSeen := tt.hi, tt.lo
		for range 1000 {
			got := r.jittered(tt.d, tt.j)
			if got < tt.lo || got > tt.hi {
				t.Fatalf("%s: jittered = %s, want in [%s, %s]", tt.name, got, tt.lo, tt.hi)
			}
			minSeen, maxSeen = min(minSeen, got), max(maxSeen, got)
		}
		// The draws must actually spread over most of the range.
		if spread := tt.hi - tt.lo; maxSeen-minSeen < spread*8/10 {
			t.Errorf("%s: draws span %s–%s, want most of %s–%s", tt.name, minSeen, maxSeen, tt.lo, tt.hi)
		}
	}
	a, b := newLockedRand(7), newLockedRand(7)
	for range 10 {
		if x, y := a.float64(), b.float64(); x != y {
			t.Fatalf("same seed gave %g and %g", x, y)
		}
	}
}

func TestSleepRespectsContext(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	start := time.Now()
	if err := sleep(ctx, time.Hour); err == nil {
		t.Error("sleep on a canceled context returned nil")
	}
	if el := time.Since(start); el > time.Second {
		t.Errorf("sleep took %s after cancel", el)
	}
	if err := sleep(t.Context(), time.Millisecond); err != nil {
		t.Errorf("short sleep: %v", err)
	}
}
