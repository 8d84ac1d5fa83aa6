package daemon

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/loadcron/loadcron/internal/config"
)

func TestReload(t *testing.T) {
	_, url := startChatsim(t, 5*time.Millisecond)
	d := start(t, t.TempDir(), suiteYAML(url, "0 0 1 1 *", ""), lifecycle)
	// Yearly schedules: neither fires while the test runs, so each next
	// run is one known instant, published before the daemon is ready and
	// before a reload returns.
	nextOf := func(spec string) float64 {
		t.Helper()
		sched, err := config.ParseSchedule(spec, "Local")
		if err != nil {
			t.Fatal(err)
		}
		return float64(sched.Next(time.Now()).Unix())
	}
	mfs := scrape(t, d.addr)
	if next1, _ := value(mfs, "loadcron_suite_next_run_timestamp_seconds", map[string]string{"suite": "chat"}); next1 != nextOf("0 0 1 1 *") {
		t.Errorf("next run %v at start, want %v", next1, nextOf("0 0 1 1 *"))
	}
	if _, ok := value(mfs, "loadcron_threshold_min_success_ratio", map[string]string{"scenario": "light"}); !ok {
		t.Fatal("light's threshold missing before reload")
	}

	// A valid change: new threshold, new schedule, scenario "light" removed.
	changed := strings.Replace(suiteYAML(url, "0 0 1 7 *", ""), "min_success_rate: 0.95", "min_success_rate: 0.5", 1)
	changed = changed[:strings.Index(changed, "      - name: light")]
	os.WriteFile(d.file, []byte(changed), 0o644)
	if code, body := do(t, "POST", d.addr+"/-/reload", ""); code != 200 {
		t.Fatalf("reload: %d %s", code, body)
	}
	mfs = scrape(t, d.addr)
	if v, _ := value(mfs, "loadcron_threshold_min_success_ratio", map[string]string{"scenario": "baseline"}); v != 0.5 {
		t.Errorf("threshold after reload = %v, want 0.5", v)
	}
	if _, ok := value(mfs, "loadcron_threshold_min_success_ratio", map[string]string{"scenario": "light"}); ok {
		t.Error("removed scenario's threshold still exported")
	}
	if _, ok := value(mfs, "loadcron_requests_total", map[string]string{"scenario": "light"}); ok {
		t.Error("removed scenario's series still exported")
	}
	next2, _ := value(mfs, "loadcron_suite_next_run_timestamp_seconds", map[string]string{"suite": "chat"})
	if want := nextOf("0 0 1 7 *"); next2 != want {
		t.Errorf("next run %v after the reload, want %v (the new schedule's)", next2, want)
	}
	if v, _ := value(mfs, "loadcron_config_last_reload_successful", nil); v != 1 {
		t.Errorf("reload successful = %v", v)
	}

	// An invalid change (a host not on allowed_hosts) changes nothing.
	bad := strings.Replace(changed, url, "http://staging.example.com", 1)
	os.WriteFile(d.file, []byte(bad), 0o644)
	code, body := do(t, "POST", d.addr+"/-/reload", "")
	if code != 500 || !strings.Contains(body, "allowed_hosts") {
		t.Errorf("bad reload: %d %s", code, body)
	}
	mfs = scrape(t, d.addr)
	if v, _ := value(mfs, "loadcron_config_last_reload_successful", nil); v != 0 {
		t.Errorf("reload successful = %v after a bad reload, want 0", v)
	}
	if v, _ := value(mfs, "loadcron_threshold_min_success_ratio", map[string]string{"scenario": "baseline"}); v != 0.5 {
		t.Errorf("threshold after a bad reload = %v, want 0.5 kept", v)
	}
	if v, _ := value(mfs, "loadcron_suite_next_run_timestamp_seconds", map[string]string{"suite": "chat"}); v != next2 {
		t.Errorf("next run changed by a bad reload: %v → %v", next2, v)
	}
}

func TestHostNotAllowedAtStart(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "c.yaml")
	os.WriteFile(file, []byte(suiteYAML("http://staging.example.com", "@hourly", "")), 0o644)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	err = Run(context.Background(), Options{ConfigFile: file, Listener: ln})
	if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), "allowed_hosts") {
		t.Errorf("err = %v, want a config error naming allowed_hosts", err)
	}
}

func TestFileChangeReload(t *testing.T) {
	_, url := startChatsim(t, 5*time.Millisecond)
	dir := t.TempDir()
	file := filepath.Join(dir, "loadcron.yaml")
	os.WriteFile(file, []byte(suiteYAML(url, "0 0 1 1 *", "")), 0o644)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Options{ConfigFile: file, Listener: ln, WatchInterval: 50 * time.Millisecond,
			Overrides: map[string]any{"history.dir": filepath.Join(dir, "data")}})
	}()
	defer func() { cancel(); <-done }()
	addr := "http://" + ln.Addr().String()
	waitFor(t, "ready", func() bool { return get(t, addr+"/-/ready") == 200 })
	threshold := func() float64 {
		v, _ := value(scrape(t, addr), "loadcron_threshold_min_success_ratio", map[string]string{"scenario": "baseline"})
		return v
	}

	// The file is replaced (a new inode, as editors and ConfigMaps do).
	tmp := file + ".new"
	os.WriteFile(tmp, []byte(strings.Replace(suiteYAML(url, "0 0 1 1 *", ""), "0.95", "0.75", 1)), 0o644)
	os.Rename(tmp, file)
	waitFor(t, "file-change reload", func() bool { return threshold() == 0.75 })
}

func TestSIGHUPReload(t *testing.T) {
	_, url := startChatsim(t, 5*time.Millisecond)
	d := start(t, t.TempDir(), suiteYAML(url, "0 0 1 1 *", "")) // file watching off, lifecycle API off
	os.WriteFile(d.file, []byte(strings.Replace(suiteYAML(url, "0 0 1 1 *", ""), "0.95", "0.5", 1)), 0o644)
	// Without --web.enable-lifecycle the endpoint refuses, as Prometheus's
	// does; SIGHUP still reloads.
	if code, body := do(t, "POST", d.addr+"/-/reload", ""); code != 403 || !strings.Contains(body, "Lifecycle API is not enabled.") {
		t.Fatalf("POST /-/reload without the lifecycle API: %d %s, want 403", code, body)
	}
	if v, _ := value(scrape(t, d.addr), "loadcron_threshold_min_success_ratio", map[string]string{"scenario": "baseline"}); v != 0.95 {
		t.Fatalf("threshold %v after a refused reload, want 0.95", v)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "SIGHUP reload", func() bool {
		v, _ := value(scrape(t, d.addr), "loadcron_threshold_min_success_ratio", map[string]string{"scenario": "baseline"})
		return v == 0.5
	})
}

func TestBadWebConfigIsAConfigError(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "c.yaml")
	os.WriteFile(file, []byte(suiteYAML("http://127.0.0.1:1", "@hourly", "")), 0o644)
	webCfg := filepath.Join(dir, "web.yml")
	os.WriteFile(webCfg, []byte("basic_auth_users:\n  admin: not-a-bcrypt-hash\ntls_server_config: {cert_file: /nonexistent}\n"), 0o644)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	err = Run(context.Background(), Options{ConfigFile: file, Listener: ln, WebConfigFile: webCfg})
	if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), "web.config.file") {
		t.Errorf("err = %v, want a config error naming --web.config.file", err)
	}
}
