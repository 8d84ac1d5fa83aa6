package alerts

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"
)

// runbookBase is the URL of alerts/runbook.md; each alert's runbook_url is
// this plus "#" and its lower-cased name (GitHub's heading anchor).
const runbookBase = "https://github.com/loadcron/loadcron/blob/main/alerts/runbook.md"

// severities are the values Alertmanager routes on (deploy/alertmanager):
// the monitoring-mixin convention.
var severities = []string{"critical", "warning", "info"}

type rule struct {
	Alert       string            `yaml:"alert"`
	Record      string            `yaml:"record"`
	Expr        string            `yaml:"expr"`
	For         string            `yaml:"for"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

type ruleFile struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []rule `yaml:"rules"`
	} `yaml:"groups"`
}

// ruleFiles are the shipped rule files.
func ruleFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("*.yml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no rule files: %v", err)
	}
	return files
}

// testFiles are the promtool unit test files.
func testFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("tests", "*.yml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no rule test files: %v", err)
	}
	return files
}

// alertRules returns every alerting rule of the shipped files.
func alertRules(t *testing.T) []rule {
	t.Helper()
	var out []rule
	for _, f := range ruleFiles(t) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var rf ruleFile
		if err := yaml.Unmarshal(b, &rf); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, g := range rf.Groups {
			for _, r := range g.Rules {
				if r.Alert != "" {
					out = append(out, r)
				}
			}
		}
	}
	return out
}

func TestPromtoolCheckRules(t *testing.T) {
	promtool := tool(t, "promtool")
	out := run(t, promtool, append([]string{"check", "rules"}, ruleFiles(t)...)...)
	if !strings.Contains(out, "SUCCESS") {
		t.Fatalf("promtool check rules did not report success:\n%s", out)
	}
}

func TestPromtoolTestRules(t *testing.T) {
	promtool := tool(t, "promtool")
	out := run(t, promtool, append([]string{"test", "rules"}, testFiles(t)...)...)
	if strings.Contains(out, "FAILED") {
		t.Fatalf("promtool test rules:\n%s", out)
	}
}

// anchors returns the GitHub anchors of runbook.md's "## Name" headings.
func anchors(t *testing.T) map[string]bool {
	t.Helper()
	b, err := os.ReadFile("runbook.md")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^## (\S+)\s*$`).FindAllStringSubmatch(string(b), -1) {
		out[strings.ToLower(m[1])] = true
	}
	return out
}

// metadataProblems returns what is missing from one alerting rule.
func metadataProblems(r rule, runbook map[string]bool) []string {
	var p []string
	if !slices.Contains(severities, r.Labels["severity"]) {
		p = append(p, fmt.Sprintf("severity %q not one of %v", r.Labels["severity"], severities))
	}
	for _, a := range []string{"summary", "description", "runbook_url"} {
		if strings.TrimSpace(r.Annotations[a]) == "" {
			p = append(p, "no "+a)
		}
	}
	// An absent() alert has no labels or value worth showing.
	if !strings.HasPrefix(strings.TrimSpace(r.Expr), "absent(") && !strings.Contains(r.Annotations["description"], "{{") {
		p = append(p, "description shows no values or labels")
	}
	anchor := strings.ToLower(r.Alert)
	if want := runbookBase + "#" + anchor; r.Annotations["runbook_url"] != want {
		p = append(p, fmt.Sprintf("runbook_url %q, want %q", r.Annotations["runbook_url"], want))
	}
	if !runbook[anchor] {
		p = append(p, "no section \"## "+r.Alert+"\" in runbook.md")
	}
	return p
}

func TestAlertMetadata(t *testing.T) {
	runbook := anchors(t)
	seen := map[string]bool{}
	for _, r := range alertRules(t) {
		if seen[r.Alert] {
			t.Errorf("%s: defined twice", r.Alert)
		}
		seen[r.Alert] = true
		for _, p := range metadataProblems(r, runbook) {
			t.Errorf("%s: %s", r.Alert, p)
		}
	}
	if len(seen) < 15 {
		t.Errorf("only %d alerts found", len(seen))
	}
}

