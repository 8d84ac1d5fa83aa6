package promqlcheck

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// dashboard is the part of a Grafana dashboard JSON that holds PromQL.
type dashboard struct {
	Panels      []panel `json:"panels"`
	Annotations struct {
		List []struct {
			Name string `json:"name"`
			Expr string `json:"expr"`
		} `json:"list"`
	} `json:"annotations"`
	Templating struct {
		List []struct {
			Name  string          `json:"name"`
			Type  string          `json:"type"`
			Query json.RawMessage `json:"query"`
		} `json:"list"`
	} `json:"templating"`
}

// panel is a Grafana panel; rows that are collapsed nest their panels.
type panel struct {
	ID      int     `json:"id"`
	Title   string  `json:"title"`
	Panels  []panel `json:"panels"`
	Targets []struct {
		RefID string `json:"refId"`
		Expr  string `json:"expr"`
	} `json:"targets"`
}

// FromDashboard returns every PromQL expression of the Grafana dashboard
// JSON at path: panel targets (rows included), query variables and
// annotation queries. Variable queries in Grafana's label_values(selector,
// label) and query_result(expr) forms yield their selector or expr.
func FromDashboard(path string) ([]Expr, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var d dashboard
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var out []Expr
	var walk func(ps []panel)
	walk = func(ps []panel) {
		for _, p := range ps {
			for _, t := range p.Targets {
				if t.Expr != "" {
					out = append(out, Expr{
						Source: fmt.Sprintf("%s: panel %d %q: target %s", path, p.ID, p.Title, t.RefID),
						Query:  t.Expr,
					})
				}
			}
			walk(p.Panels)
		}
	}
	walk(d.Panels)
	for _, a := range d.Annotations.List {
		if a.Expr != "" {
			out = append(out, Expr{Source: fmt.Sprintf("%s: annotation %q", path, a.Name), Query: a.Expr})
		}
	}
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		q, err := variableQuery(v.Query)
		if err != nil {
			return nil, fmt.Errorf("%s: variable %q: %w", path, v.Name, err)
		}
		if q != "" {
			out = append(out, Expr{Source: fmt.Sprintf("%s: variable %q", path, v.Name), Query: q})
		}
	}
	return out, nil
}

var (
	labelValuesQuery = regexp.MustCompile(`^\s*label_values\(\s*(.+)\s*,\s*\w+\s*\)\s*$`)
	labelOnlyQuery   = regexp.MustCompile(`^\s*(label_values\(\s*\w+\s*\)|label_names\(.*\)|metrics\(.*\))\s*$`)
	queryResultQuery = regexp.MustCompile(`^\s*query_result\((.+)\)\s*$`)
)

// variableQuery extracts the PromQL of a Prometheus query variable, whose
// query is a string or (newer Grafana) an object with a "query" field. It
// returns "" for queries that select no metric (label_values(label)).
func variableQuery(raw json.RawMessage) (string, error) {
	var q string
	if err := json.Unmarshal(raw, &q); err != nil {
		var obj struct {
			Query string `json:"query"`
		}
		if err := json.Unmarshal(raw, &obj); err != nil {
			return "", fmt.Errorf("query is neither a string nor an object with a query: %w", err)
		}
		q = obj.Query
	}
	switch {
	case labelOnlyQuery.MatchString(q):
		return "", nil
	case labelValuesQuery.MatchString(q):
		return labelValuesQuery.FindStringSubmatch(q)[1], nil
	case queryResultQuery.MatchString(q):
		return queryResultQuery.FindStringSubmatch(q)[1], nil
	case strings.TrimSpace(q) == "":
		return "", fmt.Errorf("empty query")
	default:
		return "", fmt.Errorf("unsupported variable query %q", q)
	}
}

// ruleFile is the part of a Prometheus rule file that holds PromQL.
type ruleFile struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []struct {
			Record string `yaml:"record"`
			Alert  string `yaml:"alert"`
			Expr   string `yaml:"expr"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

// FromRuleFile returns the expression of every rule in the Prometheus rule
// file at path, and the metric names its recording rules produce (which
// other expressions may then select).
func FromRuleFile(path string) (exprs []Expr, recorded []string, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	var f ruleFile
	if err := yaml.Unmarshal(b, &f); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	for _, g := range f.Groups {
		for _, r := range g.Rules {
			name := r.Alert
			if r.Record != "" {
				name = r.Record
				recorded = append(recorded, r.Record)
			}
			exprs = append(exprs, Expr{Source: fmt.Sprintf("%s: group %q: rule %q", path, g.Name, name), Query: r.Expr})
		}
	}
	return exprs, recorded, nil
}
