// Package server is the daemon's HTTP surface: /metrics, the health,
// readiness and reload endpoints, the runs API, the trigger API and the
// status page, on an explicit mux (README.md lists every endpoint). The
// listener gets TLS and basic auth from an exporter-toolkit web config
// file.
//
// The package holds no state of its own: everything it shows or does goes
// through the functions in Options, which the daemon supplies.
package server

import (
	"context"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/exporter-toolkit/web"

	"github.com/loadcron/loadcron/internal/report"
)

// Errors Options.Trigger returns (possibly wrapped) to select the HTTP
// status of POST /api/v1/suites/{suite}/run.
var (
	// ErrUnknownSuite: no suite of that name is configured (404).
	ErrUnknownSuite = errors.New("unknown suite")
	// ErrRunning: the suite is running already (409).
	ErrRunning = errors.New("suite is already running")
	// ErrUnavailable: the daemon cannot start runs now, e.g. while it
	// shuts down (503).
	ErrUnavailable = errors.New("cannot start runs now")
)

// DefaultShutdownTimeout is Options.ShutdownTimeout when unset.
const DefaultShutdownTimeout = 5 * time.Second

// Runs is the run history the API serves; *history.Store implements it.
// Returned reports are not modified.
type Runs interface {
	// List returns up to limit reports of suite ("" = all), newest first.
	List(suite string, limit int) []*report.Report
	// Get returns one report by run id.
	Get(runID string) (*report.Report, bool)
}

// Options configures a Server. Every field is optional; the comments say
// what a zero value means.
type Options struct {
	// Logger receives request logs (debug) and server errors. Nil
	// discards them.
	Logger *slog.Logger
	// Gatherer is served on /metrics (nil: an empty registry).
	Gatherer prometheus.Gatherer
	// Runs backs /api/v1/runs (nil: no runs).
	Runs Runs
	// Status feeds the status page (nil: no suites).
	Status func() Status
	// Links returns server.external_url and server.grafana_url, which make
	// links absolute and add dashboard links (nil: relative links, no
	// dashboards). A func, so they follow config reloads.
	Links func() LinkBase
	// Ready reports readiness for /-/ready (nil: always ready).
	Ready func() bool
	// Reload re-reads the configuration for /-/reload; its error text is
	// shown to the client, so it must hold no secrets (nil: 500).
	Reload func() error
	// EnableLifecycle opens /-/reload (--web.enable-lifecycle). Off, the
	// endpoint answers 403 as Prometheus does, and reload stays on the
	// daemon's other paths (SIGHUP, file watching).
	EnableLifecycle bool
	// Token returns the current trigger token; "" (or nil) disables the
	// trigger API. A func, so the token follows config reloads.
	Token func() string
	// Trigger starts a run of suite now and returns its run id; see
	// ErrUnknownSuite, ErrRunning, ErrUnavailable (nil: trigger API
	// disabled).
	Trigger func(suite string) (runID string, err error)
	// EnablePprof serves net/http/pprof under /debug/pprof/.
	EnablePprof bool
	// WebConfigFile is an exporter-toolkit web config file (TLS, basic
	// auth, headers) for Serve; "" serves plain HTTP.
	WebConfigFile string
	// ShutdownTimeout bounds the graceful shutdown in Serve (default
	// DefaultShutdownTimeout).
	ShutdownTimeout time.Duration
	// Limits bound request read times and sizes on every route (zero
	// fields: the defaults).
	Limits Limits
	// LogInterval is how often a repeated warning about rejected
	// credentials may be logged (default DefaultLogInterval).
	LogInterval time.Duration
}

// Server serves the daemon's HTTP endpoints.
type Server struct {
	opts    Options
	log     *slog.Logger
	handler http.Handler
	// badToken and httpErrors limit repeated warnings.
	badToken, httpErrors *logLimiter
}

// New builds a Server and its routes.
func New(opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Gatherer == nil {
		opts.Gatherer = prometheus.NewRegistry()
	}
	if opts.ShutdownTimeout <= 0 {
		opts.ShutdownTimeout = DefaultShutdownTimeout
	}
	opts.Limits = opts.Limits.withDefaults()
	if opts.LogInterval <= 0 {
		opts.LogInterval = DefaultLogInterval
	}
	s := &Server{opts: opts, log: opts.Logger,
		badToken: &logLimiter{interval: opts.LogInterval}, httpErrors: &logLimiter{interval: opts.LogInterval}}
	s.handler = s.logRequests(s.limitBody(s.routes()))
	return s
}

// Handler returns the server's routes, wrapped in request logging. It
// adds no TLS or basic auth (Serve does).
func (s *Server) Handler() http.Handler { return s.handler }

// Listen opens a TCP listener on addr (host:port; port 0 picks one).
func Listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	return ln, nil
}

// Serve serves on every listener in lns (one per --web.listen-address,
// or systemd's sockets) until ctx is done, then shuts the server down
// gracefully, waiting at most ShutdownTimeout for open requests before
// closing their connections. It closes the listeners. It returns nil after
// a clean shutdown, or the error that stopped serving (a bad web config
// file, a failed listener, a shutdown that ran out of time); one listener
// failing stops them all.
func (s *Server) Serve(ctx context.Context, lns ...net.Listener) error {
	if len(lns) == 0 {
		return errors.New("serve http: no listener")
	}
	file := s.opts.WebConfigFile
	flags := &web.FlagConfig{WebConfigFile: &file}

	// One http.Server per listener: web.Serve rewrites the server's
	// Handler and TLSConfig, so listeners must not share one.
	srvs := make([]*http.Server, len(lns))
	errc := make(chan error, len(lns))
	for i, ln := range lns {
		lim := s.opts.Limits
		srvs[i] = &http.Server{
			Handler:           s.handler,
			ReadHeaderTimeout: lim.ReadHeaderTimeout,
			ReadTimeout:       lim.ReadTimeout,
			MaxHeaderBytes:    lim.MaxHeaderBytes,
			IdleTimeout:       lim.IdleTimeout,
			// No WriteTimeout: /debug/pprof/profile writes for 30 s and more;
			// every other answer is small and written at once.
			ErrorLog: log.New(&limitedWriter{lim: s.httpErrors, log: s.log}, "", 0),
		}
		go func() { errc <- web.Serve(ln, srvs[i], flags, s.log) }()
	}

	var errs []error
	pending := len(lns)
	select {
	case err := <-errc:
		// Serving stopped before ctx did: stop the other listeners too.
		pending--
		errs = append(errs, fmt.Errorf("serve http: %w", err))
	case <-ctx.Done():
	}

	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.opts.ShutdownTimeout)
	defer cancel()
	for _, srv := range srvs {
		if err := srv.Shutdown(sctx); err != nil {
			// Out of time: drop the connections still open.
			_ = srv.Close()
			errs = append(errs, fmt.Errorf("shut down http server: %w", err))
		}
	}
	// web.Serve returns http.ErrServerClosed after Shutdown; anything else
	// (e.g. a bad web config file noticed just as ctx ended) is reported.
	for range pending {
		if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, fmt.Errorf("serve http: %w", err))
		}
	}
	// web.Serve may have failed before it handed its listener to the
	// http.Server, which would have closed it.
	for _, ln := range lns {
		_ = ln.Close()
	}
	return errors.Join(errs...)
}
