// Package daemon wires loadcron's long-running service together: config,
// metrics, run history, the scheduler and the HTTP server, with reload on
// SIGHUP / file change / POST /-/reload (with --web.enable-lifecycle) and a
// graceful shutdown.
//
// Start order: config → metrics → history → scheduler → HTTP. Stop order is
// the reverse of what matters to users: stop scheduling, let runs finish
// within the grace period (then cancel them and keep their partial
// reports), then shut the HTTP server down.
package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/version"
	"github.com/prometheus/exporter-toolkit/web"

	"github.com/loadcron/loadcron/internal/config"
	"github.com/loadcron/loadcron/internal/history"
	"github.com/loadcron/loadcron/internal/metrics"
	"github.com/loadcron/loadcron/internal/runner"
	"github.com/loadcron/loadcron/internal/schedule"
	"github.com/loadcron/loadcron/internal/server"
)

// Options configure the daemon; they come from the command line.
type Options struct {
	// ConfigFile is the config to load and watch. With ConfigData set it
	// is only the name used in messages.
	ConfigFile string
	// ConfigData, when set, is an embedded config (the demo); it is not
	// watched and reload re-parses it.
	ConfigData []byte
	// Overrides set config keys after the file and the environment, named
	// "override KEY" in messages (the demo's target URL, schedule and
	// history dir; --web.listen-address goes to ListenAddresses instead).
	Overrides map[string]any
	// Sets are the --set KEY=VALUE overrides (config.ParseSets), applied
	// after Overrides; they name themselves in error messages.
	Sets []config.Override
	// Env is the environment for LOADCRON_* keys (os.Environ()).
	Env []string
	// WebConfigFile is the exporter-toolkit web config (TLS, basic auth).
	WebConfigFile string
	// ListenAddresses, when set, replace server.listen_address: one
	// listener per HOST:PORT or vsock://:PORT (--web.listen-address,
	// repeatable).
	ListenAddresses []string
	// SystemdSocket serves on the sockets systemd passes instead
	// (--web.systemd-socket).
	SystemdSocket bool
	// Listener, if set, is the only listener, used instead of all of the
	// above (tests).
	Listener net.Listener
	// WatchInterval is how often the config file is checked for changes.
	// Default 5s; negative disables watching.
	WatchInterval time.Duration
	// Segment is this replica's share of the load (zero: all of it).
	Segment runner.Segment
	// NativeHistograms adds native buckets to the latency histogram.
	NativeHistograms bool
	// EnablePprof serves /debug/pprof.
	EnablePprof bool
	// EnableLifecycle opens POST|PUT /-/reload (--web.enable-lifecycle);
	// off, it answers 403. SIGHUP and file watching reload either way.
	EnableLifecycle bool
	// Logger receives everything; nil discards.
	Logger *slog.Logger
	// OnReady is called with the (first) listen address once serving.
	OnReady func(addr string)
}

// ErrConfig marks a configuration error at start-up (exit code 2).
var ErrConfig = errors.New("configuration invalid")

// Daemon is one running service.
type Daemon struct {
	opts    Options
	log     *slog.Logger
	reg     *prometheus.Registry
	metrics *metrics.Metrics
	history *history.Store
	sched   *schedule.Scheduler

	cfg    atomic.Pointer[config.Config]
	token  atomic.Pointer[string]
	ready  atomic.Bool
	reload sync.Mutex // one reload at a time
}

// Preflight makes every check the daemon makes before it starts: the
// config (file, environment, overrides; config.Load reads the files it
// names too), the --web.listen-address values and the --web.config.file.
// `loadcron validate` and `loadcron serve` both call it, so they cannot
// disagree. Errors wrap ErrConfig; the config is returned whenever it
// loaded, so a caller can go on checking what depends on it.
func Preflight(opts Options) (*config.Config, error) {
	d := &Daemon{opts: opts}
	cfg, err := d.loadConfig()
	var errs []error
	if err != nil {
		errs = append(errs, err)
	}
	if err := checkListenAddresses(opts.ListenAddresses); err != nil {
		errs = append(errs, err)
	}
	if cfg != nil {
		if err := checkDirWritable(cfg.History.Dir); err != nil {
			errs = append(errs, fmt.Errorf("history.dir (--data-dir) %s: %w", cfg.History.Dir, err))
		}
	}
	if opts.WebConfigFile != "" {
		// Check TLS/basic-auth settings now, not at the first request.
		if err := web.Validate(opts.WebConfigFile); err != nil {
			errs = append(errs, fmt.Errorf("--web.config.file %s: %w", opts.WebConfigFile, err))
		}
	}
	if len(errs) > 0 {
		return cfg, fmt.Errorf("%w: %w", ErrConfig, errors.Join(errs...))
	}
	return cfg, nil
}

