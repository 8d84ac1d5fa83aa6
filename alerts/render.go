package alerts

import (
	_ "embed"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"text/template"
	"time"

	"github.com/prometheus/common/model"

	"github.com/loadcron/loadcron/internal/metrics"
)

// rulesTemplate is the source of loadcron.rules.yml: YAML with parameters
// between [[ ]] (Prometheus' own template syntax, {{ }}, passes through).
//
//go:embed loadcron.rules.tmpl
var rulesTemplate string

// DefaultFile is the generated default, relative to the repository root.
const DefaultFile = "alerts/loadcron.rules.yml"

// DefaultRunbookURL is where the rules' runbook_url annotations point:
// runbook.md on the project's main branch.
const DefaultRunbookURL = "https://github.com/loadcron/loadcron/blob/main/alerts/runbook.md"

// Params are everything in the rules that depends on the installation:
// how Prometheus labels loadcron's series, and how often the suites run.
type Params struct {
	// Selector is the label matchers, without braces, that select
	// loadcron's series in every rule, e.g. job="loadcron" (the default)
	// or job="synthetic",namespace="staging".
	Selector string
	// Interval is the longest schedule interval of the suites
	// (LoadcronRunsOverdue fires when a run outlasts it). It is the only
	// schedule-dependent figure: every other rule counts runs.
	Interval time.Duration
	// DownFor is how long `up` must be 0 before LoadcronDaemonDown pages
	// (and absent for LoadcronDaemonAbsent); with scrapes every minute or
	// faster, 2m pages within 5 minutes.
	DownFor time.Duration
	// RunbookURL is the runbook's address; each alert links to
	// RunbookURL#<alertname in lower case>.
	RunbookURL string
	// Args is shown in the generated file's header (the generator's
	// command line), so a reader knows how to regenerate it.
	Args string
}

// DefaultParams are the parameters of the shipped loadcron.rules.yml: job
// "loadcron", the shipped 15-minute schedule, 2m, the project's runbook.
func DefaultParams() Params {
	return Params{
		Selector:   `job="loadcron"`,
		Interval:   15 * time.Minute,
		DownFor:    2 * time.Minute,
		RunbookURL: DefaultRunbookURL,
	}
}

// matcher is one PromQL label matcher with a double-quoted value.
var matcher = regexp.MustCompile(`^\s*[a-zA-Z_][a-zA-Z0-9_]*\s*(=|!=|=~|!~)\s*"(?:[^"\\]|\\.)*"\s*$`)

// checkSelector rejects a selector that is not a comma-separated list of
// label matchers with double-quoted values.
func checkSelector(sel string) error {
	if strings.TrimSpace(sel) == "" {
		return errors.New("empty selector: give at least one matcher, e.g. job=\"loadcron\"")
	}
	// Split on commas outside quotes.
	var parts []string
	start, quoted := 0, false
	for i := 0; i < len(sel); i++ {
		switch c := sel[i]; {
		case c == '\\' && quoted:
			i++
		case c == '"':
			quoted = !quoted
		case c == ',' && !quoted:
			parts = append(parts, sel[start:i])
			start = i + 1
		}
	}
	parts = append(parts, sel[start:])
	for _, p := range parts {
		if !matcher.MatchString(p) {
			return fmt.Errorf("selector %q: %q is not a label matcher such as job=\"loadcron\"", sel, strings.TrimSpace(p))
		}
	}
	return nil
}

// threshold is a configured threshold as the violation list of
// LoadcronCriticalScenarioFailed shows it.
type threshold struct {
	Name      string // as shown
	Metric    string // loadcron_last_run_<Metric>
	Extra     string // extra matcher in the Prometheus template's Go string, e.g. stat=\"avg\",
	Op        string // the comparison that means "missed"
	Threshold string // loadcron_threshold_<Threshold>
	Format    string // Prometheus template function for value and limit
}

var thresholds = []threshold{
	{"success ratio", "success_ratio", "", "<", "min_success_ratio", "humanizePercentage"},
	{"average latency", "latency_seconds", `stat=\"avg\",`, ">", "max_avg_latency_seconds", "humanizeDuration"},
	{"P95 latency", "latency_seconds", `stat=\"p95\",`, ">", "max_p95_latency_seconds", "humanizeDuration"},
	{"P99 latency", "latency_seconds", `stat=\"p99\",`, ">", "max_p99_latency_seconds", "humanizeDuration"},
	{"cache hit ratio", "cache_hit_ratio", "", "<", "min_cache_hit_ratio", "humanizePercentage"},
	{"P95 time to first event", "stream_first_event_seconds", `stat=\"p95\",`, ">", "max_p95_first_event_seconds", "humanizeDuration"},
	{"P95 gap between events", "stream_event_gap_seconds", `stat=\"p95\",`, ">", "max_p95_event_gap_seconds", "humanizeDuration"},
}

// Render returns the rule file for p.
func Render(p Params) ([]byte, error) {
	if err := checkSelector(p.Selector); err != nil {
		return nil, err
	}
	if p.Interval < time.Second {
		return nil, fmt.Errorf("interval %s: want at least 1s", p.Interval)
	}
	if p.DownFor < time.Second {
		return nil, fmt.Errorf("down-for %s: want at least 1s", p.DownFor)
	}
	if p.RunbookURL == "" {
		return nil, errors.New("empty runbook URL")
	}
	t, err := template.New("rules").Delims("[[", "]]").Funcs(template.FuncMap{
		"sel": func(extra ...string) string {
			return "{" + strings.Join(append([]string{p.Selector}, extra...), ", ") + "}"
		},
		"runbook": func(alert string) string {
			return p.RunbookURL + "#" + strings.ToLower(alert)
		},
		"thresholds": func() []threshold { return thresholds },
	}).Parse(rulesTemplate)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	err = t.Execute(&b, struct {
		Params
		Interval, DaemonDownFor                      string
		IntervalSeconds                              int64
		RecentRuns, WindowMinRequests, WindowMaxRuns int
	}{
		Params:            p,
		Interval:          model.Duration(p.Interval).String(),
		DaemonDownFor:     model.Duration(p.DownFor).String(),
		IntervalSeconds:   int64(p.Interval.Round(time.Second) / time.Second),
		RecentRuns:        metrics.RecentRuns,
		WindowMinRequests: metrics.WindowMinRequests,
		WindowMaxRuns:     metrics.WindowMaxRuns,
	})
	if err != nil {
		return nil, err
	}
	return []byte(strings.TrimRight(b.String(), "\n") + "\n"), nil
}
