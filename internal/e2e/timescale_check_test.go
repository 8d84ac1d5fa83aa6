package e2e

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql/parser"
	"go.yaml.in/yaml/v3"

	"github.com/loadcron/loadcron/internal/promqlcheck"
)

func TestScaleText(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		// At 180 (a 5s schedule): pending times and evaluation intervals.
		{"for 2m", "2m", "1s"},
		{"for 5m", "5m", "2s"},
		{"for 15m", "15m", "5s"},
		{"for 30m", "30m", "10s"},
		// Windows.
		{"1h window", "1h", "20s"},
		{"6h window", "6h", "2m"},
		{"1d window", "1d", "8m"},
		{"7d window", "7d", "56m"},
		// Compound durations are read whole.
		{"compound", "1h30m", "30s"},
		// Short durations never go below one second.
		{"floor", "10s", "1s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := scaleText(tt.in, 180)
			if err != nil || got != tt.want {
				t.Errorf("scaleText(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestRewriteRuleTimingText(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		// A pending time, with a trailing comment.
		{"for", "        for: 30m # two runs\n", "        for: 10s # two runs\n"},
		// A group's evaluation interval.
		{"interval", "    interval: 5m\n", "    interval: 2s\n"},
		// A range vector.
		{"range", "expr: increase(x[1h]) > 0", "expr: increase(x[20s]) > 0"},
		// A subquery with and without a step.
		{"subquery", "max_over_time(x[1d:5m]) + min_over_time(x[1d:])", "max_over_time(x[8m:2s]) + min_over_time(x[8m:])"},
		// An offset.
		{"offset", "x offset 1h", "x offset 20s"},
		// Numbers that are not durations stay.
		{"numbers", "time() - x > 600 and y[1]", "time() - x > 600 and y[1]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := rewriteRuleTiming(tt.in, 180)
			if err != nil || got != tt.want {
				t.Errorf("rewriteRuleTiming(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

// scaleAST applies the documented transformation to a parsed expression.
func scaleAST(n parser.Node, by int) {
	parser.Inspect(n, func(n parser.Node, _ []parser.Node) error {
		switch n := n.(type) {
		case *parser.MatrixSelector:
			n.Range = scaleDuration(n.Range, by)
		case *parser.SubqueryExpr:
			n.Range = scaleDuration(n.Range, by)
			if n.Step != 0 {
				n.Step = scaleDuration(n.Step, by)
			}
			if n.OriginalOffset != 0 {
				n.OriginalOffset = scaleDuration(n.OriginalOffset, by)
			}
		case *parser.VectorSelector:
			if n.OriginalOffset != 0 {
				n.OriginalOffset = scaleDuration(n.OriginalOffset, by)
			}
		}
		return nil
	})
}

// ruleTiming is the timing of a rule file: group intervals and pending
// times, in file order.
type ruleTiming struct {
	Groups []struct {
		Name     string `yaml:"name"`
		Interval string `yaml:"interval"`
		Rules    []struct {
			For string `yaml:"for"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

func readTiming(t *testing.T, path string) ruleTiming {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rt ruleTiming
	if err := yaml.Unmarshal(b, &rt); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return rt
}

// TestRuleTimingRewrite checks, on the shipped rule files, that the
// e2e's copy at the drills' scale differs only by the documented timing
// transformation.
func TestRuleTimingRewrite(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(moduleRoot, "alerts", "*.yml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no rule files in alerts/: %v", err)
	}
	for _, src := range files {
		t.Run(filepath.Base(src), func(t *testing.T) {
			dst := filepath.Join(t.TempDir(), filepath.Base(src))
			if err := rewriteRuleFile(src, dst, drillScale); err != nil {
				t.Fatal(err)
			}
			orig, _, err := promqlcheck.FromRuleFile(src)
			if err != nil {
				t.Fatal(err)
			}
			fast, _, err := promqlcheck.FromRuleFile(dst)
			if err != nil {
				t.Fatal(err)
			}
			if len(orig) != len(fast) {
				t.Fatalf("%d rules, rewritten %d", len(orig), len(fast))
			}
			p := parser.NewParser(parser.Options{})
			for i := range orig {
				want, err := p.ParseExpr(orig[i].Query)
				if err != nil {
					t.Fatalf("%s: %v", orig[i].Source, err)
				}
				scaleAST(want, drillScale)
				got, err := p.ParseExpr(fast[i].Query)
				if err != nil {
					t.Fatalf("rewritten %s: %v", fast[i].Source, err)
				}
				if got.String() != want.String() {
					t.Errorf("%s:\n got %s\nwant %s", orig[i].Source, got, want)
				}
			}
			ot, ft := readTiming(t, src), readTiming(t, dst)
			for gi, g := range ot.Groups {
				if want := scaledOrEmpty(t, g.Interval, drillScale); ft.Groups[gi].Interval != want {
					t.Errorf("group %s: interval %q, want %q", g.Name, ft.Groups[gi].Interval, want)
				}
				for ri, r := range g.Rules {
					if want := scaledOrEmpty(t, r.For, drillScale); ft.Groups[gi].Rules[ri].For != want {
						t.Errorf("group %s rule %d: for %q, want %q", g.Name, ri, ft.Groups[gi].Rules[ri].For, want)
					}
				}
			}
		})
	}
}

func scaledOrEmpty(t *testing.T, s string, by int) string {
	t.Helper()
	if s == "" {
		return ""
	}
	d, err := model.ParseDuration(s)
	if err != nil {
		t.Fatalf("duration %q: %v", s, err)
	}
	return model.Duration(scaleDuration(time.Duration(d), by)).String()
}
