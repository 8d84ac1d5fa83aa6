// Package chatsimtest starts a simulated chat API for other packages'
// tests: fast latencies, loopback only, stopped at the end of the test.
package chatsimtest

import (
	"context"
	"testing"
	"time"

	"github.com/loadcron/loadcron/internal/chatsim"
)

// Options are chatsim's defaults with test-friendly latencies: 5 ms
// uncached, 1 ms cached, a fixed seed.
func Options() chatsim.Options {
	opts := chatsim.DefaultOptions()
	opts.UncachedLatency, opts.CachedLatency, opts.Seed = 5*time.Millisecond, time.Millisecond, 1
	return opts
}

// Start serves a chatsim with opts on 127.0.0.1 until the test ends and
// returns it with its base URL ("http://127.0.0.1:PORT").
func Start(t testing.TB, opts chatsim.Options) (*chatsim.Server, string) {
	t.Helper()
	sim := chatsim.New(opts)
	ctx, cancel := context.WithCancel(context.Background())
	addr, stop, err := sim.Start(ctx, "127.0.0.1:0")
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = stop() })
	return sim, "http://" + addr
}

// WithFaults returns Options() with faults in force from the start.
func WithFaults(f chatsim.Faults) chatsim.Options {
	opts := Options()
	opts.Faults = f
	return opts
}
