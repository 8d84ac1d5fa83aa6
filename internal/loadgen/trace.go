package loadgen

import (
	crand "crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
	"net/http"
	"strings"

	"github.com/loadcron/loadcron/internal/config"
)

// W3C trace context (https://www.w3.org/TR/trace-context/): every request
// carries "traceparent: 00-<trace id>-<parent id>-<flags>" with a fresh
// random 16-byte trace id and 8-byte parent (span) id, so that a slow
// request seen in loadcron (an exemplar, the report's slowest requests)
// can be found in the target's traces. The ids come from a per-worker
// generator seeded from crypto/rand: no lock and no allocation per
// request on the HTTP/1.1 client; net/http needs the value as a string
// (one 64-byte allocation per request).

// traceparentKey is the header's canonical name.
const traceparentKey = "Traceparent"

// traceparentLen is the length of a version-00 traceparent value.
const traceparentLen = len("00-") + 32 + len("-") + 16 + len("-01")

// traceSpec is a scenario's traceparent setting; nil when off.
type traceSpec struct {
	flags string // "01" sampled, "00" not
}

// newTraceSpec returns the trace spec of a target and scenario, nil when
// the target switched the header off or the request already sets one
// (the user's own header wins).
func newTraceSpec(t *config.Target, sc *config.Scenario) *traceSpec {
	if !t.Traceparent.IsEnabled() {
		return nil
	}
	for name := range t.Headers {
		if strings.EqualFold(name, traceparentKey) {
			return nil
		}
	}
	for name := range sc.Request.Headers {
		if strings.EqualFold(name, traceparentKey) {
			return nil
		}
	}
	s := &traceSpec{flags: "00"}
	if t.Traceparent.IsSampled() {
		s.flags = "01"
	}
	return s
}

// placeholder is the header value with zero ids, laid out as sent.
func (s *traceSpec) placeholder() string {
	return "00-" + strings.Repeat("0", 32) + "-" + strings.Repeat("0", 16) + "-" + s.flags
}

// tracer makes the ids of one worker's requests.
type tracer struct {
	spec *traceSpec
	rnd  *rand.PCG
	// id and span are the current request's ids.
	id   [16]byte
	span [8]byte
	buf  [traceparentLen]byte
}

func newTracer(spec *traceSpec) *tracer {
	if spec == nil {
		return nil
	}
	var seed [16]byte
	_, _ = crand.Read(seed[:]) // never fails (Go 1.24+)
	t := &tracer{spec: spec, rnd: rand.NewPCG(binary.LittleEndian.Uint64(seed[:8]), binary.LittleEndian.Uint64(seed[8:]))}
	copy(t.buf[:], spec.placeholder())
	return t
}

// next draws the ids of the next request. An all-zero id is invalid in
// W3C trace context; the low bit makes sure it cannot happen.
func (t *tracer) next() {
	binary.BigEndian.PutUint64(t.id[:8], t.rnd.Uint64())
	binary.BigEndian.PutUint64(t.id[8:], t.rnd.Uint64()|1)
	binary.BigEndian.PutUint64(t.span[:], t.rnd.Uint64()|1)
}

// fill writes the current ids into a placeholder value laid out at v.
func (t *tracer) fill(v []byte) {
	hex.Encode(v[3:35], t.id[:])
	hex.Encode(v[36:52], t.span[:])
}

// value is the current header value as a string (net/http).
func (t *tracer) value() string {
	t.fill(t.buf[:])
	return string(t.buf[:])
}

// addTraceparentSlot puts the header, with a placeholder value, into the
// plan's shared headers, so that each request's clone has a slot to
// overwrite instead of allocating a new value slice.
func addTraceparentSlot(h http.Header, spec *traceSpec) {
	if spec != nil {
		h[traceparentKey] = []string{spec.placeholder()}
	}
}
