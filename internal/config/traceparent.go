package config

// Traceparent configures the W3C trace context header (traceparent) that
// loadcron sends with every request to a target, so that a slow request
// seen in loadcron's metrics (an exemplar) or report (slowest requests) can
// be found in the target's traces.
type Traceparent struct {
	// Enabled sends the header. Default true; false is the off switch for
	// targets that must not see it.
	Enabled *bool `koanf:"enabled"`
	// Sampled sets the header's sampled flag (trace-flags 01), asking the
	// target's tracer to record the trace. Default true; false leaves the
	// decision to the target's own sampler (flags 00).
	Sampled *bool `koanf:"sampled"`
}

// IsEnabled reports whether the header is sent (default true).
func (t Traceparent) IsEnabled() bool { return t.Enabled == nil || *t.Enabled }

// IsSampled reports whether the sampled flag is set (default true).
func (t Traceparent) IsSampled() bool { return t.Sampled == nil || *t.Sampled }

// traceparentDefaults fills the unset keys.
func traceparentDefaults(t *Traceparent) {
	if t.Enabled == nil {
		t.Enabled = ptr(true)
	}
	if t.Sampled == nil {
		t.Sampled = ptr(true)
	}
}
