package loadgen

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sync"
	"testing"

	"github.com/loadcron/loadcron/internal/config"
	"github.com/loadcron/loadcron/internal/result"
)

// TestTraceparent checks the header every request carries, with both
// clients, static and templated requests: a valid W3C value with the
// configured flags, a fresh trace id per request, and the same id in the
// request's result; the off switch and a user's own header.
func TestTraceparent(t *testing.T) { bothClients(t, testTraceparent) }

func testTraceparent(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Get("Traceparent"))
		mu.Unlock()
		w.Write([]byte(`{"reply":"ok"}`))
	}))
	defer srv.Close()
	valid := regexp.MustCompile(`^00-([0-9a-f]{32})-([0-9a-f]{16})-(0[01])$`)
	off, on := false, true
	tests := []struct {
		name   string
		mutate func(*config.Target, *config.Scenario)
		want   string // "" none, "user", or the flags "01" / "00"
	}{
		// the default: sampled, on a static request (the HTTP/1.1 client's pre-rendered one)
		{"static", nil, "01"},
		// a templated path and header, not sampled
		{"templated", func(tg *config.Target, sc *config.Scenario) {
			tg.Traceparent.Sampled = &off
			sc.Request.Path = "/q/{{.Request}}"
			sc.Request.Headers = map[string]string{"X-N": "{{.Iteration}}"}
		}, "00"},
		// a POST with a body
		{"body", func(tg *config.Target, sc *config.Scenario) {
			tg.Traceparent.Enabled = &on
			sc.Request.Method, sc.Request.Body = "POST", `{"message": "hi"}`
		}, "01"},
		// the off switch
		{"off", func(tg *config.Target, sc *config.Scenario) { tg.Traceparent.Enabled = &off }, ""},
		// the user's own header wins
		{"user", func(tg *config.Target, sc *config.Scenario) {
			sc.Request.Headers = map[string]string{"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}
		}, "user"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mu.Lock()
			seen = nil
			mu.Unlock()
			var results []result.Result
			spec := testSpec(srv.URL, func(tg *config.Target, sc *config.Scenario) {
				sc.Users, sc.RequestsPerUser = 2, 5
				if tt.mutate != nil {
					tt.mutate(tg, sc)
				}
			})
			_, err := Run(context.Background(), spec, Hooks{Recorder: func(int) result.Recorder {
				return result.RecorderFunc(func(r *result.Result) {
					mu.Lock()
					results = append(results, *r)
					mu.Unlock()
				})
			}})
			if err != nil {
				t.Fatal(err)
			}
			if len(seen) != 10 || len(results) != 10 {
				t.Fatalf("%d requests seen, %d results", len(seen), len(results))
			}
			ids := map[string]bool{}
			for _, r := range results {
				ids[r.TraceID.String()] = true
			}
			sent := map[string]bool{}
			for _, h := range seen {
				switch tt.want {
				case "":
					if h != "" {
						t.Errorf("header %q with the header switched off", h)
					}
					continue
				case "user":
					if h != "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" {
						t.Errorf("the user's header was replaced by %q", h)
					}
					continue
				}
				m := valid.FindStringSubmatch(h)
				if m == nil || m[3] != tt.want || m[1] == "00000000000000000000000000000000" {
					t.Errorf("traceparent %q, want flags %s", h, tt.want)
					continue
				}
				sent[m[1]] = true
			}
			if tt.want == "" || tt.want == "user" {
				if len(ids) != 1 || !ids[""] {
					t.Errorf("results carry trace ids %v without our header", ids)
				}
				return
			}
			if len(sent) != 10 {
				t.Errorf("%d distinct trace ids in 10 requests", len(sent))
			}
			for id := range sent {
				if !ids[id] {
					t.Errorf("trace id %s was sent but no result carries it (results: %v)", id, ids)
				}
			}
		})
	}
}

