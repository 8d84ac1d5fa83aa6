package alerts

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// alertmanagerConfig is the example routing tree shipped for these rules.
var alertmanagerConfig = filepath.Join("..", "deploy", "alertmanager", "alertmanager.yml")

func TestAlertmanagerConfigIsValid(t *testing.T) {
	amtool := tool(t, "amtool")
	out := run(t, amtool, "check-config", alertmanagerConfig)
	if !strings.Contains(out, "SUCCESS") {
		t.Fatalf("amtool check-config:\n%s", out)
	}
}

func TestAlertmanagerRoutesBySeverity(t *testing.T) {
	amtool := tool(t, "amtool")
	tests := []struct {
		name   string
		labels []string
		want   string
	}{
		// Critical pages.
		{"critical", []string{"severity=critical", "alertname=LoadcronCriticalScenarioFailed", "suite=chat", "scenario=baseline"}, "pager"},
		// Warnings go to the ticket/chat receiver.
		{"warning", []string{"severity=warning", "alertname=LoadcronP95AboveThreshold", "suite=chat", "scenario=baseline"}, "ticket"},
		// Info is context only: no notification.
		{"info", []string{"severity=info", "alertname=LoadcronRatioWindowSmall", "suite=chat", "scenario=baseline"}, "null"},
		// Anything unlabelled falls back to tickets, never the pager.
		{"no severity", []string{"alertname=Other"}, "ticket"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"config", "routes", "test", "--config.file=" + alertmanagerConfig, "--verify.receivers=" + tt.want}, tt.labels...)
			out := run(t, amtool, args...)
			if strings.TrimSpace(out) != tt.want && !strings.HasSuffix(strings.TrimSpace(out), "\n"+tt.want) {
				t.Fatalf("routed to %q, want %q", out, tt.want)
			}
		})
	}
}

// amConfig is the part of the example configuration amtool cannot test.
type amConfig struct {
	Templates []string `yaml:"templates"`
	Route     struct {
		GroupBy       []string `yaml:"group_by"`
		GroupInterval string   `yaml:"group_interval"`
	} `yaml:"route"`
	InhibitRules []inhibitRule `yaml:"inhibit_rules"`
	Receivers    []struct {
		Name             string           `yaml:"name"`
		PagerdutyConfigs []map[string]any `yaml:"pagerduty_configs"`
		SlackConfigs     []map[string]any `yaml:"slack_configs"`
	} `yaml:"receivers"`
	// text is the file as written.
	text string
}

// inhibitRule is one entry of inhibit_rules.
type inhibitRule struct {
	SourceMatchers []string `yaml:"source_matchers"`
	TargetMatchers []string `yaml:"target_matchers"`
	Equal          []string `yaml:"equal"`
}

