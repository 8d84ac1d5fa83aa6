package promqlcheck

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
)

func TestSubstitute(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		// Interval variables become a duration.
		{"rate interval", `rate(x[$__rate_interval])`, `rate(x[5m])`},
		{"braced interval", `increase(x[${__interval}])`, `increase(x[5m])`},
		// Numeric forms become a number.
		{"range seconds", `x / $__range_s`, `x / 300`},
		// Ordinary variables, in all syntaxes, become a label value.
		{"plain", `x{suite=~"$suite"}`, `x{suite=~"x"}`},
		{"formatted", `x{suite=~"${suite:regex}",a="[[target]]"}`, `x{suite=~"x",a="x"}`},
		// Nothing to replace.
		{"none", `sum(up)`, `sum(up)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Substitute(tt.in); got != tt.want {
				t.Errorf("Substitute(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestMetricNames(t *testing.T) {
	tests := []struct {
		name    string
		query   string
		want    []string
		wantErr string
	}{
		// Names from plain, range and __name__ selectors, deduplicated and sorted.
		{"several", `b_total / on(x) group_left a{y="1"} + rate(b_total[5m]) + {__name__="c"}`, []string{"a", "b_total", "c"}, ""},
		// Grafana variables are substituted first.
		{"grafana", `sum(increase(h_bucket{suite=~"$suite"}[$__rate_interval]))`, []string{"h_bucket"}, ""},
		// Subqueries and offsets are walked too.
		{"subquery", `max_over_time(g[1h:5m] offset 1d)`, []string{"g"}, ""},
		// A selector that names no metric cannot be checked.
		{"nameless", `{job="x"}`, nil, "names no metric"},
		// Syntax errors are reported.
		{"bad syntax", `rate(x[5m]`, nil, "parse"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := MetricNames(tt.query)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCheckNames(t *testing.T) {
	exported := map[string]bool{
		"loadcron_requests_total": true, "loadcron_request_duration_seconds": true,
		"loadcron_request_duration_seconds_bucket": true, "loadcron_request_duration_seconds_count": true,
	}
	tests := []struct {
		name  string
		expr  string
		wants []string // substrings, one per expected error
	}{
		// Exported counter.
		{"counter", `rate(loadcron_requests_total[5m])`, nil},
		// Histogram series of an exported family.
		{"histogram", `rate(loadcron_request_duration_seconds_bucket[5m]) / rate(loadcron_request_duration_seconds_count[5m])`, nil},
		// A suffix on a name that is not a histogram family.
		{"not a histogram", `loadcron_requests_total_bucket`, []string{`"loadcron_requests_total_bucket" is not exported`}},
		// Two unknown names give two errors.
		{"two unknown", `loadcron_nope + loadcron_nada`, []string{`"loadcron_nada"`, `"loadcron_nope"`}},
		// A parse error.
		{"parse", `sum(`, []string{"parse"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := CheckNames([]Expr{{Source: "src", Query: tt.expr}}, exported)
			if len(errs) != len(tt.wants) {
				t.Fatalf("got %d errors %v, want %d", len(errs), errs, len(tt.wants))
			}
			for i, w := range tt.wants {
				if !strings.Contains(errs[i].Error(), w) || !strings.HasPrefix(errs[i].Error(), "src: ") {
					t.Errorf("error %d = %q, want it to start with the source and contain %q", i, errs[i], w)
				}
			}
		})
	}
}

func TestScrapeNames(t *testing.T) {
	const expo = `# HELP a_total A.
# TYPE a_total counter
a_total{x="1"} 3
# HELP h A histogram.
# TYPE h histogram
h_bucket{le="1"} 1
h_bucket{le="+Inf"} 1
h_sum 0.5
h_count 1
`
	got, err := ScrapeNames(strings.NewReader(expo))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"a_total": true, "h": true, "h_bucket": true, "h_count": true, "h_sum": true}
	if !maps.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if !Known("h_bucket", got) || Known("a_total_sum", got) {
		t.Error("Known does not accept exactly the histogram series of h")
	}
	if _, err := ScrapeNames(strings.NewReader("not an exposition {")); err == nil {
		t.Error("garbage parsed without error")
	}
}

// TestFromSourcesFindBadNames shows that the sources are read completely
// (variables, nested rows, recording rules) and that an unexported name in
// a dashboard or rule file is reported.
func TestFromSourcesFindBadNames(t *testing.T) {
	exported := map[string]bool{
		"loadcron_suite_running": true, "loadcron_request_duration_seconds_bucket": true,
		"loadcron_requests_total": true, "loadcron_last_run_error_ratio": true,
	}
	dash, err := FromDashboard("testdata/bad-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(dash) != 3 {
		t.Fatalf("dashboard: %d expressions, want 3 (2 targets in a row, 1 variable): %v", len(dash), dash)
	}
	rules, recorded, err := FromRuleFile("testdata/bad.rules.yml")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(recorded, []string{"scenario:loadcron_requests:rate5m"}) {
		t.Fatalf("recorded = %q", recorded)
	}
	for _, r := range recorded {
		exported[r] = true
	}
	errs := CheckNames(append(dash, rules...), exported)
	want := []string{
		`testdata/bad-dashboard.json: panel 2 "P90 that does not exist": target A: metric "loadcron_last_run_p90_latency_seconds" is not exported by loadcron`,
		`testdata/bad.rules.yml: group "bad": rule "NamesUnexportedHistogram": metric "loadcron_request_latency_seconds_bucket" is not exported by loadcron`,
		`testdata/bad.rules.yml: group "bad": rule "DoesNotParse": parse: `,
	}
	if len(errs) != len(want) {
		t.Fatalf("got %d errors, want %d:\n%v", len(errs), len(want), errors.Join(errs...))
	}
	for i, w := range want {
		if !strings.HasPrefix(errs[i].Error(), w) {
			t.Errorf("error %d:\n got  %s\n want %s…", i, errs[i], w)
		}
	}
}

func TestVariableQuery(t *testing.T) {
	tests := []struct {
		name, raw, want string
		wantErr         bool
	}{
		// String form with a selector.
		{"label_values", `"label_values(up{job=\"x\"}, instance)"`, `up{job="x"}`, false},
		// Object form (newer Grafana).
		{"object", `{"query":"label_values(loadcron_build_info, instance)","refId":"A"}`, `loadcron_build_info`, false},
		// A label-only query selects no metric.
		{"label only", `"label_values(instance)"`, "", false},
		// query_result wraps PromQL.
		{"query_result", `"query_result(topk(3, x))"`, `topk(3, x)`, false},
		// Anything else is not understood.
		{"unknown", `"something(else)"`, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := variableQuery([]byte(tt.raw))
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("variableQuery(%s) = %q, %v; want %q, error %v", tt.raw, got, err, tt.want, tt.wantErr)
			}
		})
	}
}
