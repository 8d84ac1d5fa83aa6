package chatsim

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"
)

// lockedRand is a seeded random source shared by all requests. The lock is
// held for one draw only, which is far cheaper than anything else a request
// does.
type lockedRand struct {
	mu sync.Mutex
	r  *rand.Rand
}

func newLockedRand(seed uint64) *lockedRand {
	if seed == 0 {
		seed = rand.Uint64()
	}
	return &lockedRand{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

// float64 returns a number in [0, 1).
func (l *lockedRand) float64() float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.Float64()
}

// uint64 returns a random 64-bit number.
func (l *lockedRand) uint64() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.Uint64()
}

// jittered spreads d uniformly over [d·(1−j), d·(1+j)].
func (l *lockedRand) jittered(d time.Duration, j float64) time.Duration {
	if d <= 0 || j <= 0 {
		return max(d, 0)
	}
	f := 1 - j + 2*j*l.float64()
	return time.Duration(float64(d) * f)
}

// sleep waits for d or until ctx ends, whichever is first, and reports
// ctx's error in the latter case. A client that gives up thus frees its
// concurrency slot at once.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
