package dashboards

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// dashboard is the part of a Grafana dashboard JSON the checks read.
type dashboard struct {
	UID           string  `json:"uid"`
	Title         string  `json:"title"`
	SchemaVersion int     `json:"schemaVersion"`
	Editable      *bool   `json:"editable"`
	Panels        []panel `json:"panels"`
	Templating    struct {
		List []struct {
			Name       string          `json:"name"`
			Type       string          `json:"type"`
			Datasource json.RawMessage `json:"datasource"`
			IncludeAll bool            `json:"includeAll"`
			AllValue   string          `json:"allValue"`
		} `json:"list"`
	} `json:"templating"`
}

type panel struct {
	ID         *int                      `json:"id"`
	Type       string                    `json:"type"`
	Title      string                    `json:"title"`
	Datasource json.RawMessage           `json:"datasource"`
	GridPos    *struct{ H, W, X, Y int } `json:"gridPos"`
	Targets    []struct {
		RefID      string          `json:"refId"`
		Expr       string          `json:"expr"`
		Datasource json.RawMessage `json:"datasource"`
	} `json:"targets"`
	Panels []panel `json:"panels"`
}

// datasourceVar is how every panel must name its datasource: through the
// dashboard's datasource variable, so one file serves any Prometheus.
const datasourceVar = `${datasource}`

// usesDatasourceVar reports whether raw is {"type":"prometheus","uid":"${datasource}"}
// or the legacy string form "${datasource}".
func usesDatasourceVar(raw json.RawMessage) bool {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s == datasourceVar
	}
	var ref struct{ Type, UID string }
	return json.Unmarshal(raw, &ref) == nil && ref.Type == "prometheus" && ref.UID == datasourceVar
}

// histogramProblem says what is wrong with a query of a request
// histogram's classic series (_bucket, _sum, _count) that has no
// native-histogram branch: a Prometheus that stores the native histogram
// only (2.x with native histograms on, 3.x without
// always_scrape_classic_histograms) has no such series. The form is
// `<native query> or on () <classic query>`: the native result when there
// is one, the classic otherwise.
func histogramProblem(expr string) string {
	for _, h := range []string{"loadcron_request_duration_seconds", "loadcron_request_ttfb_seconds"} {
		if !strings.Contains(expr, h+"_bucket") && !strings.Contains(expr, h+"_sum") && !strings.Contains(expr, h+"_count") {
			continue
		}
		native, classic, ok := strings.Cut(expr, " or on () ")
		if !ok || !strings.Contains(native, h+"{") || strings.Contains(native, h+"_") || !strings.Contains(classic, h+"_") {
			return "classic " + h + " series without a native-histogram branch (<native> or on () <classic>)"
		}
	}
	return ""
}

// check returns every problem of one dashboard JSON document.
func check(b []byte) []string {
	var d dashboard
	if err := json.Unmarshal(b, &d); err != nil {
		return []string{"not JSON: " + err.Error()}
	}
	var probs []string
	if d.SchemaVersion == 0 {
		probs = append(probs, "schemaVersion not set")
	}
	if d.UID == "" || d.Title == "" {
		probs = append(probs, "uid or title not set")
	}
	// Provisioned dashboards are the source; edits belong in the file.
	if d.Editable == nil || *d.Editable {
		probs = append(probs, "editable is not false")
	}
	vars := map[string]string{}
	for _, v := range d.Templating.List {
		vars[v.Name] = v.Type
		if v.Type == "query" && !usesDatasourceVar(v.Datasource) {
			probs = append(probs, fmt.Sprintf("variable %q does not use %s", v.Name, datasourceVar))
		}
		// "All" must match something: .* would also match a missing
		// label, and Grafana's default (every value ORed) grows with them.
		if v.IncludeAll && v.AllValue != ".+" {
			probs = append(probs, fmt.Sprintf("variable %q: allValue %q, want .+", v.Name, v.AllValue))
		}
	}
	if vars["datasource"] != "datasource" {
		probs = append(probs, "no datasource variable")
	}
	for _, name := range []string{"job", "instance", "suite", "scenario", "target"} {
		if vars[name] != "query" {
			probs = append(probs, fmt.Sprintf("no query variable %q", name))
		}
	}
	ids := map[int]string{}
	var walk func(ps []panel)
	walk = func(ps []panel) {
		for _, p := range ps {
			where := fmt.Sprintf("panel %q", p.Title)
			if p.ID == nil {
				probs = append(probs, where+": no id")
			} else if prev, dup := ids[*p.ID]; dup {
				probs = append(probs, fmt.Sprintf("%s: id %d already used by %s", where, *p.ID, prev))
			} else {
				ids[*p.ID] = where
			}
			if p.GridPos == nil || p.GridPos.W == 0 || p.GridPos.H == 0 {
				probs = append(probs, where+": no gridPos")
			}
			walk(p.Panels)
			if p.Type == "row" || p.Type == "text" {
				continue
			}
			if p.Title == "" {
				probs = append(probs, fmt.Sprintf("panel %d: no title", *p.ID))
			}
			if !usesDatasourceVar(p.Datasource) {
				probs = append(probs, where+": datasource is not "+datasourceVar)
			}
			if len(p.Targets) == 0 {
				probs = append(probs, where+": no targets")
			}
			refs := map[string]bool{}
			for i, t := range p.Targets {
				if t.RefID == "" || refs[t.RefID] {
					probs = append(probs, fmt.Sprintf("%s: target %d: missing or duplicate refId %q", where, i, t.RefID))
				}
				refs[t.RefID] = true
				if strings.TrimSpace(t.Expr) == "" {
					probs = append(probs, fmt.Sprintf("%s: target %s: no expr", where, t.RefID))
				}
				if p := histogramProblem(t.Expr); p != "" {
					probs = append(probs, fmt.Sprintf("%s: target %s: %s", where, t.RefID, p))
				}
				if len(t.Datasource) > 0 && !usesDatasourceVar(t.Datasource) {
					probs = append(probs, fmt.Sprintf("%s: target %s: datasource is not %s", where, t.RefID, datasourceVar))
				}
			}
		}
	}
	walk(d.Panels)
	if len(ids) == 0 {
		probs = append(probs, "no panels")
	}
	return probs
}

