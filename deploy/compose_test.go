package deploy

import (
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/loadcron/loadcron/internal/config"
)

// composeFile is the part of compose.yaml the tests read.
type composeFile struct {
	Services map[string]composeService `yaml:"services"`
	Volumes  map[string]any            `yaml:"volumes"`
}

type composeService struct {
	Image string `yaml:"image"`
	Build *struct {
		Context    string `yaml:"context"`
		Dockerfile string `yaml:"dockerfile"`
	} `yaml:"build"`
	Entrypoint []string       `yaml:"entrypoint"`
	Command    []string       `yaml:"command"`
	Volumes    []string       `yaml:"volumes"`
	Ports      []string       `yaml:"ports"`
	DependsOn  any            `yaml:"depends_on"`
	Env        map[string]any `yaml:"environment"`
}

const composeDir = "compose"

func readCompose(t *testing.T) composeFile {
	t.Helper()
	var c composeFile
	readYAML(t, filepath.Join(composeDir, "compose.yaml"), &c)
	return c
}

// mounts returns a service's volumes as (source, target) pairs; a source
// that is a path is resolved against the compose directory.
func mounts(s composeService) (binds, named map[string]string) {
	binds, named = map[string]string{}, map[string]string{}
	for _, v := range s.Volumes {
		parts := strings.Split(v, ":")
		src, dst := parts[0], parts[1]
		if strings.HasPrefix(src, ".") || strings.HasPrefix(src, "/") {
			binds[dst] = filepath.Join(composeDir, src)
		} else {
			named[dst] = src
		}
	}
	return binds, named
}

// TestComposeStack checks the services, their images, dependencies, ports
// and volumes.
func TestComposeStack(t *testing.T) {
	c := readCompose(t)
	for _, name := range []string{"loadcron", "chatsim", "redis", "prometheus", "alertmanager", "grafana"} {
		if _, ok := c.Services[name]; !ok {
			t.Errorf("service %s missing", name)
		}
	}
	for name, s := range c.Services {
		if s.Image == "" {
			t.Errorf("%s: no image", name)
		}
		if s.Build != nil {
			ctx := filepath.Join(composeDir, s.Build.Context)
			if abs, _ := filepath.Abs(ctx); abs != mustAbs(t, repoRoot) {
				t.Errorf("%s: build context %s is not the repository root", name, s.Build.Context)
			}
			mustExist(t, filepath.Join(ctx, s.Build.Dockerfile))
		}
		var deps []string
		switch d := s.DependsOn.(type) {
		case []any:
			for _, x := range d {
				deps = append(deps, x.(string))
			}
		case map[string]any:
			for k := range d {
				deps = append(deps, k)
			}
		}
		for _, d := range deps {
			if _, ok := c.Services[d]; !ok {
				t.Errorf("%s depends on unknown service %s", name, d)
			}
		}
		for _, p := range s.Ports {
			if !strings.HasPrefix(p, "127.0.0.1:") {
				t.Errorf("%s: port %s published beyond loopback", name, p)
			}
		}
		binds, named := mounts(s)
		for dst, src := range binds {
			if _, err := os.Stat(src); err != nil {
				t.Errorf("%s: bind mount for %s: %v", name, dst, err)
			}
		}
		for _, vol := range named {
			if _, ok := c.Volumes[vol]; !ok {
				t.Errorf("%s: volume %s not declared", name, vol)
			}
		}
	}
	chat := c.Services["chatsim"]
	if !slices.Contains(chat.Command, "--redis-addr=redis:6379") {
		t.Errorf("chatsim command %v: want --redis-addr=redis:6379", chat.Command)
	}
	if len(chat.Entrypoint) != 1 || filepath.Base(chat.Entrypoint[0]) != "chatsim" {
		t.Errorf("chatsim entrypoint %v", chat.Entrypoint)
	}
	lc := c.Services["loadcron"]
	binds, _ := mounts(lc)
	if cfg := binds[flagValue(lc.Command, "--config.file")]; cfg != filepath.Join(composeDir, "loadcron.yaml") {
		t.Errorf("loadcron --config.file %q is not the mounted compose/loadcron.yaml (%v)", flagValue(lc.Command, "--config.file"), binds)
	}
	checkCommandLine(t, "compose loadcron command", lc.Command)
	if _, named := mounts(lc); named[flagValue(lc.Command, "--data-dir")] == "" {
		t.Errorf("loadcron --data-dir %q is not on a volume", flagValue(lc.Command, "--data-dir"))
	}
}

