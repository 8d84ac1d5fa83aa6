package stats

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loadcron/loadcron/internal/result"
)

func TestHitMissSplitMatchesOrderStatistics(t *testing.T) {
	// Latencies in whole microseconds below 2048 µs are held exactly by a
	// 3-digit HDR histogram, so the split's P50 and P95 must equal the
	// order statistics of each class's injected latencies exactly — and
	// failures and successes without a signal must not leak into either.
	rng := rand.New(rand.NewPCG(8, 5))
	c := NewCollector(7)
	var hits, misses []time.Duration
	var hitSum, missSum time.Duration
	for i := range 3001 {
		r := result.Result{Latency: time.Duration(1+rng.IntN(2000)) * time.Microsecond, Code: 200}
		switch i % 5 {
		case 0, 1, 2:
			r.Cache = result.CacheHit
			hits = append(hits, r.Latency)
			hitSum += r.Latency
		case 3:
			r.Cache = result.CacheMiss
			r.Latency = time.Duration(1000+rng.IntN(1047)) * time.Microsecond // slower than most hits
			misses = append(misses, r.Latency)
			missSum += r.Latency
		default:
			if i%2 == 0 {
				r.Kind, r.Code, r.Cache = result.KindHTTP5xx, 500, result.CacheHit // a failure's signal does not count
			}
			r.Latency = 5 * time.Second // far from both classes: a leak would show
		}
		c.Recorder(i).Record(&r)
	}
	s := c.Summary(time.Second, 0)
	for _, tc := range []struct {
		name   string
		got    LatencySplit
		sample []time.Duration
		sum    time.Duration
	}{{"hit", s.Hit, hits, hitSum}, {"miss", s.Miss, misses, missSum}} {
		slices.Sort(tc.sample)
		n := int64(len(tc.sample))
		want := LatencySplit{
			Count: n,
			Avg:   (tc.sum + time.Duration(n/2)) / time.Duration(n),
			P50:   orderStat(tc.sample, 50),
			P95:   orderStat(tc.sample, 95),
			Min:   tc.sample[0],
			Max:   tc.sample[n-1],
		}
		if tc.got != want {
			t.Errorf("%s split = %+v\nwant exactly %+v", tc.name, tc.got, want)
		}
	}
	if s.CacheHits != int64(len(hits)) || s.CacheMisses != int64(len(misses)) {
		t.Errorf("hits/misses = %d/%d, want %d/%d", s.CacheHits, s.CacheMisses, len(hits), len(misses))
	}
	if want := float64(s.Miss.Avg) / float64(s.Hit.Avg); s.CacheSpeedup != want {
		t.Errorf("speed-up = %v, want %v", s.CacheSpeedup, want)
	}
	if s.Max != 5*time.Second {
		t.Errorf("overall max = %v, want the failures' 5s", s.Max)
	}
}

func TestHitMissSplitGuideShape(t *testing.T) {
	// The guide's story: hits around 3 s, misses around 14.6 s, a ~5x
	// speed-up; with no misses the speed-up is 0 (unknown), not +Inf.
	c := NewCollector(2)
	for i := range 10 {
		r := result.Result{Latency: 3 * time.Second, Cache: result.CacheHit}
		if i < 2 {
			r = result.Result{Latency: 15 * time.Second, Cache: result.CacheMiss}
		}
		c.Recorder(i).Record(&r)
	}
	if s := c.Summary(time.Minute, 0); s.CacheSpeedup != 5 || s.Hit.P95 != 3*time.Second || s.Miss.P50 != 15*time.Second {
		t.Errorf("speed-up %v, hit P95 %v, miss P50 %v; want 5, 3s, 15s", s.CacheSpeedup, s.Hit.P95, s.Miss.P50)
	}
	only := NewCollector(1)
	only.Recorder(0).Record(&result.Result{Latency: time.Second, Cache: result.CacheHit})
	if s := only.Summary(time.Second, 0); s.CacheSpeedup != 0 || s.Miss != (LatencySplit{}) {
		t.Errorf("hits only: speed-up %v, miss %+v; want 0 and empty", s.CacheSpeedup, s.Miss)
	}
}

// opErr is an error whose text is fixed, like net.OpError's.
type opErr string

func (e opErr) Error() string { return string(e) }

