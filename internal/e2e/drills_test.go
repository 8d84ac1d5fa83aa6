package e2e

import (
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// The drills stack: one loadcron running five suites, each against its own
// chatsim, plus a second loadcron (the victim of the daemon drills); one
// Prometheus with the rules generated for this stack's schedule and
// time-compressed; the shipped Alertmanager configuration.
const drillSchedule = 3 * time.Second

// drillScale is the drills' time compression: 15m → 3s.
var drillScale = scaleFor(drillSchedule)

// Pipeline allowances, from the stacks' settings: Prometheus scrapes and
// evaluates every second, Alertmanager's group_wait and group_interval are
// a second.
const (
	// evalLag: a run's figures are published → its alert is active
	// (scrape ≤ 1s + evaluation ≤ 1s + 1s slack).
	evalLag = 3 * time.Second
	// notifyLag: the alert is active → the notification arrives
	// (group_wait or group_interval 1s + 2s slack).
	notifyLag = 3 * time.Second
)

// drillQueries are the two queries of every scenario: repeated, so a warm
// cache answers every request.
var drillQueries = []string{"What is your refund policy?", "How do I reset my password?"}

// drillConfig runs five suites every 3s, all at once (concurrent_suites):
//
//   - cache/cached (cachesim, with a cost per uncached request): 10 users
//     × 3, critical, every kind of threshold (the cache's the one its
//     drill breaks: min_cache_hit_rate 75 %);
//   - errors/flaky (errsim): 50 users × 10 = 500 requests, two runs fill
//     the 1000-request ratio window;
//   - slow/latency (slowsim): 5 users × 2, max_p95_latency 300ms;
//   - down/probe (downsim): 2 users × 2;
//   - steady/half and steady/five (steadysim): 20 users × 10 each, answered
//     429 at random to 0.5 % and 5 % of requests (chatsim's per-request
//     faults), for the whole test;
//
// with server.external_url and server.grafana_url set, so alerts link to
// their run and dashboard.
func drillConfig(urls map[string]string) string {
	return fmt.Sprintf(`
targets:
  cachesim: {url: %q, timeout: 5s, health_check: {timeout: 2s}, cost_per_uncached_request: 0.06}
  errsim: {url: %q, timeout: 5s, health_check: {timeout: 2s}}
  slowsim: {url: %q, timeout: 5s, health_check: {timeout: 2s}}
  downsim: {url: %q, timeout: 5s, health_check: {timeout: 2s}}
  steadysim: {url: %q, timeout: 5s, health_check: {timeout: 2s}}
suites:
  cache:
    schedule: "@every 3s"
    scenarios:
      - name: cached
        target: cachesim
        users: 10
        requests_per_user: 3
        request: &req
          method: POST
          path: /api/chat
          headers: {Content-Type: application/json}
          body: '{"message": {{json .Query}}}'
          queries: [%q, %q]
        checks: &checks {status: [200], json_field: reply}
        thresholds: {min_success_rate: 0.95, max_avg_latency: 1s, max_p95_latency: 1s, max_p99_latency: 2s, min_cache_hit_rate: 0.75}
  errors:
    schedule: "@every 3s"
    scenarios:
      - name: flaky
        target: errsim
        critical: false
        users: 50
        requests_per_user: 10
        request: *req
        checks: *checks
  slow:
    schedule: "@every 3s"
    scenarios:
      - name: latency
        target: slowsim
        critical: false
        users: 5
        requests_per_user: 2
        request: *req
        checks: *checks
        thresholds: {max_p95_latency: 300ms}
  down:
    schedule: "@every 3s"
    scenarios:
      - name: probe
        target: downsim
        users: 2
        requests_per_user: 2
        request: *req
        checks: *checks
  steady:
    schedule: "@every 3s"
    scenarios:
      - name: half
        target: steadysim
        critical: false
        users: 20
        requests_per_user: 10
        request:
          <<: *req
          path: /api/chat?status=429:0.5
        checks: *checks
      - name: five
        target: steadysim
        critical: false
        users: 20
        requests_per_user: 10
        request:
          <<: *req
          path: /api/chat?status=429:5
        checks: *checks
server:
  run_on_start: true
  concurrent_suites: true
  external_url: http://@ADDR@
  grafana_url: https://grafana.example
`, urls["cachesim"], urls["errsim"], urls["slowsim"], urls["downsim"], urls["steadysim"],
		drillQueries[0], drillQueries[1])
}

// victimConfig: one suite, every request answered 500, so its error and
// 5xx alerts fire from its first run and are firing when it is killed.
func victimConfig(url string) string {
	return fmt.Sprintf(`
targets:
  victimsim: {url: %q, timeout: 5s}
suites:
  victim:
    schedule: "@every 3s"
    scenarios:
      - name: broken
        target: victimsim
        critical: false
        users: 1
        requests_per_user: 5
        request:
          method: POST
          path: /api/chat?status=500:100
          headers: {Content-Type: application/json}
          body: '{"message": "refund policy"}'
        checks: {status: [200]}
server:
  run_on_start: true
`, url)
}

// drillStack is the running drills stack.
type drillStack struct {
	sims     map[string]*chatsimProc // by target
	lc       string                  // loadcron base URL
	lcInst   string                  // its instance label
	victim   *proc
	vCfg     string // the victim's config file
	vInst    string
	prom, am string
	rec      *recorder
	results  []result
}

func startDrillStack(t *testing.T) *drillStack {
	t.Helper()
	tool(t, "prometheus")
	tool(t, "prometheus-alertmanager")
	bin := binaries(t)
	dir := t.TempDir()
	s := &drillStack{sims: map[string]*chatsimProc{}, rec: newRecorder(t)}
	urls := map[string]string{}
	for _, name := range []string{"cachesim", "errsim", "slowsim", "downsim", "steadysim"} {
		s.sims[name] = startNamedChatsim(t, dir, filepath.Join(bin, "chatsim"), name, "--max-concurrent", "0")
		s.sims[name].warm(drillQueries)
		urls[name] = s.sims[name].url()
	}
	_, s.lcInst = startLoadcron(t, dir, filepath.Join(bin, "loadcron"), "loadcron", drillConfig(urls))
	s.lc = "http://" + s.lcInst
	s.victim, s.vInst = startLoadcron(t, dir, filepath.Join(bin, "loadcron"), "victim", victimConfig(urls["steadysim"]))
	s.vCfg = filepath.Join(dir, "victim", "loadcron.yaml")

	s.am = startAlertmanager(t, dir, amConfigFromShipped(t, s.rec))
	rules := e2eRules(t, dir, drillSchedule)
	s.prom = startPrometheus(t, dir, "prometheus", promConfig([]string{s.lcInst, s.vInst}, []string{rules}, strings.TrimPrefix(s.am, "http://")))
	return s
}

// TestE2EDrills injects faults into a running stack and proves each
// alert's time to page and to resolve against its own bound, the
// inhibition of a target's scenario alerts through its outage and
// recovery, a killed daemon paging without its alerts resolving, and the
// error-ratio alert on steady 0.5 % and 5 % faults over 30 runs. Every
// notification of the whole test is checked for routing, text and
// resolved-after-firing; grouped pages must carry every alert's summary
// and runbook link as the shipped templates render them.
func TestE2EDrills(t *testing.T) {
	skipUnlessE2E(t)
	t.Parallel()
	start := time.Now()
	s := startDrillStack(t)

	// Ten runs of every suite before any fault: the latency baseline
	// (7 days, compressed to 34 minutes) needs healthy history as long as
	// the fault at least, as in production.
	for _, suite := range []string{"cache", "errors", "slow", "down", "steady"} {
		waitRuns(t, s.lc, suite, start, 10)
	}

	t.Run("faults", func(t *testing.T) { runDrills(t, s, s.drills()) })
	t.Run("links", func(t *testing.T) { checkLinks(t, s) })
	t.Run("daemon", func(t *testing.T) { daemonDrills(t, s) })
	t.Run("steady", func(t *testing.T) { steadyDrill(t, s, start) })

	t.Run("dashboards", func(t *testing.T) {
		checkDashboardQueries(t, s.prom, map[string]string{"job": "loadcron", "instance": s.lcInst, "suite": "cache", "scenario": "cached", "target": "cachesim"})
	})
	t.Run("notifications", func(t *testing.T) {
		s.rec.checkConventions(t)
		if n := s.rec.checkGroupedRendering(t); n == 0 {
			t.Error("no notification grouped several alerts: nothing shows that every alert of a group is rendered")
		} else {
			t.Logf("%d grouped notifications, each rendered with every alert's summary and runbook link", n)
		}
	})
	logResults(t, s.results)
	t.Logf("drills: %s", time.Since(start).Round(time.Second))
}

// drills are the run-based faults, with the alerts each must raise and
// the runs (1-based, counted from the first run that saw the fault, or the
// first after it was cleared) at which each must page and resolve.
func (s *drillStack) drills() []*drill {
	cache, errs, slow, down := s.sims["cachesim"], s.sims["errsim"], s.sims["slowsim"], s.sims["downsim"]
	sc := func(suite, scenario string) []string { return []string{"suite", suite, "scenario", scenario} }
	return []*drill{
		{
			name: "cache off", suite: "cache", hold: 3,
			inject: func(t *testing.T) { cache.faults(`{"cache_off": true}`) },
			clear: func(t *testing.T) {
				cache.reset()
				cache.warm(drillQueries)
			},
			alerts: []expected{
				// 0 hits in 30 proves < 50 % at once.
				{"LoadcronCacheHitRatioLow", "critical", sc("cache", "cached"), [2]int{1, 1}, [2]int{1, 6}},
				{"LoadcronCacheHitRatioBelowMinimum", "warning", sc("cache", "cached"), [2]int{1, 1}, [2]int{1, 6}},
				// 2 of 3 runs failed: the second.
				{"LoadcronCriticalScenarioFailed", "critical", sc("cache", "cached"), [2]int{2, 2}, [2]int{2, 2}},
			},
		},
		{
			name: "errors", suite: "errors", hold: 3,
			inject: func(t *testing.T) { errs.faults(`{"error_ratio": 0.05}`) },
			clear:  func(t *testing.T) { errs.faults(`{"error_ratio": 0}`) },
			alerts: []expected{
				// 5 % of 500 requests: proved above 1 % by the first run
				// almost always, by the second surely; the 1000-request
				// window holds two runs, so the second clean run resolves.
				{"LoadcronErrorRatioHigh", "critical", sc("errors", "flaky"), [2]int{1, 2}, [2]int{2, 2}},
				{"LoadcronHTTP5xxRatioHigh", "critical", sc("errors", "flaky"), [2]int{1, 1}, [2]int{2, 2}},
			},
		},
		{
			name: "P95 threshold", suite: "slow", hold: 3,
			inject: func(t *testing.T) { slow.faults(`{"extra_latency": "600ms"}`) },
			clear:  func(t *testing.T) { slow.faults(`{"extra_latency": "0s"}`) },
			alerts: []expected{
				// 2 of the last 3 runs: the second slow run pages, the
				// second fast one resolves.
				{"LoadcronP95AboveThreshold", "warning", sc("slow", "latency"), [2]int{2, 2}, [2]int{2, 2}},
				{"LoadcronLatencyRegression", "warning", sc("slow", "latency"), [2]int{2, 2}, [2]int{2, 2}},
			},
		},
		{
			name: "target down", suite: "down", hold: 2, quiet: true,
			inject: func(t *testing.T) { down.stop(t) },
			clear:  func(t *testing.T) { down.start() },
			alerts: []expected{
				// The health check at the start of the first run that
				// finds it down, and of the first that finds it up.
				{"LoadcronTargetDown", "critical", []string{"target", "downsim"}, [2]int{1, 1}, [2]int{1, 1}},
			},
		},
	}
}

// steadyDrill: with 0.5 % of requests failing steadily, no 1 % error-ratio
// alert over at least 30 runs; with 5 %, one page that stays firing.
func steadyDrill(t *testing.T, s *drillStack, start time.Time) {
	runs := waitRuns(t, s.lc, "steady", start, 30)
	var total, failed map[string]int64 = map[string]int64{}, map[string]int64{}
	for _, r := range runs {
		for _, sc := range r.TestResults {
			total[sc.Scenario] += sc.TotalRequests
			failed[sc.Scenario] += sc.TotalRequests - sc.Successful
		}
	}
	for _, sc := range []string{"half", "five"} {
		t.Logf("steady/%s: %d runs, %d of %d requests failed (%.2f%%)", sc, len(runs), failed[sc], total[sc], 100*float64(failed[sc])/float64(total[sc]))
	}
	if r := float64(failed["half"]) / float64(total["half"]); r < 0.002 || r > 0.009 {
		t.Errorf("steady/half failed %.3f%% of its requests; the drill needs about 0.5%%", 100*r)
	}

	// 0.5 %: never pending, never firing, never notified.
	span := time.Since(start) + time.Minute
	if n := countSeriesOver(t, s.prom, `ALERTS{alertname="LoadcronErrorRatioHigh",scenario="half"}`, span); n != 0 {
		t.Errorf("steady/half (0.5%%): LoadcronErrorRatioHigh was active in Prometheus (%d series)", n)
	}
	if occ := s.rec.occurrences(alertMatch("LoadcronErrorRatioHigh", "scenario", "half")); len(occ) > 0 {
		t.Errorf("steady/half (0.5%%): %d notifications of LoadcronErrorRatioHigh", len(occ))
	}

	// 5 %: one page, firing ever since, never resolved.
	_, first := s.rec.await(t, "steady/five paged", "firing", alertMatch("LoadcronErrorRatioHigh", "scenario", "five"), 30*time.Second)
	for _, a := range s.rec.occurrences(alertMatch("LoadcronErrorRatioHigh", "scenario", "five")) {
		if a.Status != "firing" || !a.StartsAt.Equal(first.StartsAt) {
			t.Errorf("steady/five (5%%): notified %s with startsAt %s; want firing since %s, once", a.Status, a.StartsAt.Format(time.TimeOnly), first.StartsAt.Format(time.TimeOnly))
		}
	}
	from := first.StartsAt.Add(2 * time.Second)
	gaps, steps := firingGaps(t, s.prom, `ALERTS{alertname="LoadcronErrorRatioHigh",scenario="five",alertstate="firing"}`, from)
	if gaps > 0 {
		t.Errorf("steady/five (5%%): LoadcronErrorRatioHigh was not firing at %d of %d seconds since it paged", gaps, steps)
	}
	after := 0
	for _, r := range runs {
		if r.FinishedAt.After(first.StartsAt) {
			after++
		}
	}
	t.Logf("steady/five: paged once at %s, firing without a gap for %d runs (%ds) since", first.StartsAt.Format(time.TimeOnly), after, steps)
}

// daemonDrills: a failed config reload and its fix; then the victim is
// killed with SIGKILL while two of its alerts fire: LoadcronDaemonDown
// pages, its alerts are neither resolved nor paged again, and a restart
// (which restores its run windows from history) resolves the page.
func daemonDrills(t *testing.T, s *drillStack) {
	vLabels := []string{"instance", s.vInst}
	errorsFiring := []match{
		alertMatch("LoadcronErrorRatioHigh", vLabels...),
		alertMatch("LoadcronHTTP5xxRatioHigh", vLabels...),
	}
	for _, m := range errorsFiring {
		s.rec.await(t, "the victim's error alerts paged", "firing", m, 30*time.Second)
	}

	// Reload with a config that does not load, then with the good one.
	good := readFile(t, s.vCfg)
	writeFile(t, filepath.Dir(s.vCfg), filepath.Base(s.vCfg), good+"\nno_such_key: 1\n")
	at := time.Now()
	if code, body, err := httpDo("POST", "http://"+s.vInst+"/-/reload", nil); err != nil || code != 500 {
		t.Errorf("reload of a bad config: %d %s %v, want 500", code, body, err)
	}
	m := alertMatch("LoadcronConfigReloadFailed", vLabels...)
	n, _ := s.rec.await(t, "reload failure paged", "firing", m, 30*time.Second)
	r := result{alert: "LoadcronConfigReloadFailed", scope: "victim", page: n.At.Sub(at), pageBound: evalLag + notifyLag, pageRun: "the failed reload"}
	writeFile(t, filepath.Dir(s.vCfg), filepath.Base(s.vCfg), good)
	at = time.Now()
	mustDo(t, "POST", "http://"+s.vInst+"/-/reload", "")
	n, _ = s.rec.await(t, "reload failure resolved", "resolved", m, 30*time.Second)
	r.resolve, r.resolveBound, r.resolveRun = n.At.Sub(at), evalLag+notifyLag, "the good reload"
	s.record(t, r)

	// kill -9.
	killed := time.Now()
	if err := s.victim.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-s.victim.done
	m = alertMatch("LoadcronDaemonDown", vLabels...)
	n, _ = s.rec.await(t, "daemon down paged", "firing", m, 30*time.Second)
	// A failed scrape (≤ 1s) + for (2m scaled to 1s) + evaluation.
	// A failed scrape (≤ 1s) + for (e2eDownFor) + evaluation.
	r = result{alert: "LoadcronDaemonDown", scope: "victim (kill -9)", page: n.At.Sub(killed),
		pageBound: time.Second + e2eDownFor + evalLag + notifyLag, pageRun: "kill -9"}
	s.victim = s.victim.restart(t)
	waitReady(t, s.victim, "http://"+s.vInst+"/-/ready")
	back := time.Now()
	n, _ = s.rec.await(t, "daemon down resolved", "resolved", m, 30*time.Second)
	r.resolve, r.resolveBound, r.resolveRun = n.At.Sub(back), evalLag+notifyLag, "restart"
	s.record(t, r)

	// Three more runs of the restarted victim: its error alerts fire in
	// Prometheus again (windows restored), and Alertmanager never told
	// anyone they had resolved, nor paged them a second time.
	waitRuns(t, "http://"+s.vInst, "victim", back, 3)
	eventually(t, 10*time.Second, "the victim's error alerts firing again", func() (bool, string) {
		firing, err := promFiring(s.prom, s.vInst)
		return err == nil && slices.Contains(firing, "LoadcronErrorRatioHigh") && slices.Contains(firing, "LoadcronHTTP5xxRatioHigh"), fmt.Sprint(firing, err)
	})
	notes, _ := s.rec.all()
	for _, n := range notes {
		if n.At.Before(killed) {
			continue
		}
		for _, a := range n.Alerts {
			for _, m := range errorsFiring {
				if m(a) {
					t.Errorf("%s of the killed daemon notified %s at %s, after the kill", a.Labels["alertname"], a.Status, n.At.Format(time.TimeOnly))
				}
			}
		}
	}
}

// promFiring returns the names of the alerts firing in Prometheus for
// instance.
func promFiring(prom, instance string) ([]string, error) {
	alerts, err := promAlerts(prom)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, a := range alerts {
		if a.State == "firing" && a.Labels["instance"] == instance {
			out = append(out, a.Labels["alertname"])
		}
	}
	return out, nil
}

// checkLinks: the cache-off page links to the run that raised it (through
// the daemon's /runs/last?…&t= redirect, which still leads there after
// newer runs) and to the scenario dashboard with its labels selected.
func checkLinks(t *testing.T, s *drillStack) {
	_, a := s.rec.await(t, "cache-off page", "firing", alertMatch("LoadcronCacheHitRatioLow", "suite", "cache"), 10*time.Second)
	runs, err := runsAfter(s.lc, "cache", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	var fired runReport
	for _, r := range runs {
		if !r.FinishedAt.After(a.StartsAt.Add(500 * time.Millisecond)) {
			fired = r
		}
	}
	runURL := a.Annotations["run_url"]
	if !strings.HasPrefix(runURL, s.lc+"/runs/last?suite=cache&scenario=cached&t=") {
		t.Fatalf("run_url %q: want %s/runs/last?suite=cache&scenario=cached&t=…", runURL, s.lc)
	}
	noFollow := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(runURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	want := s.lc + "/runs/" + fired.RunID + "#scenario-cached"
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != want {
		t.Errorf("run_url %s: %d → %q; want 302 → %q (the run that raised the alert)", runURL, resp.StatusCode, resp.Header.Get("Location"), want)
	}
	if code, _, err := httpDo("GET", want, nil); err != nil || code != 200 {
		t.Errorf("run page %s: %d %v", want, code, err)
	}
	dash := "https://grafana.example/d/loadcron-scenario?var-job=loadcron&var-instance=" + url.QueryEscape(s.lcInst) +
		"&var-suite=cache&var-scenario=cached&var-target=cachesim"
	if a.Annotations["dashboard_url"] != dash {
		t.Errorf("dashboard_url %q, want %q", a.Annotations["dashboard_url"], dash)
	}
	t.Logf("the page links to %s (run %s) and %s", runURL, fired.RunID, a.Annotations["dashboard_url"])
}
