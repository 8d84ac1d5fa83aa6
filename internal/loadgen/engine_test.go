package loadgen

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/loadcron/loadcron/internal/config"
	"github.com/loadcron/loadcron/internal/result"
	"github.com/loadcron/loadcron/internal/stats"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// sink collects every result; safe for many workers.
type sink struct {
	mu      sync.Mutex
	results []result.Result
	dropped atomic.Int64
}

func (s *sink) hooks() Hooks {
	return Hooks{
		Recorder: func(int) result.Recorder {
			return result.RecorderFunc(func(r *result.Result) {
				s.mu.Lock()
				s.results = append(s.results, *r)
				s.mu.Unlock()
			})
		},
		Dropped: func(n int64) { s.dropped.Add(n) },
	}
}

func (s *sink) kinds() map[result.Kind]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := map[result.Kind]int{}
	for _, r := range s.results {
		m[r.Kind]++
	}
	return m
}

func (s *sink) latencies() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	var l []time.Duration
	for _, r := range s.results {
		l = append(l, r.Latency)
	}
	slices.Sort(l)
	return l
}

// maxGauge is a gauge that remembers its peak.
type maxGauge struct{ cur, max atomic.Int64 }

func (g *maxGauge) Add(v float64) {
	n := g.cur.Add(int64(v))
	for {
		m := g.max.Load()
		if n <= m || g.max.CompareAndSwap(m, n) {
			return
		}
	}
}

// testClient is the HTTP client the engine tests run with; bothClients
// sets it. The engine tests run once per client: whatever the target's
// client, every behaviour they check must hold.
var testClient = config.ClientNetHTTP

// bothClients runs test once with each HTTP client a target can choose.
// Not for parallel tests: it sets testClient.
func bothClients(t *testing.T, test func(t *testing.T)) {
	for _, c := range []string{config.ClientNetHTTP, config.ClientHTTP1} {
		t.Run(c, func(t *testing.T) {
			prev := testClient
			testClient = c
			defer func() { testClient = prev }()
			test(t)
		})
	}
}

// testSpec is a 1-user closed scenario against url with fast timeouts,
// using testClient.
// closedAddr is a loopback host:port where nothing listens (a listener
// opened and closed again): a connection to it is refused.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func testSpec(url string, mutate func(*config.Target, *config.Scenario)) *Spec {
	tgt := &config.Target{
		Name:         "t",
		URL:          url,
		Client:       testClient,
		Timeout:      2 * time.Second,
		MaxBodyBytes: 1 << 20,
		CacheSignal:  config.CacheSignal{JSONField: "cached"},
	}
	sc := &config.Scenario{
		Name:            "s",
		Target:          "t",
		Users:           1,
		RequestsPerUser: 1,
		Request:         config.Request{Method: "GET", Path: "/"},
	}
	if mutate != nil {
		mutate(tgt, sc)
	}
	return &Spec{Suite: "suite", RunID: "run-1", UserAgent: "loadcron/test", Target: tgt, Scenario: sc}
}

func TestErrorKinds(t *testing.T) { bothClients(t, testErrorKinds) }