// Run starts the daemon and blocks until ctx is done and shutdown is
// complete. It returns an error wrapping ErrConfig when the initial
// config is invalid.
func Run(ctx context.Context, opts Options) error {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.WatchInterval == 0 {
		opts.WatchInterval = 5 * time.Second
	}
	d := &Daemon{opts: opts, log: opts.Logger}

	// Digest before loading: a change made after this point is noticed
	// by the watcher even if it lands before the watcher's first look.
	digest := fileDigest(opts.ConfigFile)
	cfg, err := Preflight(opts)
	if err != nil {
		return err
	}
	if cfg == nil {
		return ErrConfig // not reached: Preflight returns an error then
	}
	token, err := cfg.Server.ReadToken()
	if err != nil {
		return fmt.Errorf("%w: %w", ErrConfig, err)
	}
	d.cfg.Store(cfg)
	d.token.Store(&token)

	// Metrics on our own registry: nothing global.
	d.reg = prometheus.NewRegistry()
	if err := metrics.RegisterRuntime(d.reg); err != nil {
		return err
	}
	d.metrics = metrics.New(d.reg, metrics.Options{NativeHistograms: opts.NativeHistograms})
	d.metrics.SetConfig(cfg)
	d.metrics.ReloadResult(true, time.Now())

	d.history, err = history.Open(history.Options{
		Dir: cfg.History.Dir, MaxRuns: cfg.History.MaxRuns, MaxAge: cfg.History.MaxAge, Logger: d.log,
	})
	if err != nil {
		return fmt.Errorf("run history: %w", err)
	}
	d.restoreWindows(cfg)

	lns, err := d.listeners(cfg)
	if err != nil {
		return err
	}
	addrs := make([]string, len(lns))
	for i, ln := range lns {
		addrs[i] = ln.Addr().String()
	}

	// Runs get their own context: on shutdown scheduling stops at once,
	// but runs are canceled only after the grace period.
	runCtx, cancelRuns := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelRuns()
	d.sched = schedule.New(runCtx, schedule.Options{
		Run:        d.runSuite,
		NewRunID:   func() string { return runner.NewRunID(time.Now()) },
		Concurrent: cfg.Server.ConcurrentSuites,
		OnSkip: func(suite string) {
			d.metrics.SuiteSkipped(suite)
		},
		OnNext: d.metrics.SetNextRun,
		Logger: d.log,
	})
	suites, err := scheduleOf(cfg)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrConfig, err)
	}
	d.sched.Set(suites)

	srv := server.New(server.Options{
		Gatherer:        d.reg,
		Runs:            d.history,
		Ready:           d.ready.Load,
		Reload:          d.Reload,
		EnableLifecycle: opts.EnableLifecycle,
		Trigger:         d.trigger,
		Token:           func() string { return *d.token.Load() },
		Status:          d.status,
		Links: func() server.LinkBase {
			c := d.cfg.Load()
			return server.LinkBase{ExternalURL: c.Server.ExternalURL, GrafanaURL: c.Server.GrafanaURL}
		},
		WebConfigFile: opts.WebConfigFile,
		EnablePprof:   opts.EnablePprof,
		Logger:        d.log,
	})
	srvCtx, stopServer := context.WithCancel(context.WithoutCancel(ctx))
	defer stopServer()
	srvDone := make(chan error, 1)
	go func() { srvDone <- srv.Serve(srvCtx, lns...) }()

	var bg sync.WaitGroup
	bgCtx, stopBg := context.WithCancel(ctx)
	defer func() { stopBg(); bg.Wait() }()
	// Notify before serving, so a SIGHUP right after start-up reloads
	// instead of killing the process.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	bg.Go(func() { d.watchSignals(bgCtx, hup) })
	// Add prunes only when a report arrives: prune on a timer too, so
	// history.max_age holds for suites that no longer run.
	bg.Go(func() { every(bgCtx, time.Minute, d.history.Prune) })
	if opts.ConfigData == nil && opts.WatchInterval > 0 {
		bg.Go(func() { every(bgCtx, opts.WatchInterval, d.fileWatcher(digest)) })
	}

	d.ready.Store(true)
	d.log.Info("loadcron started", "version", version.Version, "revision", version.GetRevision(), "listen", strings.Join(addrs, ","),
		"config", opts.ConfigFile, "suites", len(cfg.Suites), "data_dir", cfg.History.Dir,
		"segment", opts.Segment.String())
	if opts.OnReady != nil {
		opts.OnReady(addrs[0])
	}
	if cfg.Server.RunOnStart {
		for _, name := range cfg.SuiteNames() {
			if _, err := d.sched.Trigger(name, "startup"); err != nil {
				d.log.Warn("run on start", "suite", name, "err", err)
			}
		}
	}

	select {
	case <-ctx.Done():
	case err := <-srvDone:
		// The listener failed: shut down like on a signal, then report it.
		d.shutdown(cancelRuns)
		return fmt.Errorf("http server: %w", err)
	}
	d.shutdown(cancelRuns)
	stopServer()
	if err := <-srvDone; err != nil {
		d.log.Warn("http server shutdown", "err", err)
	}
	d.log.Info("loadcron stopped")
	return nil
}

