package server

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"time"
)

// routes builds the mux. Patterns carry their methods, so the mux answers
// 405 with an Allow header to other methods; "GET" also matches HEAD.
func (s *Server) routes() *http.ServeMux {
	mux := http.NewServeMux()

	mux.Handle("GET /metrics", MetricsHandler(s.opts.Gatherer, slog.NewLogLogger(s.log.Handler(), slog.LevelError)))
	mux.HandleFunc("GET /-/healthy", s.healthy)
	mux.HandleFunc("GET /-/ready", s.ready)
	mux.HandleFunc("POST /-/reload", s.reload)
	mux.HandleFunc("PUT /-/reload", s.reload)

	mux.HandleFunc("GET /api/v1/runs", s.listRuns)
	mux.HandleFunc("GET /api/v1/runs/{id}", s.getRun)
	mux.HandleFunc("POST /api/v1/suites/{suite}/run", s.trigger)

	// {$} matches "/" only; other paths get the mux's 404.
	mux.HandleFunc("GET /{$}", s.statusPage)
	mux.HandleFunc("GET /runs/{id}", s.runPage)
	// More specific than /runs/{id}; run ids never read "last".
	mux.HandleFunc("GET /runs/last", s.lastRun)

	if s.opts.EnablePprof {
		// Registered by hand: importing net/http/pprof also registers on
		// http.DefaultServeMux, which this server never serves.
		mux.HandleFunc("GET /debug/pprof/", pprof.Index)
		mux.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("POST /debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	}
	return mux
}

// healthy answers 200 as long as the process serves HTTP.
func (s *Server) healthy(w http.ResponseWriter, _ *http.Request) {
	writeText(w, http.StatusOK, "loadcron is Healthy.\n")
}

// ready answers 200 once Options.Ready says so, 503 before.
func (s *Server) ready(w http.ResponseWriter, _ *http.Request) {
	if s.opts.Ready != nil && !s.opts.Ready() {
		writeText(w, http.StatusServiceUnavailable, "loadcron is not ready.\n")
		return
	}
	writeText(w, http.StatusOK, "loadcron is Ready.\n")
}

// reload calls Options.Reload: 200 when the new config is in force, 500
// with the reason when it was rejected (the old config keeps running);
// 403 when the lifecycle API is off (Prometheus's answer, word for word).
func (s *Server) reload(w http.ResponseWriter, _ *http.Request) {
	if !s.opts.EnableLifecycle {
		writeText(w, http.StatusForbidden, "Lifecycle API is not enabled.\n")
		return
	}
	if s.opts.Reload == nil {
		writeText(w, http.StatusInternalServerError, "failed to reload config: reloading is not supported\n")
		return
	}
	if err := s.opts.Reload(); err != nil {
		writeText(w, http.StatusInternalServerError, fmt.Sprintf("failed to reload config: %v\n", err))
		return
	}
	writeText(w, http.StatusOK, "config reloaded\n")
}

// writeText writes a plain-text response.
func writeText(w http.ResponseWriter, code int, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	_, _ = w.Write([]byte(body)) // the client went away; nothing to do
}

// logRequests logs every request at debug level: method, path (without
// the query), status, bytes and duration. Headers are never logged (they
// carry tokens and credentials).
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.log.Enabled(r.Context(), slog.LevelDebug) {
			next.ServeHTTP(w, r)
			return
		}
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
		next.ServeHTTP(rec, r)
		s.log.LogAttrs(r.Context(), slog.LevelDebug, "http request",
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", rec.code),
			slog.Int64("bytes", rec.bytes),
			slog.Duration("duration", time.Since(start)),
			slog.String("remote", r.RemoteAddr),
		)
	})
}

// statusRecorder remembers the status and size of a response.
type statusRecorder struct {
	http.ResponseWriter
	code        int
	bytes       int64
	wroteHeader bool
}

func (r *statusRecorder) WriteHeader(code int) {
	if !r.wroteHeader {
		r.code, r.wroteHeader = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	r.wroteHeader = true
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer
// (flushing, deadlines).
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
