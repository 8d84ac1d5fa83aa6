package e2e

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loadcron/loadcron/alerts"
)

// e2eRules writes the rules a user with this stack's schedule would
// generate (go run ./alerts/gen -interval <schedule>), time-compressed by
// scaleFor(schedule) (timescale_test.go), and returns the file's path.
//
// The daemon alerts wait for `up` over -down-for; production's 2m is two
// scrapes of a minute and covers a Prometheus restart. The e2e scrapes
// every second, uncompressed, and Prometheus 2.42 applies new scrape
// targets every 5 seconds, so its first `up` may come 5s after it starts:
// 2m compressed (under a second) would page LoadcronDaemonAbsent at every
// start. The e2e asks for a -down-for that compresses to e2eDownFor.
func e2eRules(t *testing.T, dir string, schedule time.Duration) string {
	t.Helper()
	p := alerts.DefaultParams()
	p.Interval = schedule
	p.DownFor = e2eDownFor * time.Duration(scaleFor(schedule))
	text, err := alerts.Render(p)
	if err != nil {
		t.Fatal(err)
	}
	fast, n, err := rewriteRuleTiming(string(text), scaleFor(schedule))
	if err != nil || n == 0 {
		t.Fatalf("rewriting the rules' timing: %d durations, %v", n, err)
	}
	return writeFile(t, dir, "loadcron.rules.yml", fast)
}

// e2eDownFor is the e2e's `for:` of the daemon alerts (see e2eRules).
const e2eDownFor = 8 * time.Second

// drill is one fault on one suite: how to start and end it, how many runs
// it lasts, and the alerts it must raise.
type drill struct {
	name    string
	suite   string
	inject  func(*testing.T)
	clear   func(*testing.T)
	hold    int  // faulty runs before the fault is cleared
	quiet   bool // no alert of the suite's scenarios may notify (they are inhibited)
	alerts  []expected
	faultAt time.Time
	clearAt time.Time
}

// expected is an alert a drill must raise, and the run (1-based, counted
// from the first run that saw the fault, or from the first run after it
// was cleared) at which it must page and resolve: [earliest, latest].
type expected struct {
	alert    string
	severity string
	labels   []string // label pairs that identify the alert instance
	page     [2]int
	resolve  [2]int
}

func (e expected) match() match { return alertMatch(e.alert, e.labels...) }

// result is one alert's measured time to page and to resolve, against its
// bound.
type result struct {
	alert, scope          string
	page, pageBound       time.Duration
	pageRun               string
	resolve, resolveBound time.Duration
	resolveRun            string
}

var resultsMu sync.Mutex

func (s *drillStack) record(t *testing.T, r result) {
	t.Helper()
	if r.page > r.pageBound {
		t.Errorf("%s (%s): paged %s after %s, bound %s", r.alert, r.scope, r.page.Round(100*time.Millisecond), r.pageRun, r.pageBound)
	}
	if r.resolve > r.resolveBound {
		t.Errorf("%s (%s): resolved %s after %s, bound %s", r.alert, r.scope, r.resolve.Round(100*time.Millisecond), r.resolveRun, r.resolveBound)
	}
	resultsMu.Lock()
	defer resultsMu.Unlock()
	s.results = append(s.results, r)
}

// logResults prints the measured times as a table (the figures
// internal/e2e/README.md quotes).
func logResults(t *testing.T, rs []result) {
	var b strings.Builder
	fmt.Fprintf(&b, "\n| alert | drill | time to page | bound | paged at | time to resolve | bound | resolved at |\n|---|---|---|---|---|---|---|---|\n")
	for _, r := range rs {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", r.alert, r.scope,
			r.page.Round(100*time.Millisecond), r.pageBound, r.pageRun,
			r.resolve.Round(100*time.Millisecond), r.resolveBound, r.resolveRun)
	}
	t.Log(b.String())
}