// shutdown stops scheduling, waits for running suites for the grace
// period, then cancels them; their partial reports are kept.
func (d *Daemon) shutdown(cancelRuns context.CancelFunc) {
	d.ready.Store(false)
	d.sched.Stop()
	grace := d.cfg.Load().Server.ShutdownGrace
	done := make(chan struct{})
	go func() { d.sched.Wait(); close(done) }()
	d.log.Info("shutting down: waiting for running suites", "grace", grace)
	select {
	case <-done:
	case <-time.After(grace):
		d.log.Warn("grace period over: canceling running suites")
		cancelRuns()
		<-done
	}
}

// runSuite is the scheduler's Run: one suite run on the config current at
// its start.
func (d *Daemon) runSuite(ctx context.Context, job schedule.Job) {
	name := job.Suite
	cfg := d.cfg.Load()
	suite, ok := cfg.Suites[name]
	if !ok {
		return // removed by a reload while queued
	}
	d.metrics.SuiteRunStarted(name, time.Now())
	r := &runner.Runner{
		Config: cfg, UserAgent: version.ComponentUserAgent("loadcron"), Version: version.Version,
		Logger: d.log, Metrics: d.metrics, Segment: d.opts.Segment,
	}
	rep := r.Run(ctx, suite, job.RunID, job.Trigger)
	d.metrics.SuiteRunFinished(name, string(rep.Status), rep.Passed, rep.FinishedAt)
	if err := d.history.Add(rep); err != nil {
		d.log.Error("saving report", "suite", name, "run", rep.RunID, "err", err)
	}
}

// trigger starts a suite now for the API.
func (d *Daemon) trigger(suite string) (string, error) {
	id, err := d.sched.Trigger(suite, "api")
	switch {
	case errors.Is(err, schedule.ErrUnknownSuite):
		return "", server.ErrUnknownSuite
	case errors.Is(err, schedule.ErrRunning):
		return "", server.ErrRunning
	case errors.Is(err, schedule.ErrStopped):
		return "", server.ErrUnavailable
	case err != nil:
		return "", err
	}
	return id, nil
}

// status is what the status page shows.
func (d *Daemon) status() server.Status {
	cfg := d.cfg.Load()
	st := server.Status{Version: version.Version, ConfigHash: cfg.Hash}
	for _, name := range cfg.SuiteNames() {
		s := server.SuiteStatus{Name: name, Schedule: cfg.Suites[name].Schedule, Running: d.sched.Running(name)}
		s.Next, _ = d.sched.Next(name)
		if last, ok := d.history.Last(name); ok {
			s.Last = last
		}
		st.Suites = append(st.Suites, s)
	}
	return st
}

// every calls fn every interval until ctx is done.
func every(ctx context.Context, interval time.Duration, fn func()) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			fn()
		}
	}
}

// watchSignals reloads on SIGHUP.
func (d *Daemon) watchSignals(ctx context.Context, hup <-chan os.Signal) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			d.log.Info("SIGHUP: reloading config")
			_ = d.Reload()
		}
	}
}

// checkDirWritable reports whether dir could be created and written,
// without creating it: its nearest existing ancestor must be a directory
// where a file can be created (a probe file is created and removed).
func checkDirWritable(dir string) error {
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		switch {
		case err == nil && !fi.IsDir():
			return fmt.Errorf("%s is not a directory", d)
		case err == nil:
			f, err := os.CreateTemp(d, ".loadcron-probe-*")
			if err != nil {
				return fmt.Errorf("cannot write in %s: %w", d, errors.Unwrap(err))
			}
			name := f.Name()
			_ = f.Close()
			return os.Remove(name)
		case !errors.Is(err, os.ErrNotExist):
			return err
		case filepath.Dir(d) == d:
			return err
		}
	}
}
