package e2e

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// scope is what an alert is about, which decides its labels.
type scope int

const (
	perScenario scope = iota // suite, scenario, target, instance, job
	perTarget                // target, instance, job; no scenario
	perDaemon                // instance, job; no target or scenario
	global                   // no instance: an absent() alert
)

// wantAlert is an alert a degradation must raise in Alertmanager: its
// severity, what it is about, and for a per-scenario alert the scenarios it
// must arrive for. The receiver follows from the severity (shipped
// routing).
type wantAlert struct {
	name      string
	severity  string
	scope     scope
	scenarios []string
}

// receiverFor is the shipped routing: critical to "pager", warning to
// "ticket", info to "null" (no notification).
func receiverFor(severity string) string {
	switch severity {
	case "critical":
		return "pager"
	case "info":
		return "null"
	}
	return "ticket"
}

// keys name the expected alert instances, like alertKey.
func (w wantAlert) keys() []string {
	if w.scope != perScenario {
		return []string{w.name}
	}
	var ks []string
	for _, s := range w.scenarios {
		ks = append(ks, w.name+"/"+s)
	}
	return ks
}

// checkLabels returns what is wrong with a's labels and routing for w.
func (w wantAlert) checkLabels(a amAlert) []string {
	want := map[string]string{"alertname": w.name, "severity": w.severity}
	var absent []string
	switch w.scope {
	case perScenario:
		want["suite"], want["target"], want["job"] = e2eSuite, e2eTarget, "loadcron"
	case perTarget:
		want["target"], want["job"] = e2eTarget, "loadcron"
		absent = []string{"suite", "scenario"}
	case perDaemon:
		want["job"] = "loadcron"
		absent = []string{"suite", "scenario", "target"}
	case global:
		absent = []string{"instance", "job", "suite", "scenario", "target"}
	}
	var bad []string
	for k, v := range want {
		if a.Labels[k] != v {
			bad = append(bad, fmt.Sprintf("label %s=%q, want %q", k, a.Labels[k], v))
		}
	}
	for _, k := range absent {
		if a.Labels[k] != "" {
			bad = append(bad, fmt.Sprintf("unexpected label %s=%q", k, a.Labels[k]))
		}
	}
	if w.scope != global && a.Labels["instance"] == "" {
		bad = append(bad, "no instance label")
	}
	if a.Annotations["summary"] == "" || a.Annotations["runbook_url"] == "" {
		bad = append(bad, "missing summary or runbook_url annotation")
	}
	if len(a.Receivers) != 1 || a.Receivers[0].Name != receiverFor(w.severity) {
		bad = append(bad, fmt.Sprintf("receivers %v, want [%s]", a.Receivers, receiverFor(w.severity)))
	}
	return bad
}

// alertKey names an Alertmanager alert like wantAlert.keys.
func alertKey(a amAlert) string {
	if s := a.Labels["scenario"]; s != "" {
		return a.Labels["alertname"] + "/" + s
	}
	return a.Labels["alertname"]
}

// awaitAlerts polls Alertmanager until every expected alert instance has
// been seen active, checking its labels and routing when first seen.
// Instances are collected across polls: a per-run alert may resolve at a
// run that happens to be clean and fire again at the next.
func awaitAlerts(t *testing.T, am string, want []wantAlert, timeout time.Duration) {
	t.Helper()
	byName := map[string]wantAlert{}
	missing := map[string]bool{}
	for _, w := range want {
		byName[w.name] = w
		for _, k := range w.keys() {
			missing[k] = true
		}
	}
	eventually(t, timeout, fmt.Sprintf("%d alerts in Alertmanager", len(missing)), func() (bool, string) {
		alerts, err := amAlerts(am)
		if err != nil {
			return false, err.Error()
		}
		for _, a := range alerts {
			w, ok := byName[a.Labels["alertname"]]
			k := alertKey(a)
			if !ok || !missing[k] {
				continue
			}
			if bad := w.checkLabels(a); len(bad) > 0 {
				t.Errorf("alert %s: %s (labels %v)", k, strings.Join(bad, "; "), a.Labels)
			}
			delete(missing, k)
		}
		return len(missing) == 0, "missing " + strings.Join(sortedKeys(missing), ", ") + "; active: " + summarize(alerts)
	})
}

// awaitNoAlerts polls until Alertmanager holds no loadcron alert at all
// and Prometheus has none firing.
func awaitNoAlerts(t *testing.T, am, prom string, timeout time.Duration) {
	t.Helper()
	eventually(t, timeout, "every loadcron alert resolved", func() (bool, string) {
		alerts, err := amAlerts(am)
		if err != nil {
			return false, err.Error()
		}
		if s := summarize(alerts); s != "" {
			return false, "Alertmanager: " + s
		}
		firing, err := promFiring(prom)
		if err != nil {
			return false, err.Error()
		}
		return len(firing) == 0, "Prometheus firing: " + strings.Join(firing, ", ")
	})
}

// promFiring returns the loadcron alerts Prometheus has in state firing.
func promFiring(prom string) ([]string, error) {
	alerts, err := promAlerts(prom)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, a := range alerts {
		if a.State == "firing" && strings.HasPrefix(a.Labels["alertname"], "Loadcron") && a.Labels["severity"] != "info" {
			out = append(out, a.Labels["alertname"]+"/"+a.Labels["scenario"])
		}
	}
	sort.Strings(out)
	return out, nil
}

// summarize lists loadcron alerts that notify (info excluded) as
// alertname/scenario (state).
func summarize(alerts []amAlert) string {
	var out []string
	for _, a := range alerts {
		if strings.HasPrefix(a.Labels["alertname"], "Loadcron") && a.Labels["severity"] != "info" {
			out = append(out, alertKey(a)+" ("+a.Status.State+")")
		}
	}
	sort.Strings(out)
	return strings.Join(slices.Compact(out), ", ")
}

func sortedKeys(m map[string]bool) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
