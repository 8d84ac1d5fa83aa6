package main

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// repoRoot is the repository root seen from this package's directory.
const repoRoot = "../../.."

// TestInSync fails when the checked-in generated files differ from what
// `make kube-gen` would write: regenerating must change nothing.
func TestInSync(t *testing.T) {
	files, err := render(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	diffs, err := compare(repoRoot, files)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range diffs {
		t.Errorf("%s — run `make kube-gen`", d)
	}
	var stderr bytes.Buffer
	if code := run([]string{"-root", repoRoot, "-check"}, &bytes.Buffer{}, &stderr); code != 0 {
		t.Errorf("gen -check exit %d, want 0\n%s", code, stderr.String())
	}
}

// TestPrometheusRuleGroups checks that the PrometheusRule's spec holds
// exactly the rule file's groups.
func TestPrometheusRuleGroups(t *testing.T) {
	src, err := os.ReadFile(filepath.Join(repoRoot, rulesSource))
	if err != nil {
		t.Fatal(err)
	}
	out, err := prometheusRule(src)
	if err != nil {
		t.Fatal(err)
	}
	var rule struct {
		APIVersion string `yaml:"apiVersion"`
		Kind       string `yaml:"kind"`
		Metadata   struct {
			Name string `yaml:"name"`
		} `yaml:"metadata"`
		Spec map[string]any `yaml:"spec"`
	}
	if err := yaml.Unmarshal(out, &rule); err != nil {
		t.Fatalf("generated PrometheusRule does not parse: %v", err)
	}
	var want map[string]any
	if err := yaml.Unmarshal(src, &want); err != nil {
		t.Fatal(err)
	}
	if rule.APIVersion != "monitoring.coreos.com/v1" || rule.Kind != "PrometheusRule" || rule.Metadata.Name != "loadcron" {
		t.Errorf("header = %s %s %s", rule.APIVersion, rule.Kind, rule.Metadata.Name)
	}
	if !reflect.DeepEqual(rule.Spec, want) {
		t.Errorf("spec differs from %s", rulesSource)
	}
	groups, _ := rule.Spec["groups"].([]any)
	if len(groups) == 0 {
		t.Error("no groups in spec")
	}
}

// TestPrometheusRuleRejects checks the inputs a PrometheusRule cannot hold.
func TestPrometheusRuleRejects(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		// A key besides groups has no place in the spec.
		{"extra key", "groups: []\nfoo: 1\n", `unexpected top-level key "foo"`},
		// An empty file has no groups.
		{"no groups", "# nothing\n", "no groups"},
		// A second document would be cut off by indentation.
		{"document marker", "groups:\n  - name: a\n    rules: []\n...\n", "document marker"},
		// Broken YAML is reported, not wrapped.
		{"bad yaml", "groups: [\n", "yaml"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := prometheusRule([]byte(tc.src))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// TestCheckAndWrite runs the command on a scratch tree: -check reports
// each kind of drift, a write fixes it, and -check then passes.
func TestCheckAndWrite(t *testing.T) {
	tests := []struct {
		name  string
		drift func(t *testing.T, root string)
		want  string
	}{
		// A hand edit of the PrometheusRule.
		{"stale rule", func(t *testing.T, root string) {
			appendFile(t, filepath.Join(root, ruleOutput), "# edited\n")
		}, "prometheusrule.yaml: out of date"},
		// A dashboard changed at the source, not regenerated.
		{"stale dashboard", func(t *testing.T, root string) {
			appendFile(t, filepath.Join(root, "dashboards/a.json"), " ")
		}, "dashboards/a.json: out of date"},
		// A new dashboard that has no copy yet.
		{"missing dashboard", func(t *testing.T, root string) {
			writeFile(t, filepath.Join(root, "dashboards/b.json"), "{}")
		}, "dashboards/b.json: missing"},
		// A copy whose source was deleted.
		{"extra dashboard", func(t *testing.T, root string) {
			writeFile(t, filepath.Join(root, dashboardsOut, "old.json"), "{}")
		}, "old.json: not generated"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			writeFile(t, filepath.Join(root, rulesSource), "groups:\n  - name: g\n    rules: []\n")
			writeFile(t, filepath.Join(root, "dashboards/a.json"), "{\"uid\": \"a\"}\n")
			var out, errOut bytes.Buffer
			if code := run([]string{"-root", root}, &out, &errOut); code != 0 {
				t.Fatalf("write exit %d: %s", code, errOut.String())
			}
			if code := run([]string{"-root", root, "-check"}, &out, &errOut); code != 0 {
				t.Fatalf("check after write exit %d: %s", code, errOut.String())
			}
			tc.drift(t, root)
			errOut.Reset()
			if code := run([]string{"-root", root, "-check"}, &out, &errOut); code != 1 {
				t.Fatalf("check after drift exit %d, want 1", code)
			}
			if !strings.Contains(errOut.String(), tc.want) {
				t.Errorf("check output %q does not contain %q", errOut.String(), tc.want)
			}
			errOut.Reset()
			if code := run([]string{"-root", root}, &out, &errOut); code != 0 {
				t.Fatalf("rewrite exit %d: %s", code, errOut.String())
			}
			if code := run([]string{"-root", root, "-check"}, &out, &errOut); code != 0 {
				t.Errorf("check after rewrite exit %d: %s", code, errOut.String())
			}
		})
	}
}

func writeFile(t *testing.T, path, s string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func appendFile(t *testing.T, path, s string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, string(b)+s)
}
