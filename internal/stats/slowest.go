package stats

import (
	"slices"
	"time"

	"github.com/loadcron/loadcron/internal/result"
)

// SlowestKept is how many of a scenario's slowest requests Summary.Slowest
// lists (and each shard keeps).
const SlowestKept = 5

// SlowRequest is one of a scenario's slowest requests: enough to find it
// in the target's traces and logs.
type SlowRequest struct {
	// TraceID is the trace id of its traceparent header; zero when the
	// target's traceparent header is off.
	TraceID result.TraceID
	Latency time.Duration
	// Code is the HTTP status, 0 when no response arrived; Kind is
	// result.KindNone for a success.
	Code  int
	Kind  result.Kind
	Cache result.Cache
}

// OK reports whether the request succeeded.
func (s SlowRequest) OK() bool { return s.Kind == result.KindNone }

// slowest keeps a shard's SlowestKept slowest requests: one comparison per
// request, an O(SlowestKept) insert for the few that make the list, no
// allocation.
type slowest struct {
	top [SlowestKept]SlowRequest
	n   int
	// min is the index of the fastest kept request once the list is full.
	min int
}

// add offers r to the list. Callers hold the shard's lock.
func (s *slowest) add(r *result.Result) {
	if s.n == len(s.top) && r.Latency <= s.top[s.min].Latency {
		return
	}
	e := SlowRequest{TraceID: r.TraceID, Latency: r.Latency, Code: r.Code, Kind: r.Kind, Cache: r.Cache}
	if s.n < len(s.top) {
		s.top[s.n] = e
		s.n++
	} else {
		s.top[s.min] = e
	}
	if s.n == len(s.top) {
		s.min = 0
		for i := range s.top {
			if s.top[i].Latency < s.top[s.min].Latency {
				s.min = i
			}
		}
	}
}

// slowest merges the shards' lists into the SlowestKept slowest requests,
// slowest first (ties: the smaller trace id first, so the order is
// stable); nil when nothing was recorded.
func (c *Collector) slowest() []SlowRequest {
	var all []SlowRequest
	for _, sh := range c.shards {
		sh.mu.Lock()
		all = append(all, sh.slow.top[:sh.slow.n]...)
		sh.mu.Unlock()
	}
	slices.SortFunc(all, func(a, b SlowRequest) int {
		if a.Latency != b.Latency {
			if a.Latency > b.Latency {
				return -1
			}
			return 1
		}
		return slices.Compare(a.TraceID[:], b.TraceID[:])
	})
	if len(all) > SlowestKept {
		all = all[:SlowestKept]
	}
	return all
}