// runDrills runs the drills at once (each on its own suite and target):
// every fault is injected between two runs of its suite, held for its
// runs, cleared between two runs; then each expected alert's page and
// resolve are checked against the runs that caused them.
func runDrills(t *testing.T, s *drillStack, drills []*drill) {
	betweenRuns(t, s, drills, "inject the faults", func(d *drill) {
		d.inject(t)
		d.faultAt = time.Now()
	})
	for _, d := range drills {
		for _, e := range d.alerts {
			s.rec.await(t, d.name+": "+e.alert+" paged", "firing", e.match(), 60*time.Second)
		}
		waitRuns(t, s.lc, d.suite, d.faultAt, d.hold)
	}
	betweenRuns(t, s, drills, "clear the faults", func(d *drill) {
		d.clear(t)
		d.clearAt = time.Now()
	})
	for _, d := range drills {
		for _, e := range d.alerts {
			s.rec.await(t, d.name+": "+e.alert+" resolved", "resolved", e.match(), 60*time.Second)
		}
	}
	for _, d := range drills {
		for _, e := range d.alerts {
			s.checkBounds(t, d, e)
		}
		if d.quiet {
			// Inhibition through recovery: three more runs after the
			// first healthy one, and not one notification of the suite's
			// scenario alerts since the fault began.
			waitRuns(t, s.lc, d.suite, d.clearAt, 4)
			for _, n := range mustNotes(s.rec) {
				for _, a := range n.Alerts {
					if a.Labels["suite"] == d.suite && n.At.After(d.faultAt) {
						t.Errorf("%s: %s of %s notified %s at %s, during the outage or its recovery", d.name, a.Labels["alertname"], a.Labels["scenario"], a.Status, n.At.Format(time.TimeOnly))
					}
				}
			}
			if runs := waitRuns(t, s.lc, d.suite, d.faultAt, 1); runs[0].TestResults[0].TotalRequests != 0 {
				t.Errorf("%s: the first run after the fault sent %d requests: the target went down during a run, not between two", d.name, runs[0].TestResults[0].TotalRequests)
			}
		}
	}
}

func mustNotes(r *recorder) []notification {
	n, _ := r.all()
	return n
}

// betweenRuns calls fn for each drill as soon as a run of its suite has
// finished (within a poll of 250ms): the next run starts a whole schedule
// interval after the previous one started, so the fault starts or ends
// between two runs, and every run is either faulty or not.
func betweenRuns(t *testing.T, s *drillStack, drills []*drill, what string, fn func(*drill)) {
	t.Helper()
	last := map[*drill]time.Time{}
	for _, d := range drills {
		runs, err := loadcronRuns(s.lc, d.suite)
		if err != nil {
			t.Fatal(err)
		}
		if len(runs) > 0 {
			last[d] = runs[0].FinishedAt
		}
	}
	done := map[*drill]bool{}
	eventually(t, 30*time.Second, what, func() (bool, string) {
		for _, d := range drills {
			if done[d] {
				continue
			}
			runs, err := loadcronRuns(s.lc, d.suite)
			if err != nil {
				return false, err.Error()
			}
			if len(runs) > 0 && runs[0].FinishedAt.After(last[d]) {
				fn(d)
				done[d] = true
			}
		}
		return len(done) == len(drills), fmt.Sprintf("%d of %d", len(done), len(drills))
	})
}

// waitRuns waits until suite has n finished runs that started after t0,
// and returns them, oldest first.
func waitRuns(t *testing.T, base, suite string, t0 time.Time, n int) []runReport {
	t.Helper()
	var got []runReport
	eventually(t, time.Duration(n)*drillSchedule+60*time.Second, fmt.Sprintf("%d runs of %s", n, suite), func() (bool, string) {
		var err error
		got, err = runsAfter(base, suite, t0)
		return err == nil && len(got) >= n, fmt.Sprintf("%d runs, %v", len(got), err)
	})
	return got
}

// runsAfter returns suite's finished runs that started after t0, oldest
// first.
func runsAfter(base, suite string, t0 time.Time) ([]runReport, error) {
	runs, err := loadcronRuns(base, suite)
	if err != nil {
		return nil, err
	}
	var out []runReport
	for _, r := range runs {
		if r.StartedAt.After(t0) {
			out = append(out, r)
		}
	}
	slices.Reverse(out)
	return out, nil
}

