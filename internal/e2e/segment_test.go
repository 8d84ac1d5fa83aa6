package e2e

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// segmentConfig is one suite run once at start (and then only on 1
// January): a closed scenario of 7 users × 3 requests (21) and an open one
// of 50 requests/s for 2s (100), against url.
func segmentConfig(url string) string {
	return fmt.Sprintf(`
targets:
  chat:
    url: %q
suites:
  seg:
    schedule: "0 0 1 1 *"
    scenarios:
      - name: closed
        target: chat
        users: 7
        requests_per_user: 3
        request: &req
          method: POST
          path: /api/chat
          headers: {Content-Type: application/json}
          body: '{"message": {{json .Query}}}'
          queries: ["What is your refund policy?", "How do I reset my password?"]
        checks: {status: [200], json_field: reply}
      - name: open
        target: chat
        rate: 50
        duration: 2s
        request: *req
        checks: {status: [200], json_field: reply}
server:
  run_on_start: true
`, url)
}

// segmentTotals are the requests segmentConfig plans per scenario.
var segmentTotals = map[string]int64{"closed": 7 * 3, "open": 50 * 2}

// TestE2ESegments runs three `loadcron serve --segment i/3` replicas of
// one config against one chatsim, scraped by a real Prometheus: their
// requests must add up exactly to the configured totals, in Prometheus and
// at chatsim.
func TestE2ESegments(t *testing.T) {
	skipUnlessE2E(t)
	t.Parallel()
	tool(t, "prometheus")
	bin := binaries(t)
	dir := t.TempDir()

	sim := startChatsim(t, dir, filepath.Join(bin, "chatsim"),
		"--uncached-latency", "20ms", "--cached-latency", "2ms", "--max-concurrent", "0")
	cfg := segmentConfig(sim.url())
	const n = 3
	addrs := make([]string, n)
	for i := range n {
		seg := fmt.Sprintf("%d/%d", i, n)
		_, addrs[i] = startLoadcron(t, dir, filepath.Join(bin, "loadcron"), "loadcron-"+strconv.Itoa(i), cfg, "--segment", seg)
	}
	prom := startPrometheus(t, dir, "prometheus", promConfig(addrs, nil, ""))

	// Each replica runs the suite exactly once, at start.
	perReplica := make([]map[string]int64, n)
	for i, a := range addrs {
		eventually(t, 60*time.Second, "replica "+strconv.Itoa(i)+" finished its run", func() (bool, string) {
			runs, err := loadcronRuns("http://"+a, "seg")
			if err != nil {
				return false, err.Error()
			}
			return len(runs) == 1, fmt.Sprintf("%d runs", len(runs))
		})
		runs, err := loadcronRuns("http://"+a, "seg")
		if err != nil {
			t.Fatal(err)
		}
		perReplica[i] = map[string]int64{}
		for _, r := range runs[0].TestResults {
			perReplica[i][r.Scenario] = r.TotalRequests
		}
		t.Logf("replica %d/%d: run %s %s, requests %v", i, n, runs[0].RunID, runs[0].Status, perReplica[i])
	}
	// The suite's last-run timestamp is set after every request of the
	// run was counted: once Prometheus has it from all three replicas, its
	// counters are final.
	eventually(t, 30*time.Second, "Prometheus scraped every finished run", func() (bool, string) {
		v, err := promVector(prom, `count(loadcron_suite_last_run_timestamp_seconds{suite="seg"} > 0)`)
		if err != nil {
			return false, err.Error()
		}
		return len(v) == 1 && v[0].value() == strconv.Itoa(n), fmt.Sprintf("%v", v)
	})

	v, err := promVector(prom, `sum by (scenario) (loadcron_requests_total{suite="seg"})`)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, s := range v {
		got[s.Metric["scenario"]] = s.value()
	}
	var grand int64
	for sc, want := range segmentTotals {
		grand += want
		if got[sc] != strconv.FormatInt(want, 10) {
			t.Errorf("Prometheus: sum by (scenario) (loadcron_requests_total){scenario=%q} = %q, want %d", sc, got[sc], want)
		}
		var reported int64
		for i := range n {
			reported += perReplica[i][sc]
		}
		if reported != want {
			t.Errorf("scenario %s: the replicas' reports add up to %d requests, want %d", sc, reported, want)
		}
	}
	if len(got) != len(segmentTotals) {
		t.Errorf("Prometheus has scenarios %v, want exactly %v", got, segmentTotals)
	}
	// Every replica did a share of every scenario, and no instance is
	// missing from the sum.
	v, err = promVector(prom, `count by (scenario) (sum by (instance, scenario) (loadcron_requests_total{suite="seg"}) > 0)`)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range v {
		if s.value() != strconv.Itoa(n) {
			t.Errorf("scenario %s: %s replicas sent requests, want %d", s.Metric["scenario"], s.value(), n)
		}
	}
	st := sim.stats()
	if st.Received != uint64(grand) || st.InFlight != 0 {
		t.Errorf("chatsim received %d (in flight %d), want exactly %d", st.Received, st.InFlight, grand)
	}
	if ok := st.ByStatus[200]; ok != uint64(grand) {
		t.Errorf("chatsim answered 200 to %d requests, want %d (by status %v)", ok, grand, st.ByStatus)
	}
	if t.Failed() {
		t.Logf("Prometheus: %s", strings.TrimSpace(fmt.Sprint(got)))
	}
}
