package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// alertmanagerConfig is the shipped example routing the e2e runs with.
const alertmanagerConfig = "deploy/alertmanager/alertmanager.yml"

// writeFile writes text to dir/name and returns the path.
func writeFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// chatsimProc is a chatsim process; restart brings it back on the same
// address.
type chatsimProc struct {
	*proc
	t       *testing.T
	dir     string
	bin     string
	logName string
	addr    string
	args    []string
}

// startChatsim starts chatsim (log chatsim.log) with extra flags.
func startChatsim(t *testing.T, dir, bin string, args ...string) *chatsimProc {
	t.Helper()
	return startNamedChatsim(t, dir, bin, "chatsim", args...)
}

// startNamedChatsim starts chatsim logging to dir/name.log, for stacks
// with several.
func startNamedChatsim(t *testing.T, dir, bin, name string, args ...string) *chatsimProc {
	t.Helper()
	c := &chatsimProc{t: t, dir: dir, bin: bin, logName: name, args: args}
	c.proc, c.addr = listenOn(t, func(addr string) (*proc, string) {
		c.addr = addr
		return c.launch(), c.url() + "/health"
	})
	return c
}

// start starts the process again on the same address (after stop).
func (c *chatsimProc) start() {
	c.t.Helper()
	c.proc = c.launch()
	waitReady(c.t, c.proc, c.url()+"/health")
}

func (c *chatsimProc) launch() *proc {
	args := append([]string{"--listen", c.addr, "--seed", "1"}, c.args...)
	return startProc(c.t, c.dir, c.logName, c.bin, args...)
}

func (c *chatsimProc) url() string { return "http://" + c.addr }

// faults applies a partial update of the faults in force.
func (c *chatsimProc) faults(body string) {
	c.t.Helper()
	mustDo(c.t, "PUT", c.url()+"/admin/faults", body)
}

// reset clears the faults, counters and cache.
func (c *chatsimProc) reset() {
	c.t.Helper()
	mustDo(c.t, "POST", c.url()+"/admin/reset", "")
}

// warm puts the replies to queries in chatsim's cache, so that every
// request of the next runs is a hit.
func (c *chatsimProc) warm(queries []string) {
	c.t.Helper()
	for _, q := range queries {
		b, _ := json.Marshal(map[string]string{"message": q})
		mustDo(c.t, "POST", c.url()+"/api/chat", string(b))
	}
}

func (c *chatsimProc) stats() chatsimStats {
	c.t.Helper()
	var s chatsimStats
	if err := getJSON(c.url()+"/admin/stats", &s); err != nil {
		c.t.Fatal(err)
	}
	return s
}

// startLoadcron runs `loadcron serve` with config text (in
// dir/name/loadcron.yaml, @ADDR@ replaced by its listen address), extra
// flags and a data directory of its own,
// and waits until it is ready. It returns the process and its address.
func startLoadcron(t *testing.T, dir, bin, name, config string, flags ...string) (*proc, string) {
	t.Helper()
	sub := filepath.Join(dir, name)
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	return listenOn(t, func(addr string) (*proc, string) {
		// @ADDR@ in the config is the daemon's own address (for
		// server.external_url).
		cfg := writeFile(t, sub, "loadcron.yaml", strings.ReplaceAll(config, "@ADDR@", addr))
		// --web.enable-lifecycle: the drills reload with POST /-/reload.
		args := append([]string{"serve", "--config.file", cfg, "--web.listen-address", addr,
			"--data-dir", filepath.Join(sub, "data"), "--log.format", "json", "--web.enable-lifecycle"}, flags...)
		return startProc(t, dir, name, bin, args...), "http://" + addr + "/-/ready"
	})
}

// promConfig is a Prometheus configuration scraping targets every second
// as job "loadcron", evaluating rules every second.
func promConfig(targets []string, ruleFiles []string, alertmanager string) string {
	var b strings.Builder
	b.WriteString("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n")
	if len(ruleFiles) > 0 {
		b.WriteString("rule_files:\n")
		for _, f := range ruleFiles {
			fmt.Fprintf(&b, "  - %q\n", f)
		}
	}
	if alertmanager != "" {
		fmt.Fprintf(&b, "alerting:\n  alertmanagers:\n    - static_configs:\n        - targets: [%q]\n", alertmanager)
	}
	b.WriteString("scrape_configs:\n  - job_name: loadcron\n    static_configs:\n      - targets:\n")
	for _, tg := range targets {
		fmt.Fprintf(&b, "          - %q\n", tg)
	}
	return b.String()
}