func TestCauses(t *testing.T) {
	var mu sync.Mutex
	var logged []Cause
	c := NewCollector(3, WithSecrets("Bearer s3cr3t-token", "hunter2"), OnNewCause(func(cs Cause) {
		mu.Lock()
		logged = append(logged, cs)
		mu.Unlock()
	}))
	body404 := []byte(`{"detail":"Not Found"}`)
	rec := func(worker int, r result.Result, times int) {
		for range times {
			c.Recorder(worker).Record(&r)
		}
	}
	// 404s and 500s from two workers (two shards): one cause each.
	rec(0, result.Result{Kind: result.KindHTTP4xx, Code: 404, Method: "GET", Path: "/chat", Body: body404}, 4)
	rec(1, result.Result{Kind: result.KindHTTP4xx, Code: 404, Method: "GET", Path: "/chat", Body: body404}, 2)
	rec(2, result.Result{Kind: result.KindHTTP5xx, Code: 500, Method: "POST", Path: "/chat",
		Body: []byte("boom\nline two \xff echo: Bearer s3cr3t-token")}, 3)
	// Connection resets from different ephemeral ports: one cause.
	for port := 50000; port < 50005; port++ {
		rec(port, result.Result{Kind: result.KindConnection, Method: "GET", Path: "/chat",
			Err: opErr(fmt.Sprintf("read tcp 127.0.0.1:%d->127.0.0.1:8003: read: connection reset by peer", port))}, 1)
	}
	// Nothing listens: refused.
	rec(0, result.Result{Kind: result.KindConnection, Method: "GET", Path: "/chat",
		Err: opErr("dial tcp 127.0.0.1:1: connect: connection refused")}, 2)
	// Checks.
	rec(1, result.Result{Kind: result.KindCheck, Code: 200, Method: "GET", Path: "/chat", Check: result.CheckJSONField, Expect: "reply", Body: []byte(`{"x":1}`)}, 1)
	rec(1, result.Result{Kind: result.KindCheck, Code: 302, Method: "GET", Path: "/chat", Check: result.CheckStatus, Expect: "[200]"}, 1)
	rec(1, result.Result{Kind: result.KindCheck, Code: 200, Method: "GET", Path: "/chat", Check: result.CheckBodyContains, Expect: "ok"}, 1)
	// Body over the limit, and a timeout whose text holds a URL with a query.
	rec(2, result.Result{Kind: result.KindBody, Code: 200, Method: "GET", Path: "/big", BodyLimit: 1024, Bytes: 1025}, 1)
	rec(2, result.Result{Kind: result.KindTimeout, Method: "GET", Path: "/chat",
		Err: errors.New(`Get "http://127.0.0.1:8003/chat?q=secret&user=7": context deadline exceeded`)}, 1)

	s := c.Summary(time.Second, 0)
	want := []Cause{
		{"http_4xx", "404 GET /chat", 6, `404 GET /chat: {"detail":"Not Found"}`},
		{"connection", "read tcp 127.0.0.1:8003: read: connection reset by peer", 5,
			"read tcp 127.0.0.1:8003: read: connection reset by peer — GET /chat"},
		{"http_5xx", "500 POST /chat", 3, "500 POST /chat: boom line two \uFFFD echo: <redacted>"},
		{"connection", "dial tcp 127.0.0.1:1: connect: connection refused", 2,
			"dial tcp 127.0.0.1:1: connect: connection refused — GET /chat"},
		{"timeout", `Get "http://127.0.0.1:8003/chat": context deadline exceeded`, 1,
			`Get "http://127.0.0.1:8003/chat": context deadline exceeded — GET /chat`},
		{"check", `body_contains "ok" not found`, 1, `body_contains "ok" not found — GET /chat → 200`},
		{"check", "json_field reply missing", 1, `json_field reply missing — GET /chat → 200: {"x":1}`},
		{"check", "status 302 not in [200]", 1, "status 302 not in [200] — GET /chat → 302"},
		{"body", "body over max_body_bytes 1024", 1, "body over max_body_bytes 1024 — GET /big → 200, 1025 bytes read"},
	}
	if !reflect.DeepEqual(s.Causes, want) {
		t.Errorf("causes:\n%s\nwant:\n%s", fmtCauses(s.Causes), fmtCauses(want))
	}
	if s.CausesOmitted != 0 {
		t.Errorf("omitted = %d, want 0", s.CausesOmitted)
	}
	wantCodes := []CodeCount{{0, 8}, {200, 3}, {302, 1}, {404, 6}, {500, 3}}
	if !reflect.DeepEqual(s.StatusCodes, wantCodes) {
		t.Errorf("status codes = %v, want %v", s.StatusCodes, wantCodes)
	}
	// Each cause was reported once, with its example.
	mu.Lock()
	defer mu.Unlock()
	if len(logged) != len(want) {
		t.Errorf("OnNewCause called %d times, want %d: %+v", len(logged), len(want), logged)
	}
	for _, l := range logged {
		if l.Count != 1 || l.Example == "" || strings.Contains(l.Example, "s3cr3t") {
			t.Errorf("reported cause %+v", l)
		}
	}
}

