package main

import (
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/loadcron/loadcron/internal/chatsim"
	"github.com/loadcron/loadcron/internal/config"
	"github.com/loadcron/loadcron/internal/testtools"
)

// gatewaySamples reads a Pushgateway's /metrics and returns the value of
// every loadcron_ sample by its name and sorted labels, e.g.
// `loadcron_last_run_passed{instance="loadcron-run",job="loadcron",…}`.
func gatewaySamples(t *testing.T, base string) map[string]float64 {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	dec := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := dec.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for name, mf := range mfs {
		if !strings.HasPrefix(name, "loadcron_") {
			continue
		}
		for _, m := range mf.GetMetric() {
			ls := model.LabelSet{}
			for _, lp := range m.GetLabel() {
				ls[model.LabelName(lp.GetName())] = model.LabelValue(lp.GetValue())
			}
			out[name+ls.String()] = m.GetGauge().GetValue() + m.GetCounter().GetValue() + float64(m.GetHistogram().GetSampleCount())
		}
	}
	return out
}

// TestRunPushesToPushgateway runs a suite with --push.url against a real
// Pushgateway and checks that the run's metrics are there, grouped by suite
// and pipeline, with the daemon's labels.
func TestRunPushesToPushgateway(t *testing.T) {
	gw := testtools.StartPushgateway(t)
	_, url := countingChatsim(t, chatsim.Faults{})
	cfg := runConfig(t, url, chatScenario+"}")
	code, stdout, stderr := loadcron(t, nil, "run", "--config.file", cfg, "--report", filepath.Join(t.TempDir(), "r.json"),
		"--push.url", gw, "--push.grouping", "pipeline=nightly")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	if want := "Metrics pushed to " + gw + "/metrics/job/loadcron/suite/chat/instance/loadcron-run/pipeline/nightly"; !strings.Contains(stdout, want) {
		t.Errorf("stdout lacks %q:\n%s", want, stdout)
	}
	got := gatewaySamples(t, gw)
	group := `instance="loadcron-run", job="loadcron", pipeline="nightly", `
	sc := `scenario="chat", suite="chat", target="chat"`
	// The latency histogram (pushed as protobuf, native and classic) holds
	// every request: hits and misses.
	var observed float64
	for _, c := range []string{"hit", "miss"} {
		observed += got[`loadcron_request_duration_seconds{cache="`+c+`", instance="loadcron-run", job="loadcron", outcome="success", pipeline="nightly", `+sc+`}`]
	}
	if observed != 20 {
		t.Errorf("duration histogram holds %v successful requests, want 20", observed)
	}
	for series, want := range map[string]float64{
		`loadcron_requests_total{code="200", ` + group + sc + `}`:               20,
		`loadcron_last_run_passed{` + group + sc + `}`:                          1,
		`loadcron_last_run_requests{` + group + sc + `}`:                        20,
		`loadcron_suite_last_run_passed{` + group + `suite="chat"}`:             1,
		`loadcron_suite_runs_total{` + group + `status="passed", suite="chat"}`: 1,
		`loadcron_target_up{` + group + `suite="chat", target="chat"}`:          1,
	} {
		if v, ok := got[series]; !ok || v != want {
			var have []string
			for k := range got {
				if strings.Contains(k, "requests_total") || strings.Contains(k, "passed") {
					have = append(have, k)
				}
			}
			t.Errorf("%s = %v (present %v), want %v; have e.g. %v", series, v, ok, want, have)
		}
	}
}

// TestRunPushFailures: a gateway that cannot be reached leaves the exit
// code as the run's and says why; bad --push flags exit 2 before any load.
func TestRunPushFailures(t *testing.T) {
	n, url := countingChatsim(t, chatsim.Faults{})
	cfg := runConfig(t, url, chatScenario+"}")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String()
	ln.Close()
	code, stdout, stderr := loadcron(t, nil, "run", "--config.file", cfg, "--report", filepath.Join(t.TempDir(), "r.json"), "--push.url", dead)
	if code != 0 || !strings.Contains(stderr, "push suite chat to "+dead) || !strings.Contains(stderr, "the run's result and exit code stand") {
		t.Errorf("unreachable gateway: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	sent := n.Load()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--push.url", "ftp://gw"}, "want an http:// or https:// URL"},
		{[]string{"--push.url", "http://gw", "--push.grouping", "scenario=x"}, "--push.grouping scenario: reserved"},
		{[]string{"--push.url", "http://gw", "--push.grouping", "nope"}, "want KEY=VALUE"},
	} {
		code, _, stderr := loadcron(t, nil, append([]string{"run", "--config.file", cfg, "--report", filepath.Join(t.TempDir(), "r.json")}, tc.args...)...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tc.args, code, stderr, tc.want)
		}
	}
	if n.Load() != sent {
		t.Errorf("bad --push flags sent %d requests; want none", n.Load()-sent)
	}
}

// TestPushInstanceGrouping: without an instance grouping label a push gets
// instance=loadcron-run (the dashboards select instance=~".+", which a
// missing label never matches); --push.grouping instance=… replaces it.
func TestPushInstanceGrouping(t *testing.T) {
	cfg := &config.Config{Suites: map[string]*config.Suite{"chat": {Name: "chat"}}}
	for _, tc := range []struct {
		grouping []string
		want     string
	}{
		{nil, "/metrics/job/loadcron/suite/chat/instance/loadcron-run"},
		{[]string{"instance=ci-7", "pipeline=nightly"}, "/metrics/job/loadcron/suite/chat/instance/ci-7/pipeline/nightly"},
	} {
		p, err := newPusher(pushOptions{url: "http://gw:9091", grouping: tc.grouping}, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.where("chat"); got != "http://gw:9091"+tc.want {
			t.Errorf("%v: group %s, want %s", tc.grouping, got, tc.want)
		}
	}
}
