package dashboards

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/loadcron/loadcron/internal/promqlcheck"
	"github.com/loadcron/loadcron/internal/testtools"
	"go.yaml.in/yaml/v3"
)

// The shapes of promtool's unit-test file (promtool test rules), used here
// with expression tests only.
type (
	series struct {
		Series string `yaml:"series"`
		Values string `yaml:"values"`
	}
	sample struct {
		Labels string  `yaml:"labels"`
		Value  float64 `yaml:"value"`
	}
	exprTest struct {
		Expr       string   `yaml:"expr"`
		EvalTime   string   `yaml:"eval_time"`
		ExpSamples []sample `yaml:"exp_samples"`
	}
	unitGroup struct {
		Name        string     `yaml:"name"`
		Interval    string     `yaml:"interval"`
		InputSeries []series   `yaml:"input_series"`
		ExprTests   []exprTest `yaml:"promql_expr_test"`
	}
	unitFile struct {
		EvaluationInterval string      `yaml:"evaluation_interval"`
		Tests              []unitGroup `yaml:"tests"`
	}
)

// query returns the PromQL of a dashboard: where is "panel title/refId"
// for a panel target, or "annotation name" for an annotation query.
func query(t *testing.T, file, where string) string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Panels      []panel `json:"panels"`
		Annotations struct {
			List []struct{ Name, Expr string } `json:"list"`
		} `json:"annotations"`
	}
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	var found []string
	if name, ok := strings.CutPrefix(where, "annotation "); ok {
		for _, a := range d.Annotations.List {
			if a.Name == name {
				found = append(found, a.Expr)
			}
		}
	} else {
		title, ref, _ := strings.Cut(where, "/")
		var walk func([]panel)
		walk = func(ps []panel) {
			for _, p := range ps {
				for _, tg := range p.Targets {
					if p.Title == title && tg.RefID == ref {
						found = append(found, tg.Expr)
					}
				}
				walk(p.Panels)
			}
		}
		walk(d.Panels)
	}
	if len(found) != 1 {
		t.Fatalf("%s: %d queries at %q, want 1", file, len(found), where)
	}
	return found[0]
}

// allSelected replaces the dashboards' variables by Grafana's "All" (.+)
// and interval variables by promqlcheck.Substitute's 5m.
func allSelected(q string) string {
	for _, v := range []string{"job", "instance", "suite", "scenario", "target"} {
		q = strings.ReplaceAll(q, "$"+v, ".+")
	}
	return promqlcheck.Substitute(q)
}

// replicas: suite "chat", scenario "baseline" scaled out to two replicas
// (--segment), lc1 with 768 of the run's 1024 requests and lc2 with 256,
// each exporting its own share's last-run figures.
var replicas = func() []series {
	var out []series
	add := func(name, labels, v1, v2 string) {
		for i, v := range []string{v1, v2} {
			out = append(out, series{
				Series: name + `{instance="lc` + strconv.Itoa(i+1) + `",job="loadcron",suite="chat",scenario="baseline",target="chatsim"` + labels + `}`,
				Values: v + "x20",
			})
		}
	}
	add("loadcron_last_run_requests", "", "768", "256")
	add("loadcron_last_run_success_ratio", "", "1", "0.5")
	add("loadcron_last_run_error_ratio", "", "0", "0.5")
	add("loadcron_last_run_cache_hit_ratio", "", "0.75", "0.25")
	add("loadcron_last_run_throughput_rps", "", "6", "2")
	add("loadcron_last_run_duration_seconds", "", "128", "130")
	add("loadcron_last_run_timestamp_seconds", "", "900", "905")
	add("loadcron_threshold_min_success_ratio", "", "0.75", "0.75")
	for stat, v := range map[string][2]string{"avg": {"0.25", "1"}, "p50": {"0.125", "0.25"}, "p95": {"0.5", "1.5"},
		"p99": {"1", "3"}, "min": {"0.0625", "0.03125"}, "max": {"2", "4"}} {
		add("loadcron_last_run_latency_seconds", `,stat="`+stat+`"`, v[0], v[1])
	}
	flag := func(b bool) string {
		if b {
			return "1"
		}
		return "0"
	}
	// lc1's share passed with grade GOOD, lc2's failed with grade POOR.
	for _, st := range []string{"passed", "warning", "failed", "error"} {
		add("loadcron_last_run_status", `,status="`+st+`"`, flag(st == "passed"), flag(st == "failed"))
	}
	for _, g := range []string{"excellent", "good", "acceptable", "poor"} {
		add("loadcron_last_run_grade", `,grade="`+g+`"`, flag(g == "good"), flag(g == "poor"))
	}
	return out
}()

// windows: two scenarios' ratio windows (loadcron_window_*), one without
// a 5xx, one with 8 of 4000 requests.
var windows = []series{
	{`loadcron_window_requests{instance="lc1",job="loadcron",suite="chat",scenario="baseline",target="chatsim"}`, "1000x20"},
	{`loadcron_window_http_5xx_requests{instance="lc1",job="loadcron",suite="chat",scenario="baseline",target="chatsim"}`, "0x20"},
	{`loadcron_window_requests{instance="lc1",job="loadcron",suite="chat",scenario="light",target="chatsim"}`, "4000x20"},
	{`loadcron_window_http_5xx_requests{instance="lc1",job="loadcron",suite="chat",scenario="light",target="chatsim"}`, "8x20"},
}

