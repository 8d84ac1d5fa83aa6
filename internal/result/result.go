// Package result holds the one value every layer of loadcron agrees on: the
// outcome of a single request. The load engine produces it; statistics,
// Prometheus metrics and progress reporting consume it.
package result

import "time"

// Kind classifies why a request failed. KindNone means it succeeded.
type Kind uint8

// Error kinds, as listed in SPEC §3. Their String values are label values
// and JSON keys, so they are part of the public contract.
const (
	KindNone       Kind = iota // the request succeeded
	KindTimeout                // the per-request timeout expired
	KindConnection             // connect refused/reset, or the connection broke
	KindDNS                    // the host name did not resolve
	KindTLS                    // the TLS handshake or certificate check failed
	KindHTTP4xx                // a 4xx status that the checks did not expect
	KindHTTP5xx                // a 5xx status that the checks did not expect
	KindCheck                  // a response check failed (other status, JSON field, substring)
	KindBody                   // the body could not be read or was over the limit
	KindCanceled               // the run was canceled while the request was in flight
	// KindDisallowed: loadcron refused to send the request: the dialer
	// was asked for an address not on safety.allowed_hosts, or the
	// rendered request was not a valid path and query on the target
	// (it could have named another host, or was not valid HTTP).
	KindDisallowed
	numKinds
)

// NumKinds is the number of kinds including KindNone, for fixed-size arrays
// indexed by Kind.
const NumKinds = int(numKinds)

var kindNames = [numKinds]string{
	KindNone:       "none",
	KindTimeout:    "timeout",
	KindConnection: "connection",
	KindDNS:        "dns",
	KindTLS:        "tls",
	KindHTTP4xx:    "http_4xx",
	KindHTTP5xx:    "http_5xx",
	KindCheck:      "check",
	KindBody:       "body",
	KindCanceled:   "canceled",
	KindDisallowed: "disallowed",
}

// String returns the kind's label value ("timeout", "http_5xx", …).
func (k Kind) String() string {
	if k < numKinds {
		return kindNames[k]
	}
	return "unknown"
}

// ErrorKinds lists every failure kind (KindNone excluded) in a stable order.
func ErrorKinds() []Kind {
	return []Kind{KindTimeout, KindConnection, KindDNS, KindTLS, KindHTTP4xx,
		KindHTTP5xx, KindCheck, KindBody, KindCanceled, KindDisallowed}
}

// Cache is what the target's cache-hit signal said about a response.
type Cache uint8

// Cache states. CacheUnknown is used when the response carried no signal
// (or no response arrived).
const (
	CacheUnknown Cache = iota
	CacheHit
	CacheMiss
)

// String returns the label value: "unknown", "hit" or "miss".
func (c Cache) String() string {
	switch c {
	case CacheHit:
		return "hit"
	case CacheMiss:
		return "miss"
	default:
		return "unknown"
	}
}

// Result is the outcome of one request. It is passed by pointer to
// recorders, which must not keep it: the engine reuses it.
type Result struct {
	// Latency is the time from the send time to the end of the body. In the
	// open model the send time is the intended one, so pacing stalls of the
	// target show up here (no coordinated omission).
	Latency time.Duration
	// TTFB is the time from the actual send to the first response byte;
	// zero when no response arrived.
	TTFB time.Duration
	// Lateness is how late the request left against its intended send time
	// (pacer lateness): in the open model at least 1 ns for every request
	// that was sent; zero in the closed model.
	Lateness time.Duration
	// Code is the HTTP status, or 0 when no response arrived.
	Code int
	// Kind is KindNone on success, otherwise the failure class.
	Kind Kind
	// Cache is the cache-hit signal of the response.
	Cache Cache
	// Bytes is the number of body bytes read.
	Bytes int64
	// TraceID is the trace id of the request's traceparent header (zero
	// when it sent none): what ties the request to the target's traces.
	TraceID TraceID
	// Streamed is set when the response was read as a stream; Stream then
	// holds its figures (stream.go).
	Streamed bool
	Stream   Stream
}

// OK reports whether the request succeeded.
func (r *Result) OK() bool { return r.Kind == KindNone }

// Recorder receives results. Each Recorder is used by one goroutine (one
// virtual user or worker) at a time, so implementations need no locking on
// their own state; Record must not allocate on the hot path.
type Recorder interface {
	Record(r *Result)
}

// RecorderFunc adapts a function to Recorder.
type RecorderFunc func(r *Result)

// Record calls f(r).
func (f RecorderFunc) Record(r *Result) { f(r) }

// Tee records to every recorder in order.
type Tee []Recorder

// Record passes r to each recorder.
func (t Tee) Record(r *Result) {
	for _, rec := range t {
		rec.Record(r)
	}
}