// flagValue returns X from a "--name=X" element of args.
func flagValue(args []string, name string) string {
	for _, a := range args {
		if v, ok := strings.CutPrefix(a, name+"="); ok {
			return v
		}
	}
	return ""
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// composeDefault matches compose's ${VAR:-default} interpolation.
var composeDefault = regexp.MustCompile(`\$\{[A-Z_]+:-([^}]*)\}`)

// TestLoadcronConfigs validates the deployment configs as `loadcron serve`
// would and checks that they carry the guide's suite unchanged.
func TestLoadcronConfigs(t *testing.T) {
	c := readCompose(t)
	var composeEnv []string
	for k, v := range c.Services["loadcron"].Env {
		composeEnv = append(composeEnv, k+"="+composeDefault.ReplaceAllString(v.(string), "$1"))
	}
	tests := []struct {
		path, host string
		env        []string // the config keys the deployment sets from the environment
	}{
		// compose: the target is the chatsim service.
		{filepath.Join(composeDir, "loadcron.yaml"), "chatsim", composeEnv},
		// Kubernetes: the target is the chatsim Service of the demo overlay.
		{"kubernetes/base/loadcron.yaml", "chatsim", []string{"LOADCRON_SERVER__TRIGGER_TOKEN=from-secret"}},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			cfg, err := config.Load(tc.path, config.LoadOptions{Env: tc.env})
			if err != nil {
				t.Fatalf("loadcron validate --config.file %s: %v", tc.path, err)
			}
			for name, s := range cfg.Suites {
				if s.TriggerOnly() {
					t.Errorf("suite %s has no schedule: the deployed daemon would never run it", name)
				}
			}
			u, err := url.Parse(cfg.Targets["chat"].URL)
			if err != nil || u.Hostname() != tc.host {
				t.Errorf("targets.chat.url = %s, want host %s", cfg.Targets["chat"].URL, tc.host)
			}
			if len(tc.env) > 0 && cfg.Server.TriggerToken == "" {
				t.Errorf("env %v did not set server.trigger_token", tc.env)
			}
			sameScenarios(t, tc.path, fromRoot("config/loadcron.yaml"))
		})
	}
	cfg, err := config.Load(filepath.Join(composeDir, "loadcron.yaml"), config.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(cfg.Targets["chat"].URL)
	_, port, _ := net.SplitHostPort(flagValue(c.Services["chatsim"].Command, "--listen"))
	if u.Port() != port {
		t.Errorf("target port %s, chatsim listens on %s", u.Port(), port)
	}
}

// TestComposePrometheus runs promtool check config on prometheus.yml laid
// out as the container sees it (the mounted rules included), and checks
// its targets against the services.
func TestComposePrometheus(t *testing.T) {
	c := readCompose(t)
	prom := c.Services["prometheus"]
	cfgPath := flagValue(prom.Command, "--config.file")
	binds, _ := mounts(prom)
	tree := t.TempDir() // the container's /
	for dst, src := range binds {
		link := filepath.Join(tree, filepath.FromSlash(dst))
		if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(mustAbs(t, src), link); err != nil {
			t.Fatal(err)
		}
	}
	var pc struct {
		RuleFiles []string `yaml:"rule_files"`
		Alerting  struct {
			Alertmanagers []struct {
				StaticConfigs []struct {
					Targets []string `yaml:"targets"`
				} `yaml:"static_configs"`
			} `yaml:"alertmanagers"`
		} `yaml:"alerting"`
		ScrapeConfigs []struct {
			JobName       string `yaml:"job_name"`
			StaticConfigs []struct {
				Targets []string `yaml:"targets"`
			} `yaml:"static_configs"`
		} `yaml:"scrape_configs"`
	}
	readYAML(t, filepath.Join(composeDir, "prometheus.yml"), &pc)
	// The loadcron job keeps native and classic histograms (Prometheus
	// 3.8+ settings, which promtool 2.42 does not know: it checks a copy
	// without them, put where the container sees the file).
	if !strings.HasPrefix(prom.Image, "prom/prometheus:v3.") || versionBelow(strings.TrimPrefix(prom.Image, "prom/prometheus:v"), 3, 8) {
		t.Errorf("prometheus image %s: want 3.8 or later (scrape_native_histograms)", prom.Image)
	}
	var raw map[string]any
	readYAML(t, filepath.Join(composeDir, "prometheus.yml"), &raw)
	found := false
	for _, sc := range raw["scrape_configs"].([]any) {
		job := sc.(map[string]any)
		if job["job_name"] != "loadcron" {
			continue
		}
		found = true
		if job["scrape_native_histograms"] != true || job["always_scrape_classic_histograms"] != true {
			t.Errorf("job loadcron: scrape_native_histograms %v, always_scrape_classic_histograms %v; want both true",
				job["scrape_native_histograms"], job["always_scrape_classic_histograms"])
		}
		delete(job, "scrape_native_histograms")
		delete(job, "always_scrape_classic_histograms")
	}
	if !found {
		t.Fatal("no loadcron job")
	}
	stripped, err := yaml.Marshal(raw)
	if err != nil {
		t.Fatal(err)
	}
	inTree := filepath.Join(tree, filepath.FromSlash(cfgPath))
	if err := os.Remove(inTree); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(inTree, stripped, 0o644); err != nil {
		t.Fatal(err)
	}
	rules := 0
	for _, g := range pc.RuleFiles {
		m, _ := filepath.Glob(filepath.Join(tree, filepath.FromSlash(filepath.Dir(cfgPath)), g))
		rules += len(m)
	}
	if rules == 0 {
		t.Errorf("rule_files %v match no file in the container", pc.RuleFiles)
	}
	var jobs []string
	for _, sc := range pc.ScrapeConfigs {
		jobs = append(jobs, sc.JobName)
		if sc.JobName == "loadcron" && !slices.Contains(sc.StaticConfigs[0].Targets, "loadcron:8097") {
			t.Errorf("job loadcron targets %v, want loadcron:8097", sc.StaticConfigs[0].Targets)
		}
	}
	if !slices.Contains(jobs, "loadcron") {
		t.Error(`no scrape job "loadcron" (the rules match up{job="loadcron"})`)
	}
	if len(pc.Alerting.Alertmanagers) == 0 || !slices.Contains(pc.Alerting.Alertmanagers[0].StaticConfigs[0].Targets, "alertmanager:9093") {
		t.Error("alerting does not target alertmanager:9093")
	}
	promtool := tool(t, "promtool")
	out, err := runCmd(t, time.Minute, "", nil, promtool, "check", "config", filepath.Join(tree, filepath.FromSlash(cfgPath)))
	if err != nil {
		t.Fatalf("promtool check config: %v\n%s", err, out)
	}
	if !strings.Contains(out, "SUCCESS") || !strings.Contains(out, "rules found") {
		t.Errorf("promtool check config did not check the rules:\n%s", out)
	}
}

