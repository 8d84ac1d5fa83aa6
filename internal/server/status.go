package server

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/loadcron/loadcron/internal/report"
	"github.com/loadcron/loadcron/internal/stats"
)

// Status is what the status page shows; the daemon builds it on each
// request through Options.Status.
type Status struct {
	// Version is loadcron's version.
	Version string
	// ConfigHash identifies the config in force (as loadcron_config_info).
	ConfigHash string
	// Suites in config order.
	Suites []SuiteStatus
}

// SuiteStatus is one suite on the status page.
type SuiteStatus struct {
	// Name and Schedule (the cron spec) as configured.
	Name, Schedule string
	// Next is the next scheduled run; zero when none is scheduled.
	Next time.Time
	// Running is true while a run of the suite is in progress.
	Running bool
	// Last is the suite's latest report; nil before the first run. Not
	// modified.
	Last *report.Report
}

// statusPage serves GET /: the status page.
func (s *Server) statusPage(w http.ResponseWriter, _ *http.Request) {
	var st Status
	if s.opts.Status != nil {
		st = s.opts.Status()
	}
	s.writePage(w, http.StatusOK, "status", s.statusView(st, newLinker(s.links(), "./")))
}

// statusView is what status.html renders: the daemon's Status with every
// reason, link and chart worked out.
type statusView struct {
	Title               string
	Refresh             bool
	Version, ConfigHash string
	L                   linker
	Suites              []suiteView
}

// suiteView is one suite on the status page.
type suiteView struct {
	SuiteStatus
	// Dashboard is the suite's Grafana overview ("" without grafana_url).
	Dashboard string
	// Recent are the suite's last runs, oldest first, as status dots
	// linking to their run pages.
	Recent    []runDot
	Scenarios []scenarioView
}

// runDot is one recent run.
type runDot struct {
	Link, Class, Title string
}

// scenarioView is one scenario of a suite's last run.
type scenarioView struct {
	report.ScenarioResult
	// ID is the scenario's anchor on the status page (unique across suites).
	ID string
	// RunLink is the scenario's section of the run page; Dashboard its
	// Grafana dashboard ("" without grafana_url).
	RunLink, Dashboard string
	Violations         []violationView
	// Causes are the top causes; OtherFailures counts the failures of the
	// rest.
	Causes        []stats.Cause
	OtherFailures int64
	Codes         string
	Charts        []Chart
}

// violationView is one violation as the page shows it.
type violationView struct {
	Text     string
	Critical bool
}

// pageCauses is how many causes a scenario shows on the status page (the
// run page and the API have them all).
const pageCauses = 3

func (s *Server) statusView(st Status, l linker) statusView {
	v := statusView{Title: "loadcron", Refresh: true, Version: st.Version, ConfigHash: st.ConfigHash, L: l}
	for _, su := range st.Suites {
		sv := suiteView{SuiteStatus: su}
		var runs []*report.Report
		if s.opts.Runs != nil {
			runs = s.opts.Runs.List(su.Name, TrendRuns)
			slices.Reverse(runs) // oldest first
		}
		for _, r := range runs {
			sv.Recent = append(sv.Recent, runDot{
				Link: l.Run(r.RunID), Class: statusClass(r.Status),
				Title: r.RunID + ": " + string(r.Status) + ", " + formatTime(r.StartedAt),
			})
		}
		if last := su.Last; last != nil {
			sv.Dashboard = l.SuiteDashboard(su.Name, last.StartedAt, last.FinishedAt)
			for _, sr := range last.TestResults {
				sv.Scenarios = append(sv.Scenarios, scenarioViewOf(l, last, sr, runs))
			}
		} else {
			sv.Dashboard = l.SuiteDashboard(su.Name, time.Time{}, time.Time{})
		}
		v.Suites = append(v.Suites, sv)
	}
	return v
}

func scenarioViewOf(l linker, r *report.Report, sr report.ScenarioResult, runs []*report.Report) scenarioView {
	sc := scenarioView{
		ScenarioResult: sr,
		ID:             "s-" + strings.TrimPrefix(ScenarioAnchor(r.Suite), "scenario-") + "-" + ScenarioAnchor(sr.Scenario),
		RunLink:        l.RunScenario(r.RunID, sr.Scenario),
		Dashboard:      l.ScenarioDashboard(r.Suite, sr.Scenario, r.StartedAt, r.FinishedAt),
		Codes:          report.CodeList(sr.StatusCodes),
		Charts:         scenarioTrends(runs, sr.Scenario),
	}
	for _, viol := range sr.Violations {
		sc.Violations = append(sc.Violations, violationView{Text: report.ViolationText(viol), Critical: viol.Critical})
	}
	sc.Causes = sr.ErrorCauses[:min(pageCauses, len(sr.ErrorCauses))]
	sc.OtherFailures = sr.OtherFailures(pageCauses)
	return sc
}

// statusClass maps a status to the CSS class of its colour; unknown values
// get the neutral one.
func statusClass(s stats.Status) string {
	switch s {
	case stats.StatusPassed, stats.StatusWarning, stats.StatusFailed, stats.StatusError:
		return "st-" + string(s)
	default:
		return "st-unknown"
	}
}

// formatTime shows t in UTC to the second; "—" for the zero time.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

// untilText says how far t is from now ("in 2m30s", "due"); "" for the
// zero time.
func untilText(t, now time.Time) string {
	if t.IsZero() {
		return ""
	}
	d := t.Sub(now).Round(time.Second)
	if d <= 0 {
		return "due"
	}
	return "in " + d.String()
}