func readAMConfig(t *testing.T) amConfig {
	t.Helper()
	b, err := os.ReadFile(alertmanagerConfig)
	if err != nil {
		t.Fatal(err)
	}
	cfg := amConfig{text: string(b)}
	if err := yaml.Unmarshal(b, &cfg); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestAlertmanagerGroupingAndInhibition checks what amtool cannot: alerts
// are grouped by job, suite and scenario; LoadcronTargetDown (labelled by
// target) inhibits the scenario alerts of its target; and a failed scrape
// (LoadcronDaemonScrapeFailed) inhibits the instance's other alerts but
// not the daemon alerts that page for it. Both inhibitors are alerts the
// rules define.
func TestAlertmanagerGroupingAndInhibition(t *testing.T) {
	cfg := readAMConfig(t)
	for _, l := range []string{"job", "suite", "scenario"} {
		if !slices.Contains(cfg.Route.GroupBy, l) {
			t.Errorf("route does not group by %s: %v", l, cfg.Route.GroupBy)
		}
	}
	want := []struct {
		source, target []string
		equal          []string
	}{
		{[]string{`alertname = "LoadcronTargetDown"`}, []string{`scenario =~ ".+"`}, []string{"job", "target"}},
		{[]string{`alertname = "LoadcronDaemonScrapeFailed"`}, []string{`alertname =~ "Loadcron.+"`, `alertname !~ "LoadcronDaemon.+"`}, []string{"job", "instance"}},
	}
	for _, w := range want {
		if !slices.ContainsFunc(cfg.InhibitRules, func(ir inhibitRule) bool {
			return slices.Equal(ir.SourceMatchers, w.source) && slices.Equal(ir.TargetMatchers, w.target) && slices.Equal(ir.Equal, w.equal)
		}) {
			t.Errorf("no inhibit rule %v → %v on %v: %+v", w.source, w.target, w.equal, cfg.InhibitRules)
		}
	}
	defined := map[string]string{}
	for _, r := range alertRules(t) {
		defined[r.Alert] = r.Expr
	}
	if !strings.Contains(defined["LoadcronTargetDown"], "loadcron_target_up") {
		t.Error("the rules define no LoadcronTargetDown on loadcron_target_up")
	}
	if !strings.Contains(defined["LoadcronDaemonScrapeFailed"], "up{") {
		t.Error("the rules define no LoadcronDaemonScrapeFailed on up")
	}
}

// TestAlertmanagerReceiversRenderEveryAlert: every notifying receiver uses
// the loadcron templates, which list each alert of the group, not only the
// annotations its alerts share.
func TestAlertmanagerReceiversRenderEveryAlert(t *testing.T) {
	cfg := readAMConfig(t)
	if !slices.Contains(cfg.Templates, "loadcron.tmpl") {
		t.Errorf("templates %v do not load loadcron.tmpl", cfg.Templates)
	}
	if strings.Contains(cfg.text, ".CommonAnnotations") {
		t.Error("a receiver renders .CommonAnnotations: empty for groups of different alerts")
	}
	for _, r := range cfg.Receivers {
		for _, c := range append(r.PagerdutyConfigs, r.SlackConfigs...) {
			text := fmt.Sprint(c)
			if !strings.Contains(text, `template "loadcron.text"`) {
				t.Errorf("receiver %s: %v does not render loadcron.text", r.Name, c)
			}
			if c["send_resolved"] != true {
				t.Errorf("receiver %s: send_resolved not set", r.Name)
			}
		}
	}
}

// TestAlertmanagerTemplateRendersEachAlert renders the shipped templates
// with amtool for a group of three different alerts (two firing, one
// resolved): each one's summary, description, runbook and run link appear.
func TestAlertmanagerTemplateRendersEachAlert(t *testing.T) {
	amtool := tool(t, "amtool")
	data := `{"receiver":"pager","status":"firing","alerts":[
 {"status":"firing","labels":{"alertname":"LoadcronCacheHitRatioLow","severity":"critical"},"annotations":{"summary":"S1","description":"D1 0%","runbook_url":"https://rb/#a","run_url":"https://lc/runs/at?t=1"}},
 {"status":"firing","labels":{"alertname":"LoadcronCriticalScenarioFailed","severity":"critical"},"annotations":{"summary":"S2","description":"D2 2 of 3","runbook_url":"https://rb/#b","dashboard_url":"https://g/d/x"}},
 {"status":"resolved","labels":{"alertname":"LoadcronP95Above10s","severity":"critical"},"annotations":{"summary":"S3","description":"D3 12s","runbook_url":"https://rb/#c"}}],
 "groupLabels":{"job":"loadcron","suite":"chat","scenario":"baseline"},"commonLabels":{"severity":"critical"},"commonAnnotations":{}}`
	f := filepath.Join(t.TempDir(), "data.json")
	if err := os.WriteFile(f, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	out := run(t, amtool, "template", "render",
		"--template.glob="+filepath.Join(filepath.Dir(alertmanagerConfig), "*.tmpl"),
		"--template.data="+f,
		`--template.text={{ template "loadcron.title" . }}|{{ template "loadcron.text" . }}`)
	for _, want := range []string{
		"[FIRING:2] job=loadcron scenario=baseline suite=chat|",
		"FIRING [critical] LoadcronCacheHitRatioLow: S1\nD1 0%\nRunbook: https://rb/#a\nRun: https://lc/runs/at?t=1\n",
		"FIRING [critical] LoadcronCriticalScenarioFailed: S2\nD2 2 of 3\nRunbook: https://rb/#b\nDashboard: https://g/d/x\n",
		"RESOLVED [critical] LoadcronP95Above10s: S3\nD3 12s\nRunbook: https://rb/#c\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("rendered notification lacks %q:\n%s", want, out)
		}
	}
}
