package chatsim

import (
	"context"
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"strings"
	"time"
)

// Streamed replies. A chat request asks for one with "stream": true
// (server-sent events) or with an Accept header naming text/event-stream
// (SSE) or application/x-ndjson (one JSON object per line). The headers
// (200, X-Cache) go out at once; the first token follows after the cached
// or uncached latency, the others one token interval apart; the last
// event is the whole ChatResponse — reply, "cached", conversation id and
// latency — so checks and cache signals written for the JSON answer work
// on the stream's last event. SSE ends with "data: [DONE]".
//
//	event: token          {"token":"Simulated "}          (NDJSON: one line each)
//	event: token          {"token":"answer "}
//	…
//	data: {"reply":"Simulated answer to \"hi\".","cached":false,"conversation_id":"c","latency_ms":2310.5}
//	data: [DONE]

// streamFormat is how a reply is streamed, if at all.
type streamFormat uint8

const (
	streamNone streamFormat = iota
	streamSSE
	streamNDJSON
)

// Content types of the stream formats.
const (
	contentTypeSSE    = "text/event-stream"
	contentTypeNDJSON = "application/x-ndjson"
)

// streamFormatOf picks the stream format a request asks for: the first
// Accept media type naming one, else SSE when the body says "stream": true.
func streamFormatOf(r *http.Request, req ChatRequest) streamFormat {
	for _, h := range r.Header.Values("Accept") {
		for _, part := range strings.Split(h, ",") {
			mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err != nil {
				continue
			}
			switch mt {
			case contentTypeSSE:
				return streamSSE
			case contentTypeNDJSON:
				return streamNDJSON
			}
		}
	}
	if req.Stream {
		return streamSSE
	}
	return streamNone
}

// streamPlan is everything streamReply needs from chat.
type streamPlan struct {
	format   streamFormat
	hit      bool
	reply    string
	conv     string
	latency  time.Duration // before the first token
	interval time.Duration // between tokens
	start    time.Time
	store    func() // caches the complete reply
}

// tokenEvent is the data of one token event.
type tokenEvent struct {
	Token string `json:"token"`
}

// streamReply writes a streamed answer and counts it. The request holds
// its concurrency slot until the stream ends. It is counted once, before
// its last event is written (so a client that has read the whole stream
// finds it in Stats): as a hit or miss, or as canceled with status 200
// when the client went away mid-stream.
func (s *Server) streamReply(ctx context.Context, w http.ResponseWriter, p streamPlan) {
	h := w.Header()
	ct := contentTypeSSE
	if p.format == streamNDJSON {
		ct = contentTypeNDJSON
	}
	h.Set("Content-Type", ct)
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no") // proxies must not hold the events back
	h.Set("X-Cache", map[bool]string{true: "HIT", false: "MISS"}[p.hit])
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	// A server WriteTimeout would cut a long stream; this one has none,
	// but a caller mounting Handler elsewhere may.
	_ = rc.SetWriteDeadline(time.Time{})
	sw := &streamWriter{w: w, rc: rc, format: p.format}
	sw.flush()

	out := outMiss
	if p.hit {
		out = outHit
	}
	cancel := func() { s.stats.finish(outCanceled, http.StatusOK) }
	if sleep(ctx, p.latency) != nil {
		cancel()
		return
	}
	for i, tok := range tokens(p.reply) {
		if i > 0 && sleep(ctx, p.interval) != nil {
			cancel()
			return
		}
		if !sw.event("token", tokenEvent{Token: tok}) {
			cancel()
			return
		}
	}
	p.store()
	s.stats.finish(out, http.StatusOK)
	sw.event("", chatResponse(p.reply, p.hit, p.conv, p.start))
	if p.format == streamSSE {
		sw.raw("data: [DONE]\n\n")
	}
}

// streamWriter writes events and flushes each at once. After a failed
// write (the client is gone) it writes nothing more.
type streamWriter struct {
	w      http.ResponseWriter
	rc     *http.ResponseController
	format streamFormat
	failed bool
}

// event writes one event with v as its JSON data (SSE: with an event
// name unless name is empty) and reports whether it went out.
func (sw *streamWriter) event(name string, v any) bool {
	b, err := json.Marshal(v)
	if err != nil {
		sw.failed = true
		return false
	}
	if sw.format == streamNDJSON {
		return sw.raw(string(b) + "\n")
	}
	var e strings.Builder
	if name != "" {
		e.WriteString("event: " + name + "\n")
	}
	e.WriteString("data: ")
	e.Write(b)
	e.WriteString("\n\n")
	return sw.raw(e.String())
}

// raw writes s and flushes it.
func (sw *streamWriter) raw(s string) bool {
	if sw.failed {
		return false
	}
	if _, err := sw.w.Write([]byte(s)); err != nil {
		sw.failed = true
		return false
	}
	sw.flush()
	return !sw.failed
}

// flush sends what was written. A writer that cannot flush (a wrapper
// without Unwrap) still works: its events arrive together at the end.
func (sw *streamWriter) flush() {
	if err := sw.rc.Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
		sw.failed = true
	}
}

// tokens splits a reply into the words a stream sends, each with the
// space that follows it, so that the tokens joined give the reply back.
func tokens(reply string) []string {
	var out []string
	for len(reply) > 0 {
		i := strings.IndexByte(reply, ' ')
		if i < 0 {
			out = append(out, reply)
			break
		}
		out = append(out, reply[:i+1])
		reply = reply[i+1:]
	}
	return out
}