func fmtCauses(cs []Cause) string {
	var b strings.Builder
	for _, c := range cs {
		fmt.Fprintf(&b, "  %s %q ×%d e.g. %q\n", c.Kind, c.Cause, c.Count, c.Example)
	}
	return b.String()
}

func TestCausesBounded(t *testing.T) {
	// A target that fails differently on every request: at most MaxCauses
	// listed, the rest counted as omitted, counts adding up to Failed,
	// texts and examples bounded, and the hook called at most MaxCauses
	// times.
	calls := 0
	var mu sync.Mutex
	c := NewCollector(2, OnNewCause(func(Cause) { mu.Lock(); calls++; mu.Unlock() }))
	long := []byte(strings.Repeat("é", 1000))
	for i := range 500 {
		r := result.Result{Kind: result.KindHTTP5xx, Code: 500, Method: "GET",
			Path: fmt.Sprintf("/item/%d/%s", i%100, strings.Repeat("x", 300)), Body: long}
		if i%100 == 0 {
			r.Path = "/hot"
		}
		c.Recorder(i).Record(&r)
	}
	s := c.Summary(time.Second, 0)
	if len(s.Causes) != MaxCauses {
		t.Fatalf("%d causes, want %d", len(s.Causes), MaxCauses)
	}
	if s.Causes[0].Cause != "500 GET /hot" || s.Causes[0].Count != 5 {
		t.Errorf("top cause = %+v, want 500 GET /hot ×5", s.Causes[0])
	}
	var sum int64
	for _, cs := range s.Causes {
		sum += cs.Count
		if len(cs.Cause) > MaxCauseBytes || len(cs.Example) > MaxExampleBytes {
			t.Errorf("cause not bounded: %d/%d bytes", len(cs.Cause), len(cs.Example))
		}
		if cs.Cause != "500 GET /hot" && !strings.HasSuffix(cs.Cause, "…") {
			t.Errorf("long cause not marked as cut: %q", cs.Cause)
		}
	}
	if sum+s.CausesOmitted != s.Failed {
		t.Errorf("causes %d + omitted %d != failed %d", sum, s.CausesOmitted, s.Failed)
	}
	if calls > MaxCauses {
		t.Errorf("hook called %d times, want at most %d", calls, MaxCauses)
	}
}

func TestNormalizeError(t *testing.T) {
	tests := []struct{ in, want string }{
		// the local side of a connection goes, the target stays
		{"read tcp 127.0.0.1:54321->127.0.0.1:8003: read: connection reset by peer",
			"read tcp 127.0.0.1:8003: read: connection reset by peer"},
		// IPv6
		{"write tcp [::1]:40000->[::1]:8003: write: broken pipe", "write tcp [::1]:8003: write: broken pipe"},
		// nothing to change
		{"dial tcp 127.0.0.1:1: connect: connection refused", "dial tcp 127.0.0.1:1: connect: connection refused"},
		// queries of URLs go, quoted or not
		{`Get "https://h/p?token=x": EOF`, `Get "https://h/p": EOF`},
		{"see http://h/a?b=c and https://h/d", "see http://h/a and https://h/d"},
	}
	for _, tc := range tests {
		if got := normalizeError(tc.in); got != tc.want {
			t.Errorf("normalizeError(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestRecordFailureCostIsBounded(t *testing.T) {
	// A repeated failure pays for its cause text only (a few small
	// allocations), never for a new example or a hook call.
	c := NewCollector(1)
	rec := c.Recorder(0)
	r := result.Result{Kind: result.KindHTTP5xx, Code: 500, Method: "GET", Path: "/chat", Body: []byte("oops")}
	rec.Record(&r)
	allocs := testing.AllocsPerRun(1000, func() { rec.Record(&r) })
	if allocs > 3 {
		t.Errorf("a repeated failure allocates %v times, want at most 3", allocs)
	}
}
