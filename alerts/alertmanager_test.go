package alerts

import (
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
		// Pages go to the pager.
		{"page", []string{"severity=page", "alertname=LoadcronCriticalScenarioFailed", "suite=chat", "scenario=baseline"}, "pager"},
		// Tickets go to the ticket/chat receiver.
		{"ticket", []string{"severity=ticket", "alertname=LoadcronP95AboveThreshold", "suite=chat", "scenario=baseline"}, "ticket"},
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

// TestAlertmanagerGroupingAndInhibition checks what amtool cannot: alerts
// are grouped by suite and scenario, and LoadcronTargetDown (an alert the
// rules define, labelled by target) inhibits the scenario alerts of its
// target.
func TestAlertmanagerGroupingAndInhibition(t *testing.T) {
	b, err := os.ReadFile(alertmanagerConfig)
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Route struct {
			GroupBy []string `yaml:"group_by"`
		} `yaml:"route"`
		InhibitRules []struct {
			SourceMatchers []string `yaml:"source_matchers"`
			TargetMatchers []string `yaml:"target_matchers"`
			Equal          []string `yaml:"equal"`
		} `yaml:"inhibit_rules"`
	}
	if err := yaml.Unmarshal(b, &cfg); err != nil {
		t.Fatal(err)
	}
	for _, l := range []string{"suite", "scenario"} {
		if !slices.Contains(cfg.Route.GroupBy, l) {
			t.Errorf("route does not group by %s: %v", l, cfg.Route.GroupBy)
		}
	}
	found := false
	for _, ir := range cfg.InhibitRules {
		if slices.Contains(ir.SourceMatchers, `alertname = "LoadcronTargetDown"`) &&
			slices.Contains(ir.TargetMatchers, `scenario =~ ".+"`) && slices.Equal(ir.Equal, []string{"target"}) {
			found = true
		}
	}
	if !found {
		t.Errorf("no inhibit rule from LoadcronTargetDown to scenario alerts on equal target: %+v", cfg.InhibitRules)
	}
	defined := false
	for _, r := range alertRules(t) {
		if r.Alert == "LoadcronTargetDown" {
			defined = strings.Contains(r.Expr, "loadcron_target_up")
		}
	}
	if !defined {
		t.Error("the rules define no LoadcronTargetDown on loadcron_target_up")
	}
}