// suiteStarts: suite "chat" starts runs at 1m and 16m (the gauge is set
// when a run starts, and exists only from the first one).
var suiteStarts = []series{
	{`loadcron_suite_last_run_start_timestamp_seconds{instance="lc1",job="loadcron",suite="chat"}`, "_ 60x14 960x14"},
}

const (
	overview = "loadcron-overview.json"
	scenario = "loadcron-scenario.json"
	byRow    = `{suite="chat",scenario="baseline",target="chatsim"}`
)

// TestQueriesOnRealisticSeries evaluates dashboard queries with promtool
// on series shaped as the daemon exports them, and checks the figures a
// user sees.
func TestQueriesOnRealisticSeries(t *testing.T) {
	promtool := testtools.Need(t, "promtool")
	tests := []struct {
		name  string
		input []series
		file  string
		where string
		eval  string
		want  []sample
	}{
		// Requests of a run split over replicas add up.
		{"table requests", replicas, overview, "Last run per scenario/N", "10m", []sample{{byRow, 1024}}},
		// So does throughput: the replicas run at the same time.
		{"table throughput", replicas, overview, "Last run per scenario/L", "10m", []sample{{byRow, 8}}},
		// Success rate of the whole run: successes over requests.
		{"table success rate", replicas, overview, "Last run per scenario/B", "10m", []sample{{byRow, 0.875}}},
		// Average latency weighted by each replica's requests.
		{"table avg", replicas, overview, "Last run per scenario/D", "10m", []sample{{byRow, 0.4375}}},
		// Cache hits over successes of the whole run.
		{"table cache hit rate", replicas, overview, "Last run per scenario/J", "10m", []sample{{byRow, 608.0 / 896}}},
		// Percentiles: the slowest replica's, an upper bound of the run's.
		{"table p95", replicas, overview, "Last run per scenario/F", "10m", []sample{{byRow, 1.5}}},
		// The worst status of the replicas (value: its rank).
		{"table status", replicas, overview, "Last run per scenario/A", "10m", []sample{{`{suite="chat",scenario="baseline",target="chatsim",status="failed"}`, 3}}},
		// The worst grade of the replicas.
		{"table grade", replicas, overview, "Last run per scenario/M", "10m", []sample{{`{suite="chat",scenario="baseline",target="chatsim",grade="poor"}`, 4}}},
		// The configured threshold once, not per replica.
		{"table min success", replicas, overview, "Last run per scenario/C", "10m", []sample{{byRow, 0.75}}},
		// Error ratio over time, of the whole run.
		{"error ratio", replicas, overview, "Error ratio (last run)/A", "10m", []sample{{byRow, 0.125}}},
		// Throughput over time, summed.
		{"throughput", replicas, overview, "Throughput/A", "10m", []sample{{byRow, 8}}},
		// The scenario dashboard's figures combine replicas the same way.
		{"scenario requests", replicas, scenario, "Requests/A", "10m", []sample{{"{}", 1024}}},
		{"scenario success rate", replicas, scenario, "Success rate/A", "10m", []sample{{"{}", 0.875}}},
		{"scenario status", replicas, scenario, "Status/A", "10m", []sample{{`{status="failed"}`, 3}}},
		{"scenario throughput", replicas, scenario, "Throughput/B", "10m", []sample{{"{}", 8}}},
		// Exact latency figures: percentiles and max the largest, min the
		// smallest, avg weighted by requests.
		{"scenario latency of each run", replicas, scenario, "Latency of each run (exact)/A", "10m", []sample{
			{`{stat="avg"}`, 0.4375}, {`{stat="p50"}`, 0.25}, {`{stat="p95"}`, 1.5}, {`{stat="p99"}`, 3},
			{`{stat="min"}`, 0.03125}, {`{stat="max"}`, 4}}},
		// The 5xx ratio of each scenario's alert window: 0, not "No data",
		// without a 5xx; 8 of 4000 requests.
		{"5xx ratio", windows, overview, "5xx ratio (alert window)/A", "10m", []sample{
			{byRow, 0}, {`{suite="chat",scenario="light",target="chatsim"}`, 0.002}}},
		// Run starts are marked on both dashboards.
		{"overview run started", suiteStarts, overview, "annotation Suite runs started", "16m", []sample{{`{instance="lc1",job="loadcron",suite="chat"}`, 1}}},
		{"scenario run started", suiteStarts, scenario, "annotation Suite runs started", "17m", []sample{{`{instance="lc1",job="loadcron",suite="chat"}`, 1}}},
		// No mark far from a start.
		{"no run started", suiteStarts, overview, "annotation Suite runs started", "10m", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := allSelected(query(t, tt.file, tt.where))
			f := unitFile{EvaluationInterval: "1m", Tests: []unitGroup{{
				Name: tt.name, Interval: "1m", InputSeries: tt.input,
				ExprTests: []exprTest{{Expr: q, EvalTime: tt.eval, ExpSamples: tt.want}},
			}}}
			b, err := yaml.Marshal(f)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "queries_test.yml")
			if err := os.WriteFile(path, b, 0o600); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			var out bytes.Buffer
			cmd := exec.CommandContext(ctx, promtool, "test", "rules", path)
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Run(); err != nil {
				t.Fatalf("%s %s:\n%s\nquery: %s", tt.file, tt.where, out.String(), q)
			}
		})
	}
}