func testErrorKinds(t *testing.T) {
	hang := make(chan struct{})
	defer close(hang)
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `{"reply":"hi","cached":true}`) })
	mux.HandleFunc("/404", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", 404) })
	mux.HandleFunc("/500", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", 500) })
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) { w.Write(make([]byte, 4096)) })
	mux.HandleFunc("/garbage", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("\x00\xff{{{\"cached\":tru")) })
	// /reset closes the connection without answering.
	mux.HandleFunc("/reset", func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close()
		}
	})
	// /cut promises 1000 bytes, sends 10 and closes.
	mux.HandleFunc("/cut", func(w http.ResponseWriter, r *http.Request) {
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		buf.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123456789")
		buf.Flush()
		conn.Close()
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-hang:
		}
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	tlsSrv := httptest.NewTLSServer(mux)
	defer tlsSrv.Close()

	refused := "http://" + closedAddr(t)

	tests := []struct {
		name   string
		url    string
		path   string
		mutate func(*config.Target, *config.Scenario)
		cancel time.Duration // cancel the run after this long
		allow  []string      // safety.allowed_hosts (nil: loopback only)
		want   result.Kind
	}{
		// a plain success, with its cache signal
		{name: "success", url: srv.URL, path: "/ok", want: result.KindNone},
		// the per-request timeout expires while the server hangs
		{name: "timeout", url: srv.URL, path: "/slow", mutate: func(tg *config.Target, _ *config.Scenario) { tg.Timeout = 100 * time.Millisecond }, want: result.KindTimeout},
		// nothing listens on the port
		{name: "connection refused", url: refused, path: "/", want: result.KindConnection},
		// a reserved name that never resolves (RFC 2606)
		{name: "dns", url: "http://loadcron-test.invalid", path: "/", allow: []string{"127.0.0.1", "loadcron-test.invalid"}, want: result.KindDNS},
		// a host that is not allowed is refused by the dialer, before DNS
		{name: "disallowed host", url: "http://loadcron-test.invalid", path: "/", want: result.KindDisallowed},
		// a rendered path that would name another host is never sent
		{name: "disallowed path", url: srv.URL, path: "{{if .Query}}/ok{{else}}@127.0.0.2:1/x{{end}}", want: result.KindDisallowed},
		// a certificate the client does not trust
		{name: "tls", url: tlsSrv.URL, path: "/ok", want: result.KindTLS},
		// status classes
		{name: "4xx", url: srv.URL, path: "/404", want: result.KindHTTP4xx},
		{name: "5xx", url: srv.URL, path: "/500", want: result.KindHTTP5xx},
		// the response lacks the field the check requires
		{name: "check", url: srv.URL, path: "/ok", mutate: func(_ *config.Target, sc *config.Scenario) { sc.Checks.JSONField = "answer" }, want: result.KindCheck},
		// a body over the limit
		{name: "body", url: srv.URL, path: "/big", mutate: func(tg *config.Target, _ *config.Scenario) { tg.MaxBodyBytes = 1024 }, want: result.KindBody},
		// the server drops the connection without a response
		{name: "reset", url: srv.URL, path: "/reset", want: result.KindConnection},
		// the body breaks off before its Content-Length
		{name: "truncated body", url: srv.URL, path: "/cut", want: result.KindBody},
		// a garbage body fails a JSON check and says nothing about the cache
		{name: "garbage", url: srv.URL, path: "/garbage", mutate: func(_ *config.Target, sc *config.Scenario) { sc.Checks.JSONField = "reply" }, want: result.KindCheck},
		// the run is canceled while the request hangs
		{name: "canceled", url: srv.URL, path: "/slow", cancel: 100 * time.Millisecond, want: result.KindCanceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := testSpec(tt.url, tt.mutate)
			spec.Scenario.Request.Path = tt.path
			spec.AllowedHosts = tt.allow
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tt.cancel > 0 {
				time.AfterFunc(tt.cancel, cancel)
			}
			var s sink
			out, err := Run(ctx, spec, s.hooks())
			if err != nil {
				t.Fatal(err)
			}
			if len(s.results) != 1 {
				t.Fatalf("got %d results, want 1", len(s.results))
			}
			r := s.results[0]
			if r.Kind != tt.want {
				t.Errorf("kind = %v, want %v (code %d)", r.Kind, tt.want, r.Code)
			}
			if r.Latency <= 0 && tt.name != "disallowed path" { // a refused request is never sent
				t.Errorf("latency = %v, want > 0", r.Latency)
			}
			if tt.want == result.KindNone && (r.Cache != result.CacheHit || r.TTFB <= 0 || r.TTFB > r.Latency) {
				t.Errorf("success: cache %v ttfb %v latency %v", r.Cache, r.TTFB, r.Latency)
			}
			if tt.cancel > 0 && !out.Canceled {
				t.Errorf("outcome not marked canceled")
			}
		})
	}
}

