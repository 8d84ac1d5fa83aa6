package result

import "time"

// Stream holds the figures of one streamed response (request.stream set
// and the status accepted by the checks). Times count from the request's
// (intended) send time, like Result.Latency; Result.Latency is the
// stream's total duration, to its end event or the end of the body.
type Stream struct {
	// FirstEvent is the time to the first event (for a chat API, the
	// first token); zero when no event arrived.
	FirstEvent time.Duration
	// Span is the time from the first event to the last one; zero with
	// fewer than two events.
	Span time.Duration
	// Events counts the events, the end event excluded.
	Events int64
	// Ended reports whether the stream ended properly: its end event
	// arrived (checks.stream_end), or the body ended cleanly where a clean
	// end is the end ("eof"). A stream that did not end properly is a
	// failure of kind body (cut) or timeout (stalled).
	Ended bool
}

// GapRecorder is implemented by recorders that keep the gaps between
// consecutive events of streamed responses. While it reads a stream, the
// engine hands the gaps over in batches (at most MaxGapBatch each, the
// slice valid only during the call), all before the Record call of that
// request. Like Record, RecordGaps is called by one goroutine at a time
// per recorder and must not allocate on the hot path.
type GapRecorder interface {
	RecordGaps(gaps []time.Duration)
}

// MaxGapBatch bounds the gaps the engine buffers per worker before it
// hands them to a GapRecorder, so that a long stream costs constant memory.
const MaxGapBatch = 64

// RecordGaps passes gaps to each recorder that keeps them.
func (t Tee) RecordGaps(gaps []time.Duration) {
	for _, rec := range t {
		if g, ok := rec.(GapRecorder); ok {
			g.RecordGaps(gaps)
		}
	}
}
