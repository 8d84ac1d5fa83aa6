package server

import (
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Dashboard uids and variables of dashboards/ (a test checks they still
// exist there).
const (
	DashboardOverview = "loadcron-overview"
	DashboardScenario = "loadcron-scenario"
)

// grafanaSlack widens a run's time range on a dashboard link, so the panels
// show the run with some context on both sides.
const grafanaSlack = 15 * time.Minute

// LinkBase is where links point. Both are optional config keys
// (server.external_url, server.grafana_url); they follow reloads.
type LinkBase struct {
	// ExternalURL makes links absolute ("https://ops.example/loadcron");
	// empty: links relative to the page (the API: to the server root).
	ExternalURL string
	// GrafanaURL is the Grafana holding dashboards/; empty: no dashboard
	// links.
	GrafanaURL string
}

// linker builds every URL the pages and the API show, from one root:
// "<external_url>/" when configured, else a path relative to the page
// ("./" on the status page, "../" on a run page, "/" in the API).
//
// URL shapes (documented in README.md; alert annotations rely on them):
//
//	<root>runs/<run id>                              the run page
//	<root>runs/<run id>#scenario-<slug>              one scenario on it
//	<root>api/v1/runs/<run id>                       the report as JSON
//	<grafana>/d/loadcron-overview?var-suite=<suite>&from=<ms>&to=<ms>
//	<grafana>/d/loadcron-scenario?var-suite=<suite>&var-scenario=<name>&from=<ms>&to=<ms>
//
// The alert rules build the one other shape, <external_url>/runs/last?…
// (lastRun serves it), in their own templates.
type linker struct {
	root    string
	grafana string
}

// newLinker returns the linker for a page whose path to the server root
// is relative (e.g. "./"), honouring base.
func newLinker(base LinkBase, relative string) linker {
	l := linker{root: relative, grafana: strings.TrimSuffix(base.GrafanaURL, "/")}
	if base.ExternalURL != "" {
		l.root = strings.TrimSuffix(base.ExternalURL, "/") + "/"
	}
	return l
}

// Run is the run page of runID.
func (l linker) Run(runID string) string { return l.root + "runs/" + url.PathEscape(runID) }

// RunScenario is scenario's section of the run page.
func (l linker) RunScenario(runID, scenario string) string {
	return l.Run(runID) + "#" + ScenarioAnchor(scenario)
}

// RunJSON is the report of runID in the API.
func (l linker) RunJSON(runID string) string { return l.root + "api/v1/runs/" + url.PathEscape(runID) }

// History is the suite's reports in the API.
func (l linker) History(suite string) string {
	return l.root + "api/v1/runs?" + url.Values{"suite": {suite}}.Encode()
}

// Root is the status page.
func (l linker) Root() string { return l.root }

// Path is another path under the root ("metrics", "api/v1/runs").
func (l linker) Path(p string) string { return l.root + p }

// SuiteDashboard is the overview dashboard for suite, around [from, to]
// when they are set; "" without a Grafana URL.
func (l linker) SuiteDashboard(suite string, from, to time.Time) string {
	if l.grafana == "" {
		return ""
	}
	q := url.Values{"var-suite": {suite}}
	timeRange(q, from, to)
	return l.grafana + "/d/" + DashboardOverview + "?" + q.Encode()
}

// ScenarioDashboard is the per-scenario dashboard; "" without a Grafana
// URL.
func (l linker) ScenarioDashboard(suite, scenario string, from, to time.Time) string {
	if l.grafana == "" {
		return ""
	}
	q := url.Values{"var-suite": {suite}, "var-scenario": {scenario}}
	timeRange(q, from, to)
	return l.grafana + "/d/" + DashboardScenario + "?" + q.Encode()
}

// timeRange sets Grafana's from and to (Unix milliseconds) around a run.
func timeRange(q url.Values, from, to time.Time) {
	if from.IsZero() || to.IsZero() {
		return
	}
	q.Set("from", strconv.FormatInt(from.Add(-grafanaSlack).UnixMilli(), 10))
	q.Set("to", strconv.FormatInt(to.Add(grafanaSlack).UnixMilli(), 10))
}

// ScenarioAnchor is the id of a scenario's section on the run and status
// pages: "scenario-" and the name in lower case with every run of other
// characters than letters and digits turned into one "-"
// ("Baseline: Single User" → "scenario-baseline-single-user").
func ScenarioAnchor(name string) string {
	var b strings.Builder
	b.WriteString("scenario-")
	dash := false
	for _, r := range strings.ToLower(name) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if dash && b.Len() > len("scenario-") {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
			continue
		}
		dash = true
	}
	return b.String()
}