func TestClosedModelCountsAndHeaders(t *testing.T) { bothClients(t, testClosedModelCountsAndHeaders) }

func testClosedModelCountsAndHeaders(t *testing.T) {
	var (
		mu     sync.Mutex
		bodies []string
		served atomic.Int64
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		if r.Header.Get("User-Agent") != "loadcron/test" || r.Header.Get("X-Loadcron-Run") != "run-1" || r.Header.Get("Authorization") != "Bearer s3cret" {
			http.Error(w, "missing headers", 400)
			return
		}
		var b [256]byte
		n, _ := r.Body.Read(b[:])
		mu.Lock()
		bodies = append(bodies, string(b[:n]))
		mu.Unlock()
		fmt.Fprint(w, `{"cached":false}`)
	}))
	defer srv.Close()

	spec := testSpec(srv.URL, func(tg *config.Target, sc *config.Scenario) {
		tg.Headers = map[string]string{"Authorization": "Bearer s3cret"}
		sc.Users, sc.RequestsPerUser = 5, 4
		sc.Request = config.Request{Method: "POST", Path: "/api/chat",
			Body: `{"message": {{ json .Query }}, "user": {{ .User }}}`, Queries: []string{"a", "b"}}
	})
	var s sink
	out, err := Run(context.Background(), spec, s.hooks())
	if err != nil {
		t.Fatal(err)
	}
	if got := s.kinds()[result.KindNone]; got != 20 {
		t.Fatalf("successes = %d, want 20 (kinds %v)", got, s.kinds())
	}
	if served.Load() != 20 || out.Planned != 20 {
		t.Errorf("served %d planned %d, want 20", served.Load(), out.Planned)
	}
	// sequential queries alternate across the whole scenario: 10 of each
	var a, b int
	for _, body := range bodies {
		switch {
		case len(body) > 0 && body[13] == 'a':
			a++
		case len(body) > 0 && body[13] == 'b':
			b++
		}
	}
	if a != 10 || b != 10 {
		t.Errorf("queries a=%d b=%d, want 10/10; bodies %q", a, b, bodies[:2])
	}
}

func TestAbortRule(t *testing.T) { bothClients(t, testAbortRule) }

func testAbortRule(t *testing.T) {
	var served atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		http.Error(w, "down", 503)
	}))
	defer srv.Close()
	ratio := 0.5
	spec := testSpec(srv.URL, func(_ *config.Target, sc *config.Scenario) {
		sc.Users, sc.RequestsPerUser = 2, 500
		sc.Abort = config.Abort{MaxErrorRatio: &ratio, MinRequests: 20}
	})
	var s sink
	out, err := Run(context.Background(), spec, s.hooks())
	if err != nil {
		t.Fatal(err)
	}
	if !out.Aborted || out.AbortReason == "" {
		t.Fatalf("not aborted: %+v", out)
	}
	// each user notices the stop before its next request
	if n := served.Load(); n < 20 || n > 22 {
		t.Errorf("served %d requests, want 20..22 before the abort", n)
	}
}

func TestOpenModelStall(t *testing.T) { bothClients(t, testOpenModelStall) }

