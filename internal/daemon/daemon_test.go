package daemon

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"go.uber.org/goleak"

	"github.com/loadcron/loadcron/internal/chatsim"
	"github.com/loadcron/loadcron/internal/chatsim/chatsimtest"
	"github.com/loadcron/loadcron/internal/report"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// startChatsim runs a simulated chat API on loopback.
func startChatsim(t *testing.T, latency time.Duration) (*chatsim.Server, string) {
	t.Helper()
	opts := chatsimtest.Options()
	opts.UncachedLatency, opts.CachedLatency = latency, latency/5+time.Millisecond
	return chatsimtest.Start(t, opts)
}

// suiteYAML is a two-scenario suite against url on schedule.
func suiteYAML(url, schedule, extra string) string {
	return fmt.Sprintf(`
targets:
  chat:
    url: %q
    cost_per_uncached_request: 0.25
suites:
  chat:
    schedule: %q
    scenarios:
      - name: baseline
        target: chat
        users: 1
        requests_per_user: 4
        request: &req
          path: /api/chat
          body: '{"message": {{json .Query}}}'
          queries: ["refund policy", "reset password"]
        thresholds:
          min_success_rate: 0.95
          max_avg_latency: 3s
          max_p95_latency: 5s
          max_p99_latency: 8s
          min_cache_hit_rate: 0.25
      - name: light
        target: chat
        users: 3
        requests_per_user: 2
        critical: false
        request: *req
        thresholds:
          min_success_rate: 0.9
%s`, url, schedule, extra)
}

type testDaemon struct {
	addr   string
	file   string
	dir    string
	cancel context.CancelFunc
	done   chan error
}

// lifecycle is a start option that opens POST /-/reload
// (--web.enable-lifecycle).
func lifecycle(o *Options) { o.EnableLifecycle = true }

// start runs a daemon on 127.0.0.1:0 with cfg written to a file in dir,
// with the defaults of `loadcron serve` changed by opts.
func start(t *testing.T, dir, cfg string, opts ...func(*Options)) *testDaemon {
	t.Helper()
	file := filepath.Join(dir, "loadcron.yaml")
	if err := os.WriteFile(file, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	d := &testDaemon{addr: "http://" + ln.Addr().String(), file: file, dir: dir, cancel: cancel, done: make(chan error, 1)}
	o := Options{
		ConfigFile: file, Listener: ln, WatchInterval: -1, NativeHistograms: true,
		Overrides: map[string]any{"history.dir": filepath.Join(dir, "data")},
	}
	for _, f := range opts {
		f(&o)
	}
	go func() { d.done <- Run(ctx, o) }()
	waitFor(t, "ready", func() bool { return get(t, d.addr+"/-/ready") == 200 })
	t.Cleanup(func() { d.stop(t) })
	return d
}

func (d *testDaemon) stop(t *testing.T) {
	if d.cancel == nil {
		return
	}
	d.cancel()
	d.cancel = nil
	select {
	case err := <-d.done:
		if err != nil {
			t.Errorf("daemon: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Error("daemon did not stop")
	}
}

func get(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		return 0
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func do(t *testing.T, method, url, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func runs(t *testing.T, addr string) []*report.Report {
	t.Helper()
	resp, err := http.Get(addr + "/api/v1/runs?limit=1000")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Runs []*report.Report `json:"runs"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	return body.Runs
}

func scrape(t *testing.T, addr string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return mfs
}

// value sums the samples of name whose labels include want.
func value(mfs map[string]*dto.MetricFamily, name string, want map[string]string) (float64, bool) {
	mf, ok := mfs[name]
	if !ok {
		return 0, false
	}
	sum, found := 0.0, false
next:
	for _, m := range mf.Metric {
		have := map[string]string{}
		for _, lp := range m.Label {
			have[lp.GetName()] = lp.GetValue()
		}
		for k, v := range want {
			if have[k] != v {
				continue next
			}
		}
		found = true
		switch {
		case m.Counter != nil:
			sum += m.Counter.GetValue()
		case m.Gauge != nil:
			sum += m.Gauge.GetValue()
		case m.Histogram != nil:
			sum += float64(m.Histogram.GetSampleCount())
		case m.Untyped != nil:
			sum += m.Untyped.GetValue()
		}
	}
	return sum, found
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
