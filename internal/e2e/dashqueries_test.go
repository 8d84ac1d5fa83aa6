package e2e

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/loadcron/loadcron/internal/promqlcheck"
)

// emptyOK is a dashboard query that may return nothing, by a substring of
// the query, with the reason; fix says how the dashboard should change (an
// entry with a fix is a known defect, to be removed once the dashboard is
// fixed).
type emptyOK struct{ query, reason, fix string }

// mayBeEmpty lists the queries that may return nothing in any stack.
var mayBeEmpty = []emptyOK{
	// Annotation "Failed runs" marks failed runs only.
	{`== 0) and changes(`, "an annotation of failed runs", ""},
	// Live series exist once what they count has happened (issue 11): a
	// healthy run has no error kinds, and a closed-model scenario no drops.
	{`loadcron_request_errors_total`, "no request has failed yet", ""},
	{`loadcron_dropped_requests_total`, "no open-model request was dropped (or the scenario is closed-model)", ""},
	{`loadcron_estimated_cost_total`, "a target without cost_per_uncached_request has no cost series", ""},
	{`loadcron_estimated_savings_total`, "a target without cost_per_uncached_request has no cost series", ""},
	// The streaming panels read series of streamed scenarios (request.stream)
	// only; this stack's suite does not stream. TestE2EStreamExemplarsPush
	// runs every one of them against a suite that does.
	{`stream_`, "streaming panels: this suite does not stream (checked in TestE2EStreamExemplarsPush)", ""},
	{`max_p95_first_event`, "streaming threshold: this suite does not stream (checked in TestE2EStreamExemplarsPush)", ""},
	{`max_p95_event_gap`, "streaming threshold: this suite does not stream (checked in TestE2EStreamExemplarsPush)", ""},
}

// allVars sets every template variable of the dashboards (job, instance,
// suite, scenario, target) to their "All" (.+).
var allVars = map[string]string{"job": ".+", "instance": ".+", "suite": ".+", "scenario": ".+", "target": ".+"}

// expandVars replaces the dashboards' own variables ($instance, …) by
// vars, then the interval variables by promqlcheck.Substitute.
func expandVars(q string, vars map[string]string) string {
	for name, v := range vars {
		q = strings.ReplaceAll(q, "${"+name+"}", v)
		q = strings.ReplaceAll(q, "$"+name, v)
	}
	return promqlcheck.Substitute(q)
}

// checkDashboardQueries runs every PromQL query of dashboards/*.json
// against prom, with every variable at "All" and at sel — panels as
// instant queries, annotations over the last two minutes — and fails for
// each that returns no data, unless listed in mayBeEmpty or also. Results
// made only of NaN (a quantile of an empty histogram) are data, and
// logged.
func checkDashboardQueries(t *testing.T, prom string, sel map[string]string, also ...emptyOK) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(moduleRoot, "dashboards", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no dashboards: %v", err)
	}
	total, empty := 0, 0
	for _, f := range files {
		exprs, err := promqlcheck.FromDashboard(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range exprs {
			for _, vars := range []map[string]string{allVars, sel} {
				total++
				q := expandVars(e.Query, vars)
				// Grafana evaluates annotations over the dashboard's time
				// range, panels here at the current instant.
				rangeQuery := strings.Contains(e.Source, ": annotation ")
				n, nan, err := countSeries(prom, q, rangeQuery)
				switch {
				case err != nil:
					t.Errorf("%s: %v", e.Source, err)
				case n == 0 && allowedEmpty(e.Query, also) != "":
					empty++
					t.Logf("no data, accepted (%s): %s\n  %s", allowedEmpty(e.Query, also), e.Source, q)
				case n == 0:
					t.Errorf("no data in a healthy stack: %s\n  %s", e.Source, q)
				case nan == n:
					t.Logf("only NaN (an empty histogram's quantile): %s (scenario=%s)", e.Source, vars["scenario"])
				}
			}
		}
	}
	t.Logf("dashboard queries: %d run, %d accepted as empty", total, empty)
}

// allowedEmpty returns why q may be empty ("" if it may not).
func allowedEmpty(q string, also []emptyOK) string {
	for _, m := range append(slices.Clone(mayBeEmpty), also...) {
		if strings.Contains(q, m.query) {
			if m.fix != "" {
				return m.reason + "; KNOWN DASHBOARD DEFECT, fix: " + m.fix
			}
			return m.reason
		}
	}
	return ""
}

// countSeries runs q, as an instant query or over the last 2 minutes, and
// returns how many series (or 1 for a scalar) it returned, and how many of
// them are NaN.
func countSeries(prom, q string, overRange bool) (n, nan int, err error) {
	var r promResult
	if overRange {
		r, err = promQueryRange(prom, q, 2*time.Minute)
	} else {
		r, err = promQuery(prom, q)
	}
	if err != nil {
		return 0, 0, err
	}
	switch r.ResultType {
	case "scalar", "string":
		return 1, 0, nil
	case "matrix":
		var m []json.RawMessage
		err = json.Unmarshal(r.Result, &m)
		return len(m), 0, err
	}
	var v []promSample
	if err := json.Unmarshal(r.Result, &v); err != nil {
		return 0, 0, err
	}
	for _, s := range v {
		if s.value() == "NaN" {
			nan++
		}
	}
	return len(v), nan, nil
}
