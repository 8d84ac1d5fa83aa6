package report

import (
	"strconv"

	"github.com/loadcron/loadcron/internal/stats"
)

// Streaming is the "streaming" object of a test_results entry: the
// figures of the scenario's streamed responses (request.stream), present
// only when it read some. Times are milliseconds rounded to 3 decimals.
type Streaming struct {
	// Streams counts responses read as streams, whatever their outcome;
	// Ended those that ended properly (end event, or a clean end of the
	// body where that is the end).
	Streams int64 `json:"streams"`
	Ended   int64 `json:"ended"`
	// Events counts events over all streams (end events excluded).
	Events int64 `json:"events"`
	// EventsPerSecond is the pace once a stream has started: events after
	// each stream's first over the time from its first event to its last.
	EventsPerSecond float64 `json:"events_per_second"`
	// FirstEvent is the time to first event (for a chat API, the first
	// token) from the (intended) send time; EventGap the time between
	// consecutive events. Both exact (HDR histograms, as the latency).
	FirstEvent DistributionMs `json:"first_event_ms"`
	EventGap   DistributionMs `json:"event_gap_ms"`
}

// DistributionMs is a stats.Distribution in milliseconds.
type DistributionMs struct {
	Count int64   `json:"count"`
	Avg   float64 `json:"avg"`
	P50   float64 `json:"p50"`
	P95   float64 `json:"p95"`
	P99   float64 `json:"p99"`
	Min   float64 `json:"min"`
	Max   float64 `json:"max"`
}

// streamingFrom converts a summary's stream figures; nil stays nil.
func streamingFrom(s *stats.StreamSummary) *Streaming {
	if s == nil {
		return nil
	}
	return &Streaming{
		Streams:         s.Streams,
		Ended:           s.Ended,
		Events:          s.Events,
		EventsPerSecond: round(s.EventsPerSecond, 3),
		FirstEvent:      distributionMs(s.FirstEvent),
		EventGap:        distributionMs(s.EventGap),
	}
}

func distributionMs(d stats.Distribution) DistributionMs {
	return DistributionMs{
		Count: d.Count, Avg: ms(d.Avg), P50: ms(d.P50), P95: ms(d.P95), P99: ms(d.P99),
		Min: ms(d.Min), Max: ms(d.Max),
	}
}

// streaming prints the "Streaming:" block of a scenario that read
// streams, in the shape of the guide's "Latency Metrics:".
func (c *Console) streaming(s *Streaming) {
	if s == nil {
		return
	}
	c.printf("\nStreaming:\n")
	c.printf("  Streams: %d (%d ended properly)\n", s.Streams, s.Ended)
	c.printf("  Events: %d (%.1f events/s)\n", s.Events, s.EventsPerSecond)
	c.printf("  First event: P50 %s, P95 %s, P99 %s\n", Millis(s.FirstEvent.P50), Millis(s.FirstEvent.P95), Millis(s.FirstEvent.P99))
	c.printf("  Event gap: P50 %s, P95 %s, P99 %s\n", Millis(s.EventGap.P50), Millis(s.EventGap.P95), Millis(s.EventGap.P99))
}

// SlowRequest is one entry of slowest_requests: one of the scenario's
// slowest requests, with what finds it in the target's traces.
type SlowRequest struct {
	// TraceID is the trace id of its traceparent header; absent when the
	// target's traceparent header is off.
	TraceID   string  `json:"trace_id,omitempty"`
	LatencyMs float64 `json:"latency_ms"`
	// StatusCode is 0 when no response arrived.
	StatusCode int `json:"status_code"`
	// ErrorKind is the failure's kind; absent for a success.
	ErrorKind string `json:"error_kind,omitempty"`
	// Cache is the response's cache signal: hit, miss or unknown.
	Cache string `json:"cache"`
}

// slowestFrom converts a summary's slowest requests.
func slowestFrom(in []stats.SlowRequest) []SlowRequest {
	if len(in) == 0 {
		return nil
	}
	out := make([]SlowRequest, len(in))
	for i, s := range in {
		out[i] = SlowRequest{TraceID: s.TraceID.String(), LatencyMs: ms(s.Latency), StatusCode: s.Code, Cache: s.Cache.String()}
		if !s.OK() {
			out[i].ErrorKind = s.Kind.String()
		}
	}
	return out
}

// consoleSlowest is how many of the slowest requests the console lists.
const consoleSlowest = 3

// slowest prints the slowest requests with their trace ids.
func (c *Console) slowest(list []SlowRequest) {
	if len(list) == 0 {
		return
	}
	c.printf("\n  Slowest requests:\n")
	for _, s := range list[:min(len(list), consoleSlowest)] {
		outcome := strconv.Itoa(s.StatusCode)
		if s.StatusCode == 0 {
			outcome = "no response"
		}
		if s.ErrorKind != "" {
			outcome += " " + s.ErrorKind
		}
		trace := ""
		if s.TraceID != "" {
			trace = "  trace " + s.TraceID
		}
		c.printf("    %s  %s%s\n", Millis(s.LatencyMs), outcome, trace)
	}
}