// TestMetadataProblems shows each metadata check failing.
func TestMetadataProblems(t *testing.T) {
	good := func() rule {
		return rule{Alert: "X", Labels: map[string]string{"severity": "critical"}, Annotations: map[string]string{
			"summary": "s", "description": "v {{ $value }}", "runbook_url": runbookBase + "#x"}}
	}
	runbook := map[string]bool{"x": true}
	tests := []struct {
		name   string
		change func(*rule)
		want   string // substring of a problem; "" for none
	}{
		// Complete.
		{"ok", func(*rule) {}, ""},
		// A severity Alertmanager does not route.
		{"bad severity", func(r *rule) { r.Labels["severity"] = "page" }, "severity"},
		// Each required annotation.
		{"no summary", func(r *rule) { delete(r.Annotations, "summary") }, "no summary"},
		{"no description", func(r *rule) { delete(r.Annotations, "description") }, "no description"},
		// A description without any template.
		{"static description", func(r *rule) { r.Annotations["description"] = "bad" }, "no values"},
		// A runbook link to another section.
		{"wrong runbook", func(r *rule) { r.Annotations["runbook_url"] = runbookBase + "#y" }, "runbook_url"},
		// No runbook section for the alert.
		{"no section", func(r *rule) { r.Alert = "Y"; r.Annotations["runbook_url"] = runbookBase + "#y" }, "no section"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := good()
			tt.change(&r)
			p := metadataProblems(r, runbook)
			if tt.want == "" {
				if len(p) > 0 {
					t.Fatalf("problems %q, want none", p)
				}
				return
			}
			if !slices.ContainsFunc(p, func(s string) bool { return strings.Contains(s, tt.want) }) {
				t.Fatalf("problems %q, want one containing %q", p, tt.want)
			}
		})
	}
}

type unitTests struct {
	Tests []struct {
		Name          string `yaml:"name"`
		AlertRuleTest []struct {
			Alertname string `yaml:"alertname"`
			ExpAlerts []any  `yaml:"exp_alerts"`
		} `yaml:"alert_rule_test"`
	} `yaml:"tests"`
}

// TestEveryAlertFiresAndStaysSilent checks that tests/*.yml has, for every
// alert, a case where it fires and one where it stays silent.
func TestEveryAlertFiresAndStaysSilent(t *testing.T) {
	firing, silent := map[string]bool{}, map[string]bool{}
	for _, f := range testFiles(t) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var ut unitTests
		if err := yaml.Unmarshal(b, &ut); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, tc := range ut.Tests {
			for _, a := range tc.AlertRuleTest {
				if len(a.ExpAlerts) > 0 {
					firing[a.Alertname] = true
				} else {
					silent[a.Alertname] = true
				}
			}
		}
	}
	for _, r := range alertRules(t) {
		if !firing[r.Alert] {
			t.Errorf("%s: no promtool case where it fires", r.Alert)
		}
		if !silent[r.Alert] {
			t.Errorf("%s: no promtool case where it stays silent", r.Alert)
		}
	}
}

// TestForOnlyOnScrapeSignals: a per-run gauge holds until the next run,
// so a `for:` on it only adds delay (and at a 15-minute schedule, a lot).
// Only the alerts on `up`, which changes at every scrape, may wait.
func TestForOnlyOnScrapeSignals(t *testing.T) {
	for _, r := range alertRules(t) {
		if r.For == "" {
			continue
		}
		if !regexp.MustCompile(`\bup\{`).MatchString(r.Expr) {
			t.Errorf("%s: for %s on %q; only alerts on up may wait", r.Alert, r.For, r.Expr)
		}
		d, err := model.ParseDuration(r.For)
		if err != nil {
			t.Fatalf("%s: for %q: %v", r.Alert, r.For, err)
		}
		// Scrape interval (≤ 1m) + for + evaluation + group_wait (30s)
		// within 5 minutes.
		if time.Duration(d) > 3*time.Minute {
			t.Errorf("%s: for %s cannot page within 5 minutes", r.Alert, r.For)
		}
	}
}

// TestNoWallClockWindows: alerting rules judge runs, so no range vector or
// subquery may appear in them (a window outlives the fault it saw). Only
// the baseline recording rule reads a week.
func TestNoWallClockWindows(t *testing.T) {
	window := regexp.MustCompile(`\[[0-9]+[smhdwy]`)
	for _, r := range alertRules(t) {
		if window.MatchString(r.Expr) {
			t.Errorf("%s: a wall-clock window in %q", r.Alert, r.Expr)
		}
	}
}
