package server

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

func TestHealthyAndReady(t *testing.T) {
	var ready atomic.Bool
	ts := newHTTP(t, Options{Ready: ready.Load})
	steps := []struct {
		name     string
		path     string
		setReady bool
		code     int
		body     string
	}{
		// Healthy from the start.
		{"healthy", "/-/healthy", false, 200, "loadcron is Healthy.\n"},
		// Not ready before the config is loaded and the scheduler runs.
		{"not ready", "/-/ready", false, 503, "loadcron is not ready.\n"},
		// Ready once Ready says so.
		{"ready", "/-/ready", true, 200, "loadcron is Ready.\n"},
	}
	for _, st := range steps {
		ready.Store(st.setReady)
		code, _, body := do(t, "GET", ts.URL+st.path, nil)
		if code != st.code || body != st.body {
			t.Errorf("%s: %d %q, want %d %q", st.name, code, body, st.code, st.body)
		}
	}
	// Without a Ready func the server is ready.
	ts2 := newHTTP(t, Options{})
	if code, _, _ := do(t, "GET", ts2.URL+"/-/ready", nil); code != 200 {
		t.Errorf("ready without a Ready func: %d, want 200", code)
	}
}

func TestReload(t *testing.T) {
	var calls atomic.Int32
	var fail atomic.Bool
	reload := func() error {
		calls.Add(1)
		if fail.Load() {
			return errors.New("suites.chat.scenarios[2].users: must be ≥ 1")
		}
		return nil
	}
	ts := newHTTP(t, Options{Reload: reload, EnableLifecycle: true})
	tests := []struct {
		name   string
		method string
		fail   bool
		code   int
		body   string // substring
		calls  int32  // Reload calls so far
	}{
		// POST reloads.
		{"post ok", "POST", false, 200, "config reloaded", 1},
		// PUT is accepted too.
		{"put ok", "PUT", false, 200, "config reloaded", 2},
		// A rejected config: 500 with the reason.
		{"invalid config", "POST", true, 500, "failed to reload config: suites.chat.scenarios[2].users: must be ≥ 1", 3},
		// GET does not reload.
		{"get", "GET", false, 405, "", 3},
	}
	for _, tt := range tests {
		fail.Store(tt.fail)
		code, _, body := do(t, tt.method, ts.URL+"/-/reload", nil)
		if code != tt.code || !strings.Contains(body, tt.body) || calls.Load() != tt.calls {
			t.Errorf("%s: %d %q (calls %d), want %d %q (calls %d)", tt.name, code, body, calls.Load(), tt.code, tt.body, tt.calls)
		}
	}
	// Without a Reload func: 500, not a crash.
	ts2 := newHTTP(t, Options{EnableLifecycle: true})
	if code, _, _ := do(t, "POST", ts2.URL+"/-/reload", nil); code != 500 {
		t.Errorf("reload without a Reload func: %d, want 500", code)
	}
}

func TestReloadNeedsLifecycle(t *testing.T) {
	// Off by default, as in Prometheus: 403 with Prometheus's text, and
	// the reload function is never called.
	var calls atomic.Int32
	ts := newHTTP(t, Options{Reload: func() error { calls.Add(1); return nil }})
	for _, method := range []string{"POST", "PUT"} {
		code, _, body := do(t, method, ts.URL+"/-/reload", nil)
		if code != 403 || body != "Lifecycle API is not enabled.\n" {
			t.Errorf("%s /-/reload: %d %q, want 403 \"Lifecycle API is not enabled.\"", method, code, body)
		}
	}
	if code, _, _ := do(t, "GET", ts.URL+"/-/reload", nil); code != 405 {
		t.Errorf("GET /-/reload: %d, want 405", code)
	}
	if n := calls.Load(); n != 0 {
		t.Errorf("Reload called %d times with the lifecycle API off", n)
	}
}

func TestMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: "loadcron_test_events_total", Help: "Test events."})
	reg.MustRegister(c)
	c.Add(3)
	ts := newHTTP(t, Options{Gatherer: reg})

	tests := []struct {
		name   string
		accept string
		ctype  string
		want   string
	}{
		// The text format by default.
		{"text", "", "text/plain", "loadcron_test_events_total 3\n"},
		// OpenMetrics when asked for (EnableOpenMetrics).
		{"openmetrics", "application/openmetrics-text;version=1.0.0", "application/openmetrics-text", "loadcron_test_events_total 3.0\n# EOF"},
	}
	for _, tt := range tests {
		code, h, body := do(t, "GET", ts.URL+"/metrics", map[string]string{"Accept": tt.accept})
		if code != 200 || !strings.HasPrefix(h.Get("Content-Type"), tt.ctype) || !strings.Contains(body, tt.want) {
			t.Errorf("%s: %d %s\n%s", tt.name, code, h.Get("Content-Type"), body)
		}
	}
	// Without a gatherer /metrics is served, empty.
	ts2 := newHTTP(t, Options{})
	if code, _, body := do(t, "GET", ts2.URL+"/metrics", nil); code != 200 || strings.Contains(body, "loadcron_test") {
		t.Errorf("empty gatherer: %d %q", code, body)
	}
}

