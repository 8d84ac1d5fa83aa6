package runner

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/loadcron/loadcron/internal/config"
	"github.com/loadcron/loadcron/internal/metrics"
	"github.com/loadcron/loadcron/internal/stats"
)

// countingServer serves 200 {} on addr and counts every request (and
// every accepted connection, so a raw request that is not HTTP shows).
func countingServer(t *testing.T, addr string) (url string, requests, conns *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("cannot listen on %s: %v", addr, err)
	}
	requests, conns = new(atomic.Int64), new(atomic.Int64)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		fmt.Fprint(w, `{"cached": false}`)
	}))
	srv.Listener.Close()
	srv.Listener = ln
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv.URL, requests, conns
}

// TestLoadGoesOnlyWhereAllowed: templates that render another host — as
// "@host:port", an absolute URL or "//host" — pass validation (user 0
// renders a good path) but never reach that host at run time: a second
// loopback listener on 127.0.0.2 receives nothing, and the run reports
// the refused requests under the error kind "disallowed" and makes the
// scenario "error" with the reason, with both HTTP clients.
func TestLoadGoesOnlyWhereAllowed(t *testing.T) {
	good, goodReqs, _ := countingServer(t, "127.0.0.1:0")
	other, otherReqs, otherConns := countingServer(t, "127.0.0.2:0")
	otherHost := strings.TrimPrefix(other, "http://")
	for _, client := range []string{"net/http", "http1"} {
		t.Run(client, func(t *testing.T) {
			yaml := fmt.Sprintf(`
targets:
  t: {url: %q, client: %s, health_check: {enabled: false}}
suites:
  s:
    scenarios:
      - {name: at, target: t, users: 2, requests_per_user: 3, critical: false,
         request: {path: '{{if eq .User 0}}/ok{{else}}@%[3]s/steal{{end}}'}}
      - {name: absolute, target: t, users: 2, requests_per_user: 3, critical: false,
         request: {path: '{{if eq .User 0}}/ok{{else}}http://%[3]s/steal{{end}}'}}
      - {name: slashes, target: t, users: 2, requests_per_user: 3, critical: false,
         request: {path: '{{if eq .User 0}}/ok{{else}}//%[3]s/steal{{end}}'}}
`, good, client, otherHost)
			cfg, err := config.Parse([]byte(yaml), "inline.yaml", config.LoadOptions{})
			if err != nil {
				t.Fatalf("validation should pass (user 0 renders /ok): %v", err)
			}
			before := goodReqs.Load()
			rep := (&Runner{Config: cfg}).Run(context.Background(), cfg.Suites["s"], "run-safety", "manual")
			for _, sr := range rep.TestResults {
				if sr.Errors["disallowed"] != 3 || sr.Successful != 3 || sr.TotalRequests != 6 {
					t.Errorf("%s: total %d ok %d errors %v, want 3 ok and 3 disallowed", sr.Scenario, sr.TotalRequests, sr.Successful, sr.Errors)
				}
				if sr.Status != stats.StatusError || !strings.HasPrefix(sr.Error, "3 requests refused before sending (error kind disallowed), the first: refused by loadcron: rendered request.path must start with") {
					t.Errorf("%s: status %s error %q, want error saying why", sr.Scenario, sr.Status, sr.Error)
				}
				// The cause is data too: in the report, console, API and page.
				if len(sr.ErrorCauses) != 1 || sr.ErrorCauses[0].Kind != "disallowed" || sr.ErrorCauses[0].Count != 3 ||
					!strings.Contains(sr.ErrorCauses[0].Cause, "refused by loadcron: rendered request.path") {
					t.Errorf("%s: error causes %+v, want 3 disallowed with the reason", sr.Scenario, sr.ErrorCauses)
				}
			}
			if got := goodReqs.Load() - before; got != 9 {
				t.Errorf("the target got %d requests, want 9", got)
			}
		})
	}
	if otherReqs.Load() != 0 || otherConns.Load() != 0 {
		t.Fatalf("127.0.0.2 got %d requests on %d connections, want none", otherReqs.Load(), otherConns.Load())
	}
}

