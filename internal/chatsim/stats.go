package chatsim

import "sync"

// Stats counts what the server did with /api/chat requests since it started
// or was last reset. See the package documentation for the counting rules;
// in short, Received == InFlight + Invalid + Rejected + Canceled +
// InjectedErrors + Hits + Misses, and the sum of ByStatus == Received −
// InFlight.
type Stats struct {
	// Received counts requests routed to /api/chat.
	Received uint64 `json:"received"`
	// InFlight is the number of received requests not yet answered.
	InFlight uint64 `json:"in_flight"`
	// Active is the number of requests holding a concurrency slot now.
	Active uint64 `json:"active"`
	// Queued is the number of requests waiting for a slot now (queue mode).
	Queued uint64 `json:"queued"`
	// Hits counts 200 answers served from the cache.
	Hits uint64 `json:"cache_hits"`
	// Misses counts 200 answers computed afresh.
	Misses uint64 `json:"cache_misses"`
	// Rejected counts 503 answers given because every slot was taken.
	Rejected uint64 `json:"rejected"`
	// InjectedErrors counts answers with an injected status (error ratio or
	// ?status= query fault). They are neither hits nor misses.
	InjectedErrors uint64 `json:"injected_errors"`
	// Invalid counts 400, 405 and 413 answers.
	Invalid uint64 `json:"invalid"`
	// Canceled counts requests whose context ended before they were done.
	Canceled uint64 `json:"canceled"`
	// CacheErrors counts failed cache Get/Set calls (a failed Get is
	// served as a miss). It is not an outcome: it does not enter the sums.
	CacheErrors uint64 `json:"cache_errors"`
	// ByStatus counts answers by HTTP status code.
	ByStatus map[int]uint64 `json:"by_status"`
}

// outcome is the one way a received request ends.
type outcome uint8

const (
	outHit outcome = iota
	outMiss
	outRejected
	outInjected
	outInvalid
	outCanceled
)

// counters is the lock-protected state behind Stats. One mutex keeps every
// snapshot consistent: a request is never seen received-and-answered in one
// counter but not the other.
type counters struct {
	mu sync.Mutex
	s  Stats
}

func newCounters() *counters {
	return &counters{s: Stats{ByStatus: make(map[int]uint64)}}
}

// begin counts a request's arrival.
func (c *counters) begin() {
	c.mu.Lock()
	c.s.Received++
	c.s.InFlight++
	c.mu.Unlock()
}

// finish counts a request's outcome and the status it was answered with.
func (c *counters) finish(o outcome, status int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.s.InFlight--
	c.s.ByStatus[status]++
	switch o {
	case outHit:
		c.s.Hits++
	case outMiss:
		c.s.Misses++
	case outRejected:
		c.s.Rejected++
	case outInjected:
		c.s.InjectedErrors++
	case outInvalid:
		c.s.Invalid++
	case outCanceled:
		c.s.Canceled++
	}
}

// addGauges moves the Active and Queued gauges by the given deltas (±1).
func (c *counters) addGauges(active, queued int) {
	c.mu.Lock()
	c.s.Active += uint64(active) // two's complement: adding uint64(-1) subtracts 1
	c.s.Queued += uint64(queued)
	c.mu.Unlock()
}

// cacheError counts one failed cache call.
func (c *counters) cacheError() {
	c.mu.Lock()
	c.s.CacheErrors++
	c.mu.Unlock()
}

// snapshot returns a copy of the counters.
func (c *counters) snapshot() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.s
	s.ByStatus = make(map[int]uint64, len(c.s.ByStatus))
	for k, v := range c.s.ByStatus {
		s.ByStatus[k] = v
	}
	return s
}

// reset zeroes the counters. Requests in flight stay counted as received
// (and in the gauges), so the sums still hold once they finish.
func (c *counters) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.s = Stats{
		Received: c.s.InFlight,
		InFlight: c.s.InFlight,
		Active:   c.s.Active,
		Queued:   c.s.Queued,
		ByStatus: make(map[int]uint64),
	}
}