// checkBounds checks when e paged and resolved against the runs of d:
// the alert became active (startsAt) after the run it must page at and
// within evalLag of it, and its page reached the webhook within the bound;
// likewise for the resolve (endsAt) after the clear.
func (s *drillStack) checkBounds(t *testing.T, d *drill, e expected) {
	t.Helper()
	faulty, err := runsAfter(s.lc, d.suite, d.faultAt)
	if err != nil {
		t.Fatal(err)
	}
	healthy, err := runsAfter(s.lc, d.suite, d.clearAt)
	if err != nil {
		t.Fatal(err)
	}
	n, a, ok := s.rec.first("firing", e.match())
	n2, a2, ok2 := s.rec.first("resolved", e.match())
	if !ok || !ok2 || len(faulty) == 0 || len(healthy) == 0 {
		t.Fatalf("%s: %s: paged %v, resolved %v, %d faulty and %d healthy runs", d.name, e.alert, ok, ok2, len(faulty), len(healthy))
	}
	if a.Labels["severity"] != e.severity {
		t.Errorf("%s: %s has severity %q, want %q", d.name, e.alert, a.Labels["severity"], e.severity)
	}
	r := result{alert: e.alert, scope: d.name}
	var k int
	r.page, r.pageBound, k = runBound(t, d.name+": "+e.alert+" paged", faulty, a.StartsAt, n.At, e.page)
	r.pageRun = fmt.Sprintf("run %d of the fault (allowed %d–%d)", k, e.page[0], e.page[1])
	r.resolve, r.resolveBound, k = runBound(t, d.name+": "+e.alert+" resolved", healthy, a2.EndsAt, n2.At, e.resolve)
	r.resolveRun = fmt.Sprintf("healthy run %d (allowed %d–%d)", k, e.resolve[0], e.resolve[1])
	s.record(t, r)
}

// runBound finds the run after which an alert changed state at `at` (the
// alert's startsAt or endsAt): the last of runs finished by then. It fails
// unless that is run allowed[0]..allowed[1] (1-based) and the change came
// within evalLag of it. It returns the time from the first run's end to
// the notification, and the bound for it: the end of run allowed[1] plus
// evalLag and notifyLag.
func runBound(t *testing.T, what string, runs []runReport, at, notified time.Time, allowed [2]int) (took, bound time.Duration, k int) {
	t.Helper()
	// A scenario's figures are published a moment before its suite run
	// is marked finished.
	const early = 500 * time.Millisecond
	for k < len(runs) && !runs[k].FinishedAt.After(at.Add(early)) {
		k++
	}
	if k < allowed[0] || k > allowed[1] {
		var ends []string
		for _, r := range runs {
			ends = append(ends, r.FinishedAt.Format("15:04:05.000")+" "+r.Status)
		}
		t.Errorf("%s at %s, after run %d; want after run %d–%d (runs finished %v)", what, at.Format("15:04:05.000"), k, allowed[0], allowed[1], ends)
	} else if lag := at.Sub(runs[k-1].FinishedAt); lag > evalLag {
		t.Errorf("%s %s after run %d finished, more than %s", what, lag, k, evalLag)
	}
	last := min(allowed[1], len(runs)) - 1
	return notified.Sub(runs[0].FinishedAt), runs[last].FinishedAt.Sub(runs[0].FinishedAt) + evalLag + notifyLag, k
}

// countSeriesOver returns how many series q returned at any time in the
// last span.
func countSeriesOver(t *testing.T, prom, q string, span time.Duration) int {
	t.Helper()
	r, err := promQueryRange(prom, q, span)
	if err != nil {
		t.Fatal(err)
	}
	var m []json.RawMessage
	if err := json.Unmarshal(r.Result, &m); err != nil {
		t.Fatal(err)
	}
	return len(m)
}

// firingGaps evaluates q (one alert's ALERTS series) every second from
// from to two seconds ago, and returns at how many of those steps it had
// no sample, and how many steps there were: the rule engine marks an
// alert's series stale as soon as it stops firing, so a gap is a resolve.
func firingGaps(t *testing.T, prom, q string, from time.Time) (gaps, steps int) {
	t.Helper()
	end := time.Now().Add(-2 * time.Second)
	var body struct {
		Status string `json:"status"`
		Data   struct {
			Result []struct {
				Values [][2]any `json:"values"`
			} `json:"result"`
		} `json:"data"`
	}
	u := fmt.Sprintf("%s/api/v1/query_range?query=%s&start=%d&end=%d&step=1", prom, url.QueryEscape(q), from.Unix(), end.Unix())
	if err := getJSON(u, &body); err != nil {
		t.Fatal(err)
	}
	steps = int(end.Unix()-from.Unix()) + 1
	seen := 0
	for _, s := range body.Data.Result {
		seen += len(s.Values)
	}
	return steps - seen, steps
}

// readFile returns the content of path.
func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