// TestDialerRefusesUnlistedHosts: a target host that is not on
// safety.allowed_hosts (a config built without validation, as a library
// caller could) gets no connection: the dialer refuses it.
func TestDialerRefusesUnlistedHosts(t *testing.T) {
	other, otherReqs, otherConns := countingServer(t, "127.0.0.2:0")
	cfg, err := config.Parse([]byte(`
targets:
  t: {url: "http://127.0.0.1:1", health_check: {enabled: false}}
suites:
  s:
    scenarios:
      - {name: a, target: t, users: 2, requests_per_user: 2, request: {path: /}}
`), "inline.yaml", config.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Targets["t"].URL = other // swapped after validation
	rep := (&Runner{Config: cfg}).Run(context.Background(), cfg.Suites["s"], "run-dial", "manual")
	if sr := rep.TestResults[0]; sr.Errors["disallowed"] != 4 || sr.Status != stats.StatusError ||
		!strings.Contains(sr.Error, `host "127.0.0.2" is not in safety.allowed_hosts [127.0.0.1 ::1 localhost]`) {
		t.Errorf("errors %v status %s error %q, want 4 disallowed, error naming the host", sr.Errors, sr.Status, sr.Error)
	}
	if otherReqs.Load() != 0 || otherConns.Load() != 0 {
		t.Fatalf("127.0.0.2 got %d requests on %d connections, want none", otherReqs.Load(), otherConns.Load())
	}
}

// TestBrokenHealthBodyIsUnhealthy: a health endpoint that answers 200 and
// then stalls its body past the health timeout, or resets the connection
// mid-body, is unhealthy: every scenario is "error", no load is sent, and
// loadcron_target_up is 0. The message names the URL, what came back and
// the keys to change.
func TestBrokenHealthBodyIsUnhealthy(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	var load atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("/stall", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100")
		w.WriteHeader(http.StatusOK)
		fmt.Fprint(w, "ok")
		w.(http.Flusher).Flush()
		select { // never finishes the body within the health timeout
		case <-release:
		case <-r.Context().Done():
		}
	})
	mux.HandleFunc("/reset", func(w http.ResponseWriter, r *http.Request) {
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		buf.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nok")
		buf.Flush()
		if tc, ok := conn.(*net.TCPConn); ok {
			tc.SetLinger(0) // RST instead of FIN
		}
		conn.Close()
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { load.Add(1) })
	srv := httptest.NewServer(mux)
	defer srv.Close()

	for _, path := range []string{"/stall", "/reset"} {
		t.Run(path, func(t *testing.T) {
			cfg, err := config.Parse([]byte(fmt.Sprintf(`
targets:
  chat: {url: %q, health_check: {path: %s, timeout: 300ms}}
suites:
  s:
    scenarios:
      - {name: one, target: chat, users: 2, requests_per_user: 2, request: {path: /load}}
      - {name: two, target: chat, users: 1, requests_per_user: 2, request: {path: /load}}
`, srv.URL, path)), "inline.yaml", config.LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			reg := prometheus.NewRegistry()
			m := metrics.New(reg, metrics.Options{})
			rep := (&Runner{Config: cfg, Metrics: m}).Run(context.Background(), cfg.Suites["s"], "run-h", "manual")
			if load.Load() != 0 {
				t.Fatalf("%d load requests reached an unhealthy target", load.Load())
			}
			for _, sr := range rep.TestResults {
				if sr.Status != stats.StatusError || sr.TotalRequests != 0 {
					t.Errorf("%s: status %s, %d requests; want error and none", sr.Scenario, sr.Status, sr.TotalRequests)
				}
			}
			const up = `# HELP loadcron_target_up 1 when the target's last health check passed, else 0.
# TYPE loadcron_target_up gauge
loadcron_target_up{target="chat"} 0
`
			if err := testutil.GatherAndCompare(reg, strings.NewReader(up), "loadcron_target_up"); err != nil {
				t.Error(err)
			}
			msg := rep.TestResults[0].Error
			for _, want := range []string{
				"GET " + srv.URL + path, "answered 200 OK but the body failed",
				"targets.chat.health_check.path", "targets.chat.health_check.enabled: false",
			} {
				if !strings.Contains(msg, want) {
					t.Errorf("message lacks %q:\n%s", want, msg)
				}
			}
			if path == "/stall" && !strings.Contains(msg, "(targets.chat.health_check.timeout is 300ms)") {
				t.Errorf("a stalled body should name the timeout key:\n%s", msg)
			}
		})
	}
}