// TestComposeGrafana checks the provisioning: a default Prometheus data
// source (what the dashboards' datasource variable selects) and a provider
// reading the mounted dashboards.
func TestComposeGrafana(t *testing.T) {
	c := readCompose(t)
	binds, _ := mounts(c.Services["grafana"])
	var ds struct {
		Datasources []struct {
			Name, UID, Type, URL string
			IsDefault            bool `yaml:"isDefault"`
		} `yaml:"datasources"`
	}
	readYAML(t, filepath.Join(composeDir, "grafana/provisioning/datasources/prometheus.yaml"), &ds)
	if len(ds.Datasources) != 1 || ds.Datasources[0].Type != "prometheus" || !ds.Datasources[0].IsDefault {
		t.Fatalf("datasources = %+v, want one default prometheus", ds.Datasources)
	}
	if u, err := url.Parse(ds.Datasources[0].URL); err != nil || u.Hostname() != "prometheus" || u.Port() != "9090" {
		t.Errorf("datasource url %s, want the prometheus service on 9090", ds.Datasources[0].URL)
	}
	var prov struct {
		Providers []struct {
			Type    string
			Options struct{ Path string }
		} `yaml:"providers"`
	}
	readYAML(t, filepath.Join(composeDir, "grafana/provisioning/dashboards/loadcron.yaml"), &prov)
	if len(prov.Providers) != 1 || prov.Providers[0].Type != "file" {
		t.Fatalf("providers = %+v", prov.Providers)
	}
	if src := binds[prov.Providers[0].Options.Path]; mustAbs(t, src) != mustAbs(t, fromRoot("dashboards")) {
		t.Errorf("provider path %s is not the mounted dashboards/ (%v)", prov.Providers[0].Options.Path, binds)
	}
	if src := binds["/etc/grafana/provisioning"]; mustAbs(t, src) != mustAbs(t, filepath.Join(composeDir, "grafana/provisioning")) {
		t.Errorf("provisioning mount = %s", src)
	}
	dashboards, _ := filepath.Glob(fromRoot("dashboards/*.json"))
	if len(dashboards) == 0 {
		t.Fatal("no dashboards")
	}
	for _, d := range dashboards {
		var db struct {
			Templating struct {
				List []struct{ Name, Type, Query string }
			}
		}
		b, err := os.ReadFile(d)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &db); err != nil {
			t.Fatalf("%s: %v", d, err)
		}
		i := slices.IndexFunc(db.Templating.List, func(v struct{ Name, Type, Query string }) bool { return v.Name == "datasource" })
		if i < 0 || db.Templating.List[i].Type != "datasource" || db.Templating.List[i].Query != ds.Datasources[0].Type {
			t.Errorf("%s: no datasource variable of type %s", d, ds.Datasources[0].Type)
		}
	}
}

// versionBelow reports whether version ("3.9.1") is below major.minor.
func versionBelow(version string, major, minor int) bool {
	var ma, mi int
	if _, err := fmt.Sscanf(version, "%d.%d", &ma, &mi); err != nil {
		return true
	}
	return ma < major || (ma == major && mi < minor)
}
