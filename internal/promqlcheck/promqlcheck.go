// Package promqlcheck checks the PromQL that loadcron ships in its Grafana
// dashboards and Prometheus rule files: every expression must parse, and
// every metric it selects must be one the daemon exports (SPEC §7).
//
// Only tests import this package (it pulls in the Prometheus PromQL parser,
// which the loadcron binary must not carry).
package promqlcheck

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
)

// Expr is one PromQL expression and where it was found.
type Expr struct {
	// Source locates the expression for error messages, e.g.
	// `dashboards/loadcron-overview.json: panel 4 "P95": target A`.
	Source string
	// Query is the expression as written; Grafana variables are allowed and
	// replaced by Substitute before parsing.
	Query string
}

// grafanaVar matches Grafana's variable syntaxes: $name, ${name},
// ${name:format} and the deprecated [[name]].
var grafanaVar = regexp.MustCompile(`\$\{(\w+)(?::[\w-]+)?\}|\$(\w+)|\[\[(\w+)\]\]`)

// Substitute replaces Grafana variables in q with parseable stand-ins:
// interval variables ($__rate_interval, $__interval, $__range) with 5m,
// their numeric forms ($__range_s, $__interval_ms, …) with 300, and any
// other variable ($suite, ${scenario:regex}) with "x", which is meant to sit
// inside a quoted label matcher.
func Substitute(q string) string {
	return grafanaVar.ReplaceAllStringFunc(q, func(m string) string {
		sub := grafanaVar.FindStringSubmatch(m)
		name := sub[1] + sub[2] + sub[3]
		switch name {
		case "__rate_interval", "__interval", "__range":
			return "5m"
		case "__range_s", "__range_ms", "__interval_ms", "__interval_s":
			return "300"
		default:
			return "x"
		}
	})
}

// MetricNames parses q (after Substitute) and returns the metric names its
// vector selectors name, sorted and without duplicates. A selector with no
// metric name (`{job="x"}`) is an error: nothing could check what it
// selects.
func MetricNames(q string) ([]string, error) {
	expr, err := parser.NewParser(parser.Options{}).ParseExpr(Substitute(q))
	if err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	seen := map[string]bool{}
	var errs []string
	parser.Inspect(expr, func(n parser.Node, _ []parser.Node) error {
		vs, ok := n.(*parser.VectorSelector)
		if !ok {
			return nil
		}
		name := vs.Name
		if name == "" {
			for _, m := range vs.LabelMatchers {
				if m.Name == labels.MetricName && m.Type == labels.MatchEqual {
					name = m.Value
				}
			}
		}
		if name == "" {
			errs = append(errs, fmt.Sprintf("selector %s names no metric", vs))
			return nil
		}
		seen[name] = true
		return nil
	})
	if len(errs) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, nil
}

// Known reports whether name is in exported. It is a function so that the
// rule stays in one place: exported holds the series names of a scrape
// (see ScrapeNames), so histogram selectors must name h_bucket, h_count or
// h_sum, or the family h as native-histogram queries do.
func Known(name string, exported map[string]bool) bool { return exported[name] }

// CheckNames parses every expression and returns one error per expression
// that does not parse and per metric name that is not in exported (see
// Known). exported holds the names a scrape shows (ScrapeNames), plus any
// other names the caller allows (recording-rule outputs, Prometheus' own
// "up"). A nil result means every expression is fine.
func CheckNames(exprs []Expr, exported map[string]bool) []error {
	var errs []error
	for _, e := range exprs {
		names, err := MetricNames(e.Query)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", e.Source, err))
			continue
		}
		for _, n := range names {
			if !Known(n, exported) {
				errs = append(errs, fmt.Errorf("%s: metric %q is not exported by loadcron", e.Source, n))
			}
		}
	}
	return errs
}