// BenchmarkTraceparent is the cost of the ids and header value per
// request, for each client's way of writing it.
func BenchmarkTraceparent(b *testing.B) {
	tr := newTracer(&traceSpec{flags: "01"})
	b.Run("http1 in place", func(b *testing.B) {
		b.ReportAllocs()
		buf := []byte(tr.spec.placeholder())
		for b.Loop() {
			tr.next()
			tr.fill(buf)
		}
	})
	b.Run("net/http string", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			tr.next()
			_ = tr.value()
		}
	})
}

// BenchmarkEngineTraceparent is BenchmarkClosedModel with the traceparent
// header on (the default) and off, for each client, side by side: the
// header's cost per request in the engine (ns/op and allocs/op).
func BenchmarkEngineTraceparent(b *testing.B) {
	srv := replyServer(b)
	for _, client := range []string{config.ClientNetHTTP, config.ClientHTTP1} {
		for _, on := range []bool{false, true} {
			b.Run(fmt.Sprintf("client=%s/traceparent=%v", client, on), func(b *testing.B) {
				benchEngine(b, srv.URL, func(tg *config.Target) {
					tg.Client = client
					tg.Traceparent.Enabled = &on
				}, func(int) result.Recorder {
					return result.RecorderFunc(func(*result.Result) {})
				})
			})
		}
	}
}

// TestH1TraceparentAddsNoAllocation: building a request for the HTTP/1.1
// client allocates exactly as much with the traceparent header as
// without, for a static and a templated request (the ids are written in
// place). The engine benchmark's extra allocations with the header come
// from the in-process test server parsing one more header.
func TestH1TraceparentAddsNoAllocation(t *testing.T) {
	for _, path := range []string{"/static", "/q/{{.Request}}"} {
		allocs := map[bool]float64{}
		for _, on := range []bool{false, true} {
			spec := testSpec("http://127.0.0.1:9", func(tg *config.Target, sc *config.Scenario) {
				tg.Client = config.ClientHTTP1
				tg.Traceparent.Enabled = &on
				sc.Request.Path = path
			})
			plan, err := newRequestPlan(spec)
			if err != nil {
				t.Fatal(err)
			}
			u := plan.forUser(0)
			buf := make([]byte, 0, 1024)
			build := func() {
				b, err := u.appendH1(buf)
				if err != nil {
					t.Fatal(err)
				}
				if on && !bytes.Contains(b, []byte("\r\nTraceparent: 00-")) {
					t.Fatalf("no traceparent in %q", b)
				}
			}
			build()
			allocs[on] = testing.AllocsPerRun(200, build)
		}
		if allocs[true] != allocs[false] {
			t.Errorf("%s: %v allocations per request with traceparent, %v without", path, allocs[true], allocs[false])
		}
	}
}

// TestNetHTTPTraceparentOneAllocation: with net/http the header value is
// a new string per request — one allocation, the only one it adds (its
// slot in the cloned header map is the plan's).
func TestNetHTTPTraceparentOneAllocation(t *testing.T) {
	allocs := map[bool]float64{}
	for _, on := range []bool{false, true} {
		spec := testSpec("http://127.0.0.1:9", func(tg *config.Target, sc *config.Scenario) {
			tg.Client = config.ClientNetHTTP
			tg.Traceparent.Enabled = &on
		})
		plan, err := newRequestPlan(spec)
		if err != nil {
			t.Fatal(err)
		}
		u := plan.forUser(0)
		ctx := context.Background()
		build := func() {
			req, err := u.next(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if on && len(req.Header.Get("Traceparent")) != traceparentLen {
				t.Fatalf("traceparent %q", req.Header.Get("Traceparent"))
			}
		}
		build()
		allocs[on] = testing.AllocsPerRun(200, build)
	}
	if allocs[true] != allocs[false]+1 {
		t.Errorf("%v allocations per request with traceparent, %v without; want one more", allocs[true], allocs[false])
	}
}
