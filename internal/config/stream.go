package config

import (
	"fmt"
	"time"
)

// Values of request.stream.
const (
	StreamNone    = ""
	StreamSSE     = "sse"
	StreamNDJSON  = "ndjson"
	StreamChunked = "chunked"
)

// StreamEndEOF is the checks.stream_end value meaning "a clean end of the
// body ends the stream properly".
const StreamEndEOF = "eof"

// Streaming defaults.
const (
	defaultStreamIdleTimeout = 10 * time.Second
	defaultStreamEndSSE      = "[DONE]"
)

// IsStream reports whether the scenario's responses are read as streams.
func (s *Scenario) IsStream() bool { return s.Request.Stream != StreamNone }

// streamDefaults fills the streaming keys of a streamed scenario against
// target t (nil when unknown); prefix is its key path with a trailing dot.
// The idle timeout defaults to 10s, or the target's timeout when that is
// shorter.
func streamDefaults(sc *Scenario, t *Target, prefix string, def func(string) bool) {
	if !sc.IsStream() {
		return
	}
	idle := defaultStreamIdleTimeout
	if t != nil && t.Timeout > 0 {
		idle = min(idle, t.Timeout)
	}
	defaultIf(def(prefix+"request.stream_idle_timeout"), &sc.Request.StreamIdleTimeout, idle)
	if sc.Checks.StreamEnd == "" {
		sc.Checks.StreamEnd = StreamEndEOF
		if sc.Request.Stream == StreamSSE {
			sc.Checks.StreamEnd = defaultStreamEndSSE
		}
	}
}

// validateStream checks the streaming keys of scenario sc at path: a known
// mode, an idle timeout within the target's timeout, and no streaming key
// (timeout, end check, streaming thresholds) on a scenario that does not
// stream.
func (p *problems) validateStream(path string, sc *Scenario, c *Config) {
	r := &sc.Request
	switch r.Stream {
	case StreamNone, StreamSSE, StreamNDJSON, StreamChunked:
	default:
		p.addf(path+".request.stream", "must be %q, %q or %q (or unset for a plain response), got %q",
			StreamSSE, StreamNDJSON, StreamChunked, r.Stream)
		return
	}
	if !sc.IsStream() {
		const only = "applies only to streamed responses (set request.stream)"
		if r.StreamIdleTimeout != 0 || p.present[path+".request.stream_idle_timeout"] {
			p.addf(path+".request.stream_idle_timeout", only)
		}
		if sc.Checks.StreamEnd != "" {
			p.addf(path+".checks.stream_end", only)
		}
		if sc.Thresholds.MaxP95FirstEvent != nil {
			p.addf(path+".thresholds.max_p95_first_event", only)
		}
		if sc.Thresholds.MaxP95EventGap != nil {
			p.addf(path+".thresholds.max_p95_event_gap", only)
		}
		return
	}
	hi, hiName := ceilLatency, ""
	if t := c.Targets[sc.Target]; t != nil && t.Timeout > 0 {
		hi, hiName = t.Timeout, fmt.Sprintf("targets.%s.timeout", sc.Target)
	}
	p.durIn(path+".request.stream_idle_timeout", r.StreamIdleTimeout, false, hi, hiName, defaultStreamIdleTimeout.String())
}
