package stats

import (
	"time"

	"github.com/loadcron/loadcron/internal/result"
)

// StreamSummary is the exact account of a scenario's streamed responses
// (request.stream): every response read as a stream, whether it succeeded
// or not, as the latency figures cover failures too.
type StreamSummary struct {
	// Streams counts responses read as streams; Ended those that ended
	// properly (the others failed as cut or stalled).
	Streams, Ended int64
	// Events counts the events of all streams (end events excluded).
	Events int64
	// EventsPerSecond is the pace of events once a stream has started:
	// the events after each stream's first, over the time from each
	// stream's first event to its last, summed over streams. 0 when no
	// stream had two events.
	EventsPerSecond float64
	// FirstEvent is the time to first event of the streams that had one,
	// from the (intended) send time; EventGap the gaps between consecutive
	// events of a stream.
	FirstEvent, EventGap Distribution
}

// Distribution is the exact account of a set of durations: Count of them,
// exact Avg, Min and Max, and P50, P95 and P99 from an HDR histogram with
// the same precision and rank rule as Summary's latency percentiles,
// clamped to [Min, Max]. All zero when Count is 0.
type Distribution struct {
	Count                        int64
	Avg, P50, P95, P99, Min, Max time.Duration
}

// streamShard is a shard's streaming figures. A shard gets one with its
// first streamed result, so scenarios that do not stream pay nothing.
type streamShard struct {
	first, gaps    durations
	streams, ended int64
	events, paced  int64 // paced: events after each stream's first
	spanNs         int64 // Σ time from first to last event
}

func newStreamShard() *streamShard {
	return &streamShard{first: newDurations(), gaps: newDurations()}
}

// record adds one streamed result. Callers hold the shard's lock.
func (ss *streamShard) record(r *result.Result) {
	st := &r.Stream
	ss.streams++
	if st.Ended {
		ss.ended++
	}
	ss.events += st.Events
	if st.Events > 0 {
		ss.first.add(st.FirstEvent)
		ss.paced += st.Events - 1
		ss.spanNs += int64(st.Span)
	}
}

// RecordGaps adds the gaps between events of a stream. It implements
// result.GapRecorder.
func (s *shard) RecordGaps(gaps []time.Duration) {
	s.mu.Lock()
	if s.stream == nil {
		s.stream = newStreamShard()
	}
	for _, g := range gaps {
		s.stream.gaps.add(g)
	}
	s.mu.Unlock()
}

// mergeStreams merges the shards' streaming figures into c's scratch and
// returns the summary, nil when no shard saw a stream. Callers hold
// c.mergeMu and each shard's lock is taken in turn.
func (c *Collector) mergeStreams() *StreamSummary {
	var m *streamShard
	for _, sh := range c.shards {
		sh.mu.Lock()
		if ss := sh.stream; ss != nil {
			if m == nil {
				if c.mergedStream == nil {
					c.mergedStream = newStreamShard()
				}
				m = c.mergedStream
				m.first.reset()
				m.gaps.reset()
				m.streams, m.ended, m.events, m.paced, m.spanNs = 0, 0, 0, 0, 0
			}
			m.first.merge(&ss.first)
			m.gaps.merge(&ss.gaps)
			m.streams += ss.streams
			m.ended += ss.ended
			m.events += ss.events
			m.paced += ss.paced
			m.spanNs += ss.spanNs
		}
		sh.mu.Unlock()
	}
	if m == nil {
		return nil
	}
	out := &StreamSummary{
		Streams:    m.streams,
		Ended:      m.ended,
		Events:     m.events,
		FirstEvent: m.first.distribution(),
		EventGap:   m.gaps.distribution(),
	}
	if m.spanNs > 0 {
		out.EventsPerSecond = float64(m.paced) / (float64(m.spanNs) / 1e9)
	}
	return out
}