func testOpenModelStall(t *testing.T) {
	// The target answers at once, except that it stalls every request that
	// arrives during a window in the middle of the run.
	stallFrom, stallFor := 200*time.Millisecond, 300*time.Millisecond
	start := time.Now()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if since := time.Since(start); since >= stallFrom && since < stallFrom+stallFor {
			select {
			case <-time.After(stallFrom + stallFor - since):
			case <-r.Context().Done():
			}
		}
		fmt.Fprint(w, `{}`)
	}))
	defer srv.Close()
	spec := testSpec(srv.URL, func(_ *config.Target, sc *config.Scenario) {
		sc.Users, sc.RequestsPerUser = 0, 0
		sc.Rate, sc.Duration, sc.MaxInFlight = 200, time.Second, 10
	})
	var s sink
	var users maxGauge
	hooks := s.hooks()
	hooks.Users = &users
	// The report's figures come from a stats.Collector: feed one too.
	col := stats.NewCollector(10)
	sinkRec, sinkDropped := hooks.Recorder, hooks.Dropped
	hooks.Recorder = func(w int) result.Recorder { return result.Tee{sinkRec(w), col.Recorder(w)} }
	hooks.Dropped = func(n int64) { sinkDropped(n); col.AddDropped(n) }
	start = time.Now()
	out, err := Run(context.Background(), spec, hooks)
	if err != nil {
		t.Fatal(err)
	}
	lat := s.latencies()
	if users.max.Load() < 1 || users.max.Load() > 10 || users.cur.Load() != 0 {
		t.Errorf("workers gauge peaked at %d and ended at %d, want 1..10 then 0", users.max.Load(), users.cur.Load())
	}
	if out.Planned != 200 {
		t.Fatalf("planned %d, want 200", out.Planned)
	}
	// Every planned request is either sent and recorded or dropped.
	if int64(len(lat))+out.Dropped != 200 || s.dropped.Load() != out.Dropped {
		t.Errorf("recorded %d + dropped %d (hook %d) != 200", len(lat), out.Dropped, s.dropped.Load())
	}
	// 10 in flight cannot carry 200/s through a 300 ms stall: some drop.
	if out.Dropped == 0 {
		t.Errorf("no dropped requests during the stall")
	}
	// Latency counts from the intended send time, so the stall shows in
	// the tail: the slowest requests waited most of the stall.
	if p99 := lat[len(lat)*99/100]; p99 < 150*time.Millisecond {
		t.Errorf("p99 = %v, want the stall (>= 150ms) to show", p99)
	}
	// …and so does the summary the report and metrics are built from.
	sum := col.Summary(out.Elapsed, 0)
	if sum.P99 < 150*time.Millisecond || sum.Dropped != out.Dropped || sum.Total != int64(len(lat)) {
		t.Errorf("summary p99 %v dropped %d total %d; want ≥150ms, %d, %d", sum.P99, sum.Dropped, sum.Total, out.Dropped, len(lat))
	}
	// Pacer lateness: every sent request says how late it left, and the
	// summary's figures are ordered and bounded by the largest.
	s.mu.Lock()
	for i, r := range s.results {
		if r.Lateness <= 0 || r.Lateness > r.Latency {
			t.Errorf("result %d: lateness %v (latency %v), want 0 < lateness ≤ latency", i, r.Lateness, r.Latency)
			break
		}
	}
	s.mu.Unlock()
	if !(0 < sum.LatenessP50 && sum.LatenessP50 <= sum.LatenessP99 && sum.LatenessP99 <= sum.MaxLateness) {
		t.Errorf("lateness p50 %v p99 %v max %v, want 0 < p50 ≤ p99 ≤ max", sum.LatenessP50, sum.LatenessP99, sum.MaxLateness)
	}
}

func TestHangingTargetNoLeak(t *testing.T) { bothClients(t, testHangingTargetNoLeak) }

func testHangingTargetNoLeak(t *testing.T) {
	hang := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(hang)
	spec := testSpec(srv.URL, func(tg *config.Target, sc *config.Scenario) {
		tg.Timeout = time.Minute
		sc.Users, sc.RequestsPerUser = 20, 3
	})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	var s sink
	out, err := Run(ctx, spec, s.hooks())
	if err != nil {
		t.Fatal(err)
	}
	if !out.Canceled || s.kinds()[result.KindCanceled] != 20 {
		t.Errorf("canceled=%v kinds=%v, want 20 canceled", out.Canceled, s.kinds())
	}
	// goleak in TestMain checks nothing is left behind.
}