// TestMetricsGzip: a scraper that accepts gzip gets the exposition
// gzip-compressed (MetricsHandler's own, faster level), one that does not
// gets it plain; both say Vary: Accept-Encoding.
func TestMetricsGzip(t *testing.T) {
	reg := prometheus.NewRegistry()
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: "loadcron_test_events_total", Help: "Test events."})
	reg.MustRegister(c)
	c.Add(3)
	ts := newHTTP(t, Options{Gatherer: reg})
	// DisableCompression: the client must not ask for gzip itself nor
	// decompress, so the test sees what was sent.
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	for _, tc := range []struct {
		acceptEncoding string
		gzipped        bool
	}{
		{"gzip", true},                 // Prometheus
		{"br, GZIP;q=0.5", true},       // case and quality
		{"", false},                    // none asked for
		{"identity", false},            // plain asked for
		{"gzip;q=0, identity", false},  // gzip refused
		{"deflate, x-gzip-ish", false}, // not gzip
	} {
		req, _ := http.NewRequest("GET", ts.URL+"/metrics", nil)
		req.Header.Set("Accept-Encoding", tc.acceptEncoding)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body io.Reader = resp.Body
		if got := resp.Header.Get("Content-Encoding") == "gzip"; got != tc.gzipped {
			t.Errorf("Accept-Encoding %q: gzipped %v, want %v", tc.acceptEncoding, got, tc.gzipped)
		}
		if tc.gzipped {
			zr, err := gzip.NewReader(resp.Body)
			if err != nil {
				t.Fatalf("Accept-Encoding %q: %v", tc.acceptEncoding, err)
			}
			body = zr
		}
		b, err := io.ReadAll(body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 || !strings.Contains(string(b), "loadcron_test_events_total 3\n") {
			t.Errorf("Accept-Encoding %q: %d %v\n%s", tc.acceptEncoding, resp.StatusCode, err, b)
		}
		if v := resp.Header.Get("Vary"); v != "Accept-Encoding" {
			t.Errorf("Accept-Encoding %q: Vary %q", tc.acceptEncoding, v)
		}
	}
}

func TestRoutingAndPprof(t *testing.T) {
	off := newHTTP(t, Options{})
	on := newHTTP(t, Options{EnablePprof: true})
	tests := []struct {
		name   string
		url    string
		method string
		code   int
	}{
		// pprof is off by default.
		{"pprof off", off.URL + "/debug/pprof/", "GET", 404},
		// And on when asked for.
		{"pprof on", on.URL + "/debug/pprof/", "GET", 200},
		// Unknown paths are 404, not the status page.
		{"unknown", off.URL + "/nope", "GET", 404},
		// Methods are part of the patterns.
		{"post healthy", off.URL + "/-/healthy", "POST", 405},
		// HEAD works where GET does.
		{"head healthy", off.URL + "/-/healthy", "HEAD", 200},
	}
	for _, tt := range tests {
		if code, _, _ := do(t, tt.method, tt.url, nil); code != tt.code {
			t.Errorf("%s: %d, want %d", tt.name, code, tt.code)
		}
	}
}

func TestRequestLogging(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ts := newHTTP(t, Options{Logger: log, Token: func() string { return "s3cret" }, Trigger: func(string) (string, error) { return "id", nil }})
	do(t, "GET", ts.URL+"/-/ready?x=1", nil)
	do(t, "POST", ts.URL+"/api/v1/suites/chat/run", map[string]string{"Authorization": "Bearer s3cret"})
	out := buf.String()
	for _, want := range []string{"path=/-/ready", "status=200", "method=GET", "status=202"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	// Tokens and queries never reach the log.
	for _, bad := range []string{"s3cret", "x=1"} {
		if strings.Contains(out, bad) {
			t.Errorf("log contains %q:\n%s", bad, out)
		}
	}
	// At info level nothing is logged per request.
	buf.Reset()
	quiet := newHTTP(t, Options{Logger: slog.New(slog.NewTextHandler(&buf, nil))})
	if code, _, _ := do(t, "GET", quiet.URL+"/-/healthy", nil); code != http.StatusOK || buf.Len() != 0 {
		t.Errorf("info-level logger wrote %q", buf.String())
	}
}
