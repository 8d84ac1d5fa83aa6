package chatsim

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"time"
)

// Default values returned by DefaultOptions. The latencies are short so that
// demos and tests run quickly; pass the guide's figures (e.g. 14.6s uncached)
// to reproduce its numbers.
const (
	DefaultUncachedLatency = 50 * time.Millisecond
	DefaultCachedLatency   = 2 * time.Millisecond
	DefaultJitter          = 0.2
	DefaultMaxConcurrent   = 100
	DefaultCacheTTL        = 30 * time.Minute
	// DefaultTokenInterval and DefaultCachedTokenInterval pace streamed
	// replies: a fresh answer trickles out, a cached one comes at once.
	DefaultTokenInterval       = 10 * time.Millisecond
	DefaultCachedTokenInterval = time.Millisecond
)

// Options configure a Server. The zero value is a valid, instant server:
// no latency, no concurrency limit, cache entries that never expire, no
// context sensitivity and no faults. DefaultOptions returns the usual
// settings.
type Options struct {
	// UncachedLatency is the mean time to produce a reply that was not in
	// the cache (the guide's LLM call).
	UncachedLatency time.Duration
	// CachedLatency is the mean time to answer from the cache.
	CachedLatency time.Duration
	// Jitter spreads both latencies uniformly over ±Jitter of their mean:
	// 0.2 means 50ms becomes 40–60ms. It is clamped to [0, 1].
	Jitter float64
	// MaxConcurrent caps the /api/chat requests being served at once;
	// 0 or less means no limit.
	MaxConcurrent int
	// Queue makes a request that finds every slot taken wait for one
	// (bounded by its context) instead of getting 503 at once. Waiting
	// requests get their slot in arrival order.
	Queue bool
	// MaxQueue bounds the requests waiting for a slot in queue mode: one
	// more is answered 503 at once, as a server whose backlog is full.
	// 0 or less means no bound.
	MaxQueue int
	// OverloadQueue and OverloadSlowdown make an overloaded backend slower
	// (contention, swapping): while more than OverloadQueue requests wait
	// for a slot, a request taking its slot has its cached or uncached
	// latency multiplied by 1 + OverloadSlowdown × (waiting −
	// OverloadQueue). OverloadSlowdown 0 switches it off.
	OverloadQueue    int
	OverloadSlowdown float64
	// TokenInterval paces a streamed reply that was not in the cache: its
	// first token comes after the uncached latency, each further token
	// TokenInterval later. CachedTokenInterval does the same for cached
	// replies (after the cached latency).
	TokenInterval       time.Duration
	CachedTokenInterval time.Duration
	// CacheTTL is how long a reply stays cached; 0 or less means forever.
	CacheTTL time.Duration
	// ContextTurns adds the last N user messages of the conversation to the
	// cache key (the guide's "context sensitivity"); 0 keys on the message
	// alone.
	ContextTurns int
	// Faults are the faults in force at start.
	Faults Faults
	// Seed seeds the random source for jitter, error ratio and query
	// faults; 0 picks a random seed.
	Seed uint64
	// Cache stores replies; nil means a new in-memory cache.
	Cache Cache
	// Now is the clock of the in-memory cache (for TTL tests); nil means
	// time.Now.
	Now func() time.Time
	// Logger receives admin changes and server start/stop; nil discards.
	Logger *slog.Logger
}

// DefaultOptions returns the settings chatsim runs with when no flag is
// given: 50ms ± 20 % uncached, 2ms ± 20 % cached, 100 concurrent requests
// without queueing, a 30-minute TTL, no context sensitivity, and streamed
// tokens every 10ms (every 1ms when cached).
func DefaultOptions() Options {
	return Options{
		UncachedLatency:     DefaultUncachedLatency,
		CachedLatency:       DefaultCachedLatency,
		Jitter:              DefaultJitter,
		MaxConcurrent:       DefaultMaxConcurrent,
		CacheTTL:            DefaultCacheTTL,
		TokenInterval:       DefaultTokenInterval,
		CachedTokenInterval: DefaultCachedTokenInterval,
	}
}

// Validate reports every out-of-range option at once. New does not call it:
// it clamps instead, so a library caller always gets a working server.
func (o Options) Validate() error {
	var errs []error
	if o.UncachedLatency < 0 {
		errs = append(errs, fmt.Errorf("uncached latency: must be ≥ 0, got %s", o.UncachedLatency))
	}
	if o.CachedLatency < 0 {
		errs = append(errs, fmt.Errorf("cached latency: must be ≥ 0, got %s", o.CachedLatency))
	}
	if o.Jitter < 0 || o.Jitter > 1 {
		errs = append(errs, fmt.Errorf("jitter: must be in [0, 1], got %g", o.Jitter))
	}
	if !(o.OverloadSlowdown >= 0) || math.IsInf(o.OverloadSlowdown, 0) {
		errs = append(errs, fmt.Errorf("overload slowdown: must be a finite number ≥ 0, got %g", o.OverloadSlowdown))
	}
	if o.OverloadQueue < 0 {
		errs = append(errs, fmt.Errorf("overload queue: must be ≥ 0, got %d", o.OverloadQueue))
	}
	if o.TokenInterval < 0 {
		errs = append(errs, fmt.Errorf("token interval: must be ≥ 0, got %s", o.TokenInterval))
	}
	if o.CachedTokenInterval < 0 {
		errs = append(errs, fmt.Errorf("cached token interval: must be ≥ 0, got %s", o.CachedTokenInterval))
	}
	if o.ContextTurns < 0 {
		errs = append(errs, fmt.Errorf("context turns: must be ≥ 0, got %d", o.ContextTurns))
	}
	if err := o.Faults.Validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func clamp(v, lo, hi float64) float64 {
	// Written so that NaN ends up at lo.
	if !(v >= lo) {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}
