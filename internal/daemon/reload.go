package daemon

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/loadcron/loadcron/internal/config"
	"github.com/loadcron/loadcron/internal/schedule"
)

// loadConfig reads the config the daemon was started with, afresh.
func (d *Daemon) loadConfig() (*config.Config, error) {
	opts := config.LoadOptions{Env: d.opts.Env, Overrides: d.opts.Overrides, Sets: d.opts.Sets}
	if d.opts.ConfigData != nil {
		return config.Parse(d.opts.ConfigData, d.opts.ConfigFile, opts)
	}
	return config.Load(d.opts.ConfigFile, opts)
}

// Reload re-reads the config. A valid one replaces schedules, thresholds
// and the trigger token (runs in progress finish on the config they
// started with); an invalid one is rejected with its reasons, logged, and
// the old config keeps running. The reload metrics say which happened.
func (d *Daemon) Reload() error {
	d.reload.Lock()
	defer d.reload.Unlock()
	err := d.reloadLocked()
	if err != nil {
		d.metrics.ReloadResult(false, time.Now())
		d.log.Error("config reload rejected; keeping the running config", "file", d.opts.ConfigFile, "err", err)
		return err
	}
	d.metrics.ReloadResult(true, time.Now())
	return nil
}

func (d *Daemon) reloadLocked() error {
	cfg, err := d.loadConfig()
	if err != nil {
		return err
	}
	token, err := cfg.Server.ReadToken()
	if err != nil {
		return err
	}
	suites, err := scheduleOf(cfg)
	if err != nil {
		return err
	}
	if keys := restartOnly(d.cfg.Load(), cfg); len(keys) > 0 {
		d.log.Warn("changed keys take effect only at restart; the running values stay", "keys", keys)
	}
	d.cfg.Store(cfg)
	d.token.Store(&token)
	d.metrics.SetConfig(cfg)
	d.sched.Set(suites)
	d.log.Info("config reloaded", "file", d.opts.ConfigFile, "hash", cfg.Hash, "suites", len(cfg.Suites))
	return nil
}

// restartOnly lists the keys that changed between old and cur but are
// read only at start-up.
func restartOnly(old, cur *config.Config) []string {
	var keys []string
	for _, c := range []struct {
		key     string
		changed bool
	}{
		{"server.listen_address", old.Server.ListenAddress != cur.Server.ListenAddress},
		{"server.concurrent_suites", old.Server.ConcurrentSuites != cur.Server.ConcurrentSuites},
		{"history.dir", old.History.Dir != cur.History.Dir},
		{"history.max_runs", old.History.MaxRuns != cur.History.MaxRuns},
		{"history.max_age", old.History.MaxAge != cur.History.MaxAge},
	} {
		if c.changed {
			keys = append(keys, c.key)
		}
	}
	return keys
}

// scheduleOf turns the config's suites into schedule entries.
func scheduleOf(cfg *config.Config) ([]schedule.Suite, error) {
	var out []schedule.Suite
	var errs []error
	for _, name := range cfg.SuiteNames() {
		s := cfg.Suites[name]
		if s.TriggerOnly() {
			// No schedule: the suite runs only when triggered.
			out = append(out, schedule.Suite{Name: name, Jitter: s.Jitter})
			continue
		}
		sched, err := config.ParseSchedule(s.Schedule, s.TimeZone)
		if err != nil {
			errs = append(errs, fmt.Errorf("suites.%s.schedule: %w", name, err))
			continue
		}
		out = append(out, schedule.Suite{Name: name, Schedule: sched, Jitter: s.Jitter, Spec: s.Schedule + "|" + s.TimeZone})
	}
	return out, errors.Join(errs...)
}

// fileWatcher returns a check that reloads when the config file's content
// differs from the last one seen (initially last). It polls rather than
// using inotify: editors and Kubernetes ConfigMaps replace the file (a new
// inode), which ends an inotify watch for good.
func (d *Daemon) fileWatcher(last []byte) func() {
	return func() {
		cur := fileDigest(d.opts.ConfigFile)
		if cur == nil || bytes.Equal(cur, last) {
			return // missing for a moment while being replaced, or unchanged
		}
		last = cur
		d.log.Info("config file changed: reloading", "file", d.opts.ConfigFile)
		_ = d.Reload()
	}
}

func fileDigest(path string) []byte {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	sum := sha256.Sum256(b)
	return sum[:]
}
