package chatsim

import (
	"context"
	"io"
	"log/slog"
	"math"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Server is the simulated chat API. Build it with New; it is safe for
// concurrent use. Serve it with Serve or Start, or mount Handler anywhere.
type Server struct {
	opts    Options
	cache   Cache
	hist    *histories
	rnd     *lockedRand
	slots   chan struct{} // one token per request being served; nil: no limit
	waiting atomic.Int64  // requests waiting for a slot (queue mode)
	stats   *counters
	log     *slog.Logger
	handler http.Handler
	started time.Time

	faults   atomic.Pointer[Faults] // read on every request without a lock
	faultsMu sync.Mutex             // serialises read-modify-write updates
}

// New returns a Server for opts. Out-of-range values are clamped (see
// Options.Validate to reject them instead).
func New(opts Options) *Server {
	opts.Jitter = clamp(opts.Jitter, 0, 1)
	opts.UncachedLatency = max(opts.UncachedLatency, 0)
	opts.CachedLatency = max(opts.CachedLatency, 0)
	opts.ContextTurns = max(opts.ContextTurns, 0)
	opts.TokenInterval = max(opts.TokenInterval, 0)
	opts.CachedTokenInterval = max(opts.CachedTokenInterval, 0)
	opts.OverloadQueue = max(opts.OverloadQueue, 0)
	opts.OverloadSlowdown = clamp(opts.OverloadSlowdown, 0, math.MaxFloat64)
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Cache == nil {
		opts.Cache = NewMemoryCache(opts.Now, 0)
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := &Server{
		opts:    opts,
		cache:   opts.Cache,
		hist:    newHistories(opts.ContextTurns),
		rnd:     newLockedRand(opts.Seed),
		stats:   newCounters(),
		log:     opts.Logger,
		started: time.Now(),
	}
	if opts.MaxConcurrent > 0 {
		s.slots = make(chan struct{}, opts.MaxConcurrent)
	}
	f := opts.Faults.sanitized()
	s.faults.Store(&f)
	s.handler = s.routes()
	return s
}

// routes builds the explicit mux. /api/chat is registered without a method
// so that every request to it reaches the handler and is counted.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/api/chat", s.handleChat)
	mux.HandleFunc("GET /health", s.handleHealth)
	mux.HandleFunc("GET /admin/faults", s.handleGetFaults)
	mux.HandleFunc("PUT /admin/faults", s.handlePatchFaults)
	mux.HandleFunc("POST /admin/faults", s.handlePatchFaults)
	mux.HandleFunc("GET /admin/stats", s.handleStats)
	mux.HandleFunc("POST /admin/reset", s.handleReset)
	return mux
}

// Handler returns the HTTP handler serving every endpoint.
func (s *Server) Handler() http.Handler { return s.handler }

// Stats returns a consistent snapshot of the counters.
func (s *Server) Stats() Stats { return s.stats.snapshot() }

// Faults returns the faults in force.
func (s *Server) Faults() Faults { return *s.faults.Load() }

// SetFaults replaces the faults in force; out-of-range values are clamped.
// Requests already past the point where a fault applies are unaffected.
func (s *Server) SetFaults(f Faults) {
	s.faultsMu.Lock()
	defer s.faultsMu.Unlock()
	s.storeFaults(f)
}

func (s *Server) storeFaults(f Faults) {
	f = f.sanitized()
	s.faults.Store(&f)
	s.log.Info("faults set", "error_ratio", f.ErrorRatio, "extra_latency", f.ExtraLatency.String(),
		"cache_off", f.CacheOff, "unhealthy", f.Unhealthy)
}

// Reset clears the faults (to none, not to Options.Faults), the counters,
// the cache and the conversation histories. Requests in flight stay counted
// as received so that the counting rules still hold when they finish.
func (s *Server) Reset() {
	s.SetFaults(Faults{})
	// The context only bounds a remote cache; the in-memory one ignores it.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.cache.Clear(ctx); err != nil {
		s.log.Warn("cache clear failed", "err", err)
	}
	s.hist.clear()
	s.stats.reset()
	s.log.Info("reset")
}