// startPrometheus runs the Debian prometheus binary as name, with config
// text, a TSDB in dir and extra flags, and returns its base URL once it is
// ready.
func startPrometheus(t *testing.T, dir, name, config string, flags ...string) string {
	t.Helper()
	bin := tool(t, "prometheus")
	cfg := writeFile(t, dir, name+".yml", config)
	_, addr := listenOn(t, func(addr string) (*proc, string) {
		args := append([]string{
			"--config.file=" + cfg,
			"--web.listen-address=" + addr,
			"--storage.tsdb.path=" + filepath.Join(dir, name+"-tsdb"),
			// Re-send firing alerts often, so that Alertmanager's copy
			// of a firing alert expires soon after Prometheus forgets it.
			"--rules.alert.resend-delay=2s",
			"--log.level=warn",
		}, flags...)
		return startProc(t, dir, name, bin, args...), "http://" + addr + "/-/ready"
	})
	return "http://" + addr
}

// amConfigFromShipped turns the shipped Alertmanager example into the
// e2e's: the same routing tree, inhibit rules, receivers and templates;
// group timings of a second; the receivers' PagerDuty and Slack
// integrations sent to rec (so the shipped templates render every real
// notification), and a webhook copy of each notification to rec. The
// "null" receiver keeps no integration: info alerts notify nobody.
func amConfigFromShipped(t *testing.T, rec *recorder) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(moduleRoot, alertmanagerConfig))
	if err != nil {
		t.Fatalf("the e2e routes with the shipped example: %v", err)
	}
	var cfg map[string]any
	if err := yaml.Unmarshal(b, &cfg); err != nil {
		t.Fatalf("%s: %v", alertmanagerConfig, err)
	}
	route, ok := cfg["route"].(map[string]any)
	if !ok {
		t.Fatalf("%s: no route", alertmanagerConfig)
	}
	route["group_wait"], route["group_interval"] = "1s", "1s"
	// Templates are relative to the shipped file, which this copy is not
	// next to.
	if tpls, ok := cfg["templates"].([]any); ok {
		dir, err := filepath.Abs(filepath.Join(moduleRoot, filepath.Dir(alertmanagerConfig)))
		if err != nil {
			t.Fatal(err)
		}
		for i, p := range tpls {
			tpls[i] = filepath.Join(dir, p.(string))
		}
	}
	receivers, ok := cfg["receivers"].([]any)
	if !ok || len(receivers) == 0 {
		t.Fatalf("%s: no receivers", alertmanagerConfig)
	}
	base := rec.srv.URL
	for _, r := range receivers {
		recv := r.(map[string]any)
		name := recv["name"].(string)
		if len(recv) == 1 {
			continue // a receiver without integrations notifies nobody
		}
		for _, c := range asList(recv["pagerduty_configs"]) {
			c["url"] = base + "/pagerduty/" + name
		}
		for _, c := range asList(recv["slack_configs"]) {
			c["api_url"] = base + "/slack/" + name
		}
		recv["webhook_configs"] = []any{map[string]any{"url": base + "/webhook/" + name, "send_resolved": true}}
	}
	out, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// asList returns the maps of a YAML list value.
func asList(v any) []map[string]any {
	var out []map[string]any
	l, _ := v.([]any)
	for _, x := range l {
		if m, ok := x.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

// startAlertmanager runs the Debian Alertmanager with config text, no
// cluster port and its storage in dir, and returns its base URL.
func startAlertmanager(t *testing.T, dir, config string) string {
	t.Helper()
	bin := tool(t, "prometheus-alertmanager")
	cfg := writeFile(t, dir, "alertmanager.yml", config)
	sub := filepath.Join(dir, "alertmanager")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	_, addr := listenOn(t, func(addr string) (*proc, string) {
		return startProc(t, dir, "alertmanager", bin,
			"--config.file="+cfg,
			"--storage.path="+sub,
			"--web.listen-address="+addr,
			"--cluster.listen-address=",
			"--log.level=warn"), "http://" + addr + "/-/ready"
	})
	return "http://" + addr
}

// receiverFor is the shipped routing: critical to "pager", warning (and
// anything else) to "ticket", info to "null", which notifies nobody.
func receiverFor(severity string) string {
	switch severity {
	case "critical":
		return "pager"
	case "info":
		return "null"
	}
	return "ticket"
}
