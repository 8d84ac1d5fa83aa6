package result

import "encoding/hex"

// TraceID is the W3C trace id a request carried in its traceparent
// header; zero when it carried none.
type TraceID [16]byte

// IsZero reports whether the request carried no trace id.
func (t TraceID) IsZero() bool { return t == TraceID{} }

// String is the id as 32 lower-case hex digits ("" when zero), as in the
// header and in tracing backends.
func (t TraceID) String() string {
	if t.IsZero() {
		return ""
	}
	return hex.EncodeToString(t[:])
}
