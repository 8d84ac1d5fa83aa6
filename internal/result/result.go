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

	// The fields below say why a request failed. The engine sets them only
	// when Kind is not KindNone, so a successful request carries (and
	// costs) nothing here. Like the Result itself they are only valid
	// during Record: Body points into the engine's reused buffer.

	// Err is the transport or body-read error behind a timeout,
	// connection, dns, tls, canceled or body failure (unwrapped from
	// *url.Error, so it carries no URL), or the template error of a
	// request that could not be built.
	Err error
	// Method and Path are the failed request's method and URL path
	// (never the query).
	Method, Path string
	// Check is the response check that failed (KindCheck), and Expect
	// what it expected: the accepted statuses ("[200]", "2xx"), the JSON
	// field path, or the substring. Expect is built once per scenario.
	Check  Check
	Expect string
	// Body is the start of the response body (at most BodyExampleBytes)
	// of an HTTP error or a failed check.
	Body []byte
	// BodyLimit is the target's max_body_bytes, set on KindBody failures.
	BodyLimit int64
}

// BodyExampleBytes bounds Result.Body: causes show at most this much of a
// failed response's body.
const BodyExampleBytes = 256

// Check names a response check (or the request build) that failed.
type Check uint8

// Checks. CheckNone on anything but a KindCheck failure.
const (
	CheckNone         Check = iota
	CheckStatus             // the status is not one of checks.status
	CheckJSONField          // checks.json_field is missing or null
	CheckBodyContains       // checks.body_contains was not found
	CheckTemplate           // the request template could not be executed
)

// String returns the check's config key ("status", "json_field",
// "body_contains") or "request_template".
func (c Check) String() string {
	switch c {
	case CheckStatus:
		return "status"
	case CheckJSONField:
		return "json_field"
	case CheckBodyContains:
		return "body_contains"
	case CheckTemplate:
		return "request_template"
	default:
		return "none"
	}
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
