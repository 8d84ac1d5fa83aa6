package main

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	configfiles "github.com/loadcron/loadcron/config"
	"github.com/loadcron/loadcron/internal/chatsim"
	"github.com/loadcron/loadcron/internal/config"
	"github.com/loadcron/loadcron/internal/runner"
	"github.com/loadcron/loadcron/internal/stats"
)

// demoCompression is how much faster than real time the demo story test
// runs: every latency, lifetime, timeout, latency threshold and grade bound
// divided by it (a demo run takes about 100s; the test about 5s).
const demoCompression = 20

// TestDemoTellsTheGuidesStory runs the demo's suite (config/demo.yaml)
// against chatsim's guide profile, both time-compressed, and checks the
// shape of the guide's example output — not its figures: a baseline hit
// rate of 60 % ± 10 rising with load, average latency growing with the
// number of users, an EXCELLENT baseline, and a WARNING on the stress
// test.
func TestDemoTellsTheGuidesStory(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the demo suite (about 5s)")
	}
	opts := chatsim.GuideProfile().Scaled(demoCompression)
	opts.Seed = 1
	sim := chatsim.New(opts)
	ctx, cancel := context.WithCancel(t.Context())
	addr, stop, err := sim.Start(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = stop() })

	cfg, err := config.Parse(configfiles.DemoYAML, "config/demo.yaml", config.LoadOptions{
		Overrides: map[string]any{"targets.chat.url": "http://" + addr},
	})
	if err != nil {
		t.Fatal(err)
	}
	compressConfig(cfg, demoCompression)
	r := &runner.Runner{Config: cfg, UserAgent: "loadcron/test"}
	rep := r.Run(t.Context(), cfg.Suites["chat"], "demo-story", "test")

	var table strings.Builder
	for _, s := range rep.TestResults {
		fmt.Fprintf(&table, "  %-34s %-8s %-10s success %5.1f%%  hits %5.1f%%  avg %6.1fms (×%d = %.2fs)\n",
			s.Scenario, s.Status, s.Grade, 100*s.SuccessRate, 100*s.CacheHitRate, s.AvgLatencyMs,
			demoCompression, s.AvgLatencyMs*demoCompression/1000)
	}
	t.Logf("demo run, time-compressed ×%d:\n%s", demoCompression, table.String())
	if len(rep.TestResults) != 5 {
		t.Fatalf("%d scenarios, want the guide's 5", len(rep.TestResults))
	}
	res := rep.TestResults
	if hr := res[0].CacheHitRate; hr < 0.5 || hr > 0.7 {
		t.Errorf("baseline hit rate %.1f%%, want 60 %% ± 10", 100*hr)
	}
	for i := 1; i < len(res); i++ {
		if res[i].AvgLatencyMs <= res[i-1].AvgLatencyMs {
			t.Errorf("average latency does not grow with users: %s %.1fms after %s %.1fms",
				res[i].Scenario, res[i].AvgLatencyMs, res[i-1].Scenario, res[i-1].AvgLatencyMs)
		}
		if res[i].CacheHitRate < res[i-1].CacheHitRate {
			t.Errorf("hit rate falls with load: %s %.1f%% after %s %.1f%%",
				res[i].Scenario, 100*res[i].CacheHitRate, res[i-1].Scenario, 100*res[i-1].CacheHitRate)
		}
	}
	if res[0].Grade != stats.GradeExcellent {
		t.Errorf("baseline grade %s, want EXCELLENT", res[0].Grade)
	}
	if s := res[4]; s.Status != stats.StatusWarning {
		t.Errorf("%s: %s, grade %s (%v), want a warning", s.Scenario, s.Status, s.Grade, s.Thresholds)
	}
	// In real time every critical scenario passes (the guide's "All
	// critical load tests PASSED"); time-compressed on a loaded machine,
	// per-request overhead can push a 5ms cached answer past a scaled
	// limit, so that is logged, not asserted.
	if !rep.Passed {
		t.Logf("suite %s: on this machine the compressed run missed a critical threshold (see above)", rep.Status)
	}
}

// compressConfig divides every duration that a time-compressed target
// changes by factor: timeouts, latency thresholds and grade bounds.
func compressConfig(cfg *config.Config, factor float64) {
	scale := func(d time.Duration) time.Duration { return time.Duration(float64(d) / factor) }
	orDefault := func(d, def time.Duration) time.Duration {
		if d <= 0 {
			return def
		}
		return d
	}
	g := &cfg.Grades
	g.Excellent = scale(orDefault(g.Excellent, stats.DefaultExcellent))
	g.Good = scale(orDefault(g.Good, stats.DefaultGood))
	g.Acceptable = scale(orDefault(g.Acceptable, stats.DefaultAcceptable))
	for _, tg := range cfg.Targets {
		tg.Timeout = scale(tg.Timeout)
		tg.HealthCheck.Timeout = scale(tg.HealthCheck.Timeout)
	}
	for _, su := range cfg.Suites {
		for _, sc := range su.Scenarios {
			th := &sc.Thresholds
			for _, p := range []**time.Duration{&th.MaxAvgLatency, &th.MaxP95Latency, &th.MaxP99Latency} {
				if *p != nil {
					d := scale(**p)
					*p = &d
				}
			}
		}
	}
}

// TestDemoConfigIsTheShippedSuite checks that config/demo.yaml differs from
// config/loadcron.yaml only where the demo needs it: its query list,
// schedule and run at start. Scenarios, thresholds, checks, requests and
// target settings are the ones users read in loadcron.yaml.
func TestDemoConfigIsTheShippedSuite(t *testing.T) {
	demo, err := config.Parse(configfiles.DemoYAML, "config/demo.yaml", config.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	shipped, err := config.Parse(configfiles.LoadcronYAML, "config/loadcron.yaml", config.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	d, s := demo.Suites["chat"], shipped.Suites["chat"]
	if len(d.Scenarios) != len(s.Scenarios) {
		t.Fatalf("demo has %d scenarios, loadcron.yaml %d", len(d.Scenarios), len(s.Scenarios))
	}
	if len(d.Scenarios[0].Request.Queries) != 100 {
		t.Errorf("demo query list has %d entries, want one per request of the stress test (100)", len(d.Scenarios[0].Request.Queries))
	}
	for i := range d.Scenarios {
		dc, sc := *d.Scenarios[i], *s.Scenarios[i]
		dc.Request.Queries, sc.Request.Queries = nil, nil
		if !reflect.DeepEqual(dc, sc) {
			t.Errorf("scenario %d differs:\ndemo     %+v\nshipped  %+v", i, dc, sc)
		}
	}
	dt, st := *demo.Targets["chat"], *shipped.Targets["chat"]
	if len(dt.Headers) == 0 && len(st.Headers) == 0 { // `headers: {}` in loadcron.yaml
		dt.Headers, st.Headers = nil, nil
	}
	if !reflect.DeepEqual(dt, st) {
		t.Errorf("target differs:\ndemo     %+v\nshipped  %+v", dt, st)
	}
}