// TestDashboardsAreValid checks every shipped dashboard.
func TestDashboardsAreValid(t *testing.T) {
	files, err := filepath.Glob("*.json")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"loadcron-overview.json": false, "loadcron-scenario.json": false}
	uids := map[string]string{}
	for _, f := range files {
		want[f] = true
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range check(b) {
			t.Errorf("%s: %s", f, p)
		}
		var d dashboard
		if json.Unmarshal(b, &d) == nil && d.UID != "" {
			if prev, dup := uids[d.UID]; dup {
				t.Errorf("%s: uid %q already used by %s", f, d.UID, prev)
			}
			uids[d.UID] = f
		}
	}
	for f, found := range want {
		if !found {
			t.Errorf("dashboard %s missing", f)
		}
	}
}

// TestCheckCatchesProblems shows that each rule of check can fail.
func TestCheckCatchesProblems(t *testing.T) {
	const vars = `"editable":false,"templating":{"list":[{"name":"datasource","type":"datasource"},
		{"name":"job","type":"query","datasource":{"type":"prometheus","uid":"${datasource}"},"includeAll":true,"allValue":".+"},
		{"name":"instance","type":"query","datasource":{"type":"prometheus","uid":"${datasource}"}},
		{"name":"suite","type":"query","datasource":{"type":"prometheus","uid":"${datasource}"}},
		{"name":"scenario","type":"query","datasource":{"type":"prometheus","uid":"${datasource}"}},
		{"name":"target","type":"query","datasource":{"type":"prometheus","uid":"${datasource}"}}]}`
	const ds = `"datasource":{"type":"prometheus","uid":"${datasource}"}`
	const grid = `"gridPos":{"h":8,"w":12,"x":0,"y":0}`
	tests := []struct {
		name string
		json string
		want string // substring of one problem; "" for none
	}{
		// A minimal valid dashboard with a collapsed row.
		{"valid", `{"uid":"u","title":"t","schemaVersion":39,` + vars + `,"panels":[{"id":1,"type":"row","title":"r",` + grid + `,"panels":[{"id":2,"type":"timeseries","title":"p",` + ds + `,` + grid + `,"targets":[{"refId":"A","expr":"up"}]}]}]}`, ""},
		// schemaVersion missing.
		{"no schema", `{"uid":"u","title":"t",` + vars + `,"panels":[{"id":1,"type":"text","title":"x",` + grid + `}]}`, "schemaVersion not set"},
		// uid missing.
		{"no uid", `{"title":"t","schemaVersion":39,` + vars + `,"panels":[{"id":1,"type":"text","title":"x",` + grid + `}]}`, "uid or title not set"},
		// A panel inside a row reuses the row's id.
		{"duplicate nested id", `{"uid":"u","title":"t","schemaVersion":39,` + vars + `,"panels":[{"id":1,"type":"row","title":"r",` + grid + `,"panels":[{"id":1,"type":"text","title":"x",` + grid + `}]}]}`, "id 1 already used"},
		// A panel with a fixed datasource uid.
		{"fixed datasource", `{"uid":"u","title":"t","schemaVersion":39,` + vars + `,"panels":[{"id":1,"type":"stat","title":"s","datasource":{"type":"prometheus","uid":"abc"},` + grid + `,"targets":[{"refId":"A","expr":"up"}]}]}`, "datasource is not"},
		// A panel without targets.
		{"no targets", `{"uid":"u","title":"t","schemaVersion":39,` + vars + `,"panels":[{"id":1,"type":"stat","title":"s",` + ds + `,` + grid + `}]}`, "no targets"},
		// A target without refId.
		{"no refId", `{"uid":"u","title":"t","schemaVersion":39,` + vars + `,"panels":[{"id":1,"type":"stat","title":"s",` + ds + `,` + grid + `,"targets":[{"expr":"up"}]}]}`, "refId"},
		// A target without expr.
		{"no expr", `{"uid":"u","title":"t","schemaVersion":39,` + vars + `,"panels":[{"id":1,"type":"stat","title":"s",` + ds + `,` + grid + `,"targets":[{"refId":"A"}]}]}`, "no expr"},
		// The variables are missing.
		{"no variables", `{"uid":"u","title":"t","schemaVersion":39,"editable":false,"panels":[{"id":1,"type":"text","title":"x",` + grid + `}]}`, "no datasource variable"},
		// Editable in Grafana.
		{"editable", `{"uid":"u","title":"t","schemaVersion":39,` + strings.Replace(vars, `"editable":false`, `"editable":true`, 1) + `,"panels":[{"id":1,"type":"text","title":"x",` + grid + `}]}`, "editable is not false"},
		// "All" as .*.
		{"all value", `{"uid":"u","title":"t","schemaVersion":39,` + strings.Replace(vars, `".+"`, `".*"`, 1) + `,"panels":[{"id":1,"type":"text","title":"x",` + grid + `}]}`, "allValue"},
		// Classic buckets only.
		{"classic only", `{"uid":"u","title":"t","schemaVersion":39,` + vars + `,"panels":[{"id":1,"type":"stat","title":"s",` + ds + `,` + grid + `,"targets":[{"refId":"A","expr":"histogram_quantile(0.95, sum by (le) (rate(loadcron_request_duration_seconds_bucket[5m])))"}]}]}`, "native-histogram branch"},
		// Both branches.
		{"native or classic", `{"uid":"u","title":"t","schemaVersion":39,` + vars + `,"panels":[{"id":1,"type":"stat","title":"s",` + ds + `,` + grid + `,"targets":[{"refId":"A","expr":"histogram_quantile(0.95, sum (rate(loadcron_request_duration_seconds{x=\"y\"}[5m]))) or on () histogram_quantile(0.95, sum by (le) (rate(loadcron_request_duration_seconds_bucket[5m])))"}]}]}`, ""},
		// The TTFB mean from _sum and _count only: empty where the
		// histogram is stored native only.
		{"ttfb classic only", `{"uid":"u","title":"t","schemaVersion":39,` + vars + `,"panels":[{"id":1,"type":"stat","title":"s",` + ds + `,` + grid + `,"targets":[{"refId":"A","expr":"sum (rate(loadcron_request_ttfb_seconds_sum[5m])) / sum (rate(loadcron_request_ttfb_seconds_count[5m]))"}]}]}`, "native-histogram branch"},
		// The same with its native branch.
		{"ttfb native or classic", `{"uid":"u","title":"t","schemaVersion":39,` + vars + `,"panels":[{"id":1,"type":"stat","title":"s",` + ds + `,` + grid + `,"targets":[{"refId":"A","expr":"histogram_sum(sum (rate(loadcron_request_ttfb_seconds{x=\"y\"}[5m]))) / histogram_count(sum (rate(loadcron_request_ttfb_seconds{x=\"y\"}[5m]))) or on () sum (rate(loadcron_request_ttfb_seconds_sum[5m])) / sum (rate(loadcron_request_ttfb_seconds_count[5m]))"}]}]}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			probs := check([]byte(tt.json))
			if tt.want == "" {
				if len(probs) > 0 {
					t.Fatalf("problems %q, want none", probs)
				}
				return
			}
			for _, p := range probs {
				if strings.Contains(p, tt.want) {
					return
				}
			}
			t.Fatalf("problems %q, want one containing %q", probs, tt.want)
		})
	}
}
