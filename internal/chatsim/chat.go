package chatsim

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxChatBody caps the /api/chat request body.
const maxChatBody = 1 << 20

// ChatRequest is the body of POST /api/chat.
type ChatRequest struct {
	// Message is the user's question; required, not blank.
	Message string `json:"message"`
	// ConversationID groups messages; one is made up when empty.
	ConversationID string `json:"conversation_id,omitempty"`
	// Stream asks for the reply as server-sent events (see stream.go);
	// an Accept header naming text/event-stream or application/x-ndjson
	// does the same.
	Stream bool `json:"stream,omitempty"`
}

// ChatResponse is the 200 answer of POST /api/chat.
type ChatResponse struct {
	// Reply is the (simulated) assistant answer.
	Reply string `json:"reply"`
	// Cached tells whether the reply came from the cache.
	Cached bool `json:"cached"`
	// ConversationID echoes the request's, or the one made up for it.
	ConversationID string `json:"conversation_id"`
	// LatencyMS is the time the server spent on the request, in
	// milliseconds.
	LatencyMS float64 `json:"latency_ms"`
}

// ErrorResponse is the body of every non-200 answer.
type ErrorResponse struct {
	// Error says what went wrong, in lower case.
	Error string `json:"error"`
}

// answer is what a chat request ends with, decided before anything is
// written so that the counters are updated before the client can see the
// response: once a client has read an answer, Stats includes it.
type answer struct {
	out    outcome
	status int
	body   any
	header map[string]string
	// streamed is set when the answer was a stream, already counted and
	// written by streamReply.
	streamed bool
}

func fail(o outcome, status int, format string, args ...any) answer {
	return answer{out: o, status: status, body: ErrorResponse{Error: fmt.Sprintf(format, args...)}}
}

func (s *Server) handleChat(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	s.stats.begin()
	a := s.chat(w, r, start)
	if a.streamed {
		return
	}
	s.stats.finish(a.out, a.status)
	for k, v := range a.header {
		w.Header().Set(k, v)
	}
	writeJSON(w, a.status, a.body)
}

// chat serves one /api/chat request; see the package documentation for
// the order of the steps and how each ending is counted.
func (s *Server) chat(w http.ResponseWriter, r *http.Request, start time.Time) answer {
	if r.Method != http.MethodPost {
		a := fail(outInvalid, http.StatusMethodNotAllowed, "method %s not allowed, use POST", r.Method)
		a.header = map[string]string{"Allow": http.MethodPost}
		return a
	}
	var req ChatRequest
	body, err := readBody(r.Body, maxChatBody)
	if errors.Is(err, errTooLarge) {
		return fail(outInvalid, http.StatusRequestEntityTooLarge, "body over %d bytes", maxChatBody)
	}
	if err == nil {
		err = decodeJSON(body, &req, false)
	}
	if err != nil {
		return fail(outInvalid, http.StatusBadRequest, "bad json: %v", err)
	}
	if strings.TrimSpace(req.Message) == "" {
		return fail(outInvalid, http.StatusBadRequest, "message is required")
	}
	qf, err := parseQueryFaults(r.URL.Query())
	if err != nil {
		return fail(outInvalid, http.StatusBadRequest, "bad fault query: %v", err)
	}

	ctx := r.Context()
	slowdown := 1.0
	if s.slots != nil {
		select {
		case s.slots <- struct{}{}:
		default:
			if !s.opts.Queue {
				return overloaded("overloaded: %d requests in progress", cap(s.slots))
			}
			if n := s.waiting.Add(1); s.opts.MaxQueue > 0 && n > int64(s.opts.MaxQueue) {
				s.waiting.Add(-1)
				return overloaded("overloaded: %d requests in progress, %d waiting", cap(s.slots), s.opts.MaxQueue)
			}
			s.stats.addGauges(0, 1)
			select {
			case s.slots <- struct{}{}:
				s.stats.addGauges(0, -1)
				slowdown = s.slowdown(s.waiting.Add(-1))
			case <-ctx.Done():
				s.waiting.Add(-1)
				s.stats.addGauges(0, -1)
				return canceled(ctx.Err())
			}
		}
		s.stats.addGauges(1, 0)
		defer func() {
			<-s.slots
			s.stats.addGauges(-1, 0)
		}()
	}

	// One snapshot of the faults for the whole request.
	f := s.Faults()
	extra := f.ExtraLatency
	if d, ok := pick(qf.delay, s.rnd); ok {
		extra += d
	}
	if err := sleep(ctx, extra); err != nil {
		return canceled(err)
	}
	if st, ok := pick(qf.status, s.rnd); ok {
		return fail(outInjected, st, "injected status %d", st)
	}
	if f.ErrorRatio > 0 && s.rnd.float64() < f.ErrorRatio {
		return fail(outInjected, http.StatusInternalServerError, "injected error")
	}

	conv := req.ConversationID
	if conv == "" {
		conv = fmt.Sprintf("conv-%016x", s.rnd.uint64())
	}
	msg := Normalize(req.Message)
	key := cacheKey(msg, s.hist.recent(conv), s.opts.ContextTurns)

	reply, hit := "", false
	if !f.CacheOff {
		var err error
		if reply, hit, err = s.cache.Get(ctx, key); err != nil {
			s.stats.cacheError()
			hit = false
		}
	}
	latency, interval := s.opts.UncachedLatency, s.opts.TokenInterval
	if hit {
		latency, interval = s.opts.CachedLatency, s.opts.CachedTokenInterval
	} else {
		reply = makeReply(msg)
	}
	latency = time.Duration(float64(s.rnd.jittered(latency, s.opts.Jitter)) * slowdown)
	// store puts a fresh reply in the cache once it is complete.
	store := func() {
		if !hit && !f.CacheOff {
			if err := s.cache.Set(ctx, key, reply, s.opts.CacheTTL); err != nil {
				s.stats.cacheError()
			}
		}
		s.hist.add(conv, msg)
	}
	if format := streamFormatOf(r, req); format != streamNone {
		s.streamReply(ctx, w, streamPlan{
			format: format, hit: hit, reply: reply, conv: conv,
			latency: latency, interval: interval, start: start, store: store,
		})
		return answer{streamed: true}
	}
	if err := sleep(ctx, latency); err != nil {
		return canceled(err)
	}
	store()

	a := answer{out: outMiss, status: http.StatusOK, header: map[string]string{"X-Cache": "MISS"}}
	if hit {
		a.out, a.header["X-Cache"] = outHit, "HIT"
	}
	a.body = chatResponse(reply, hit, conv, start)
	return a
}

// chatResponse is the answer to a chat request that started at start: the
// JSON body, or a stream's last event.
func chatResponse(reply string, hit bool, conv string, start time.Time) ChatResponse {
	return ChatResponse{
		Reply:          reply,
		Cached:         hit,
		ConversationID: conv,
		LatencyMS:      math.Round(float64(time.Since(start).Microseconds())) / 1000,
	}
}

// overloaded is the 503 of a request that found no slot and no room to
// wait for one.
func overloaded(format string, args ...any) answer {
	a := fail(outRejected, http.StatusServiceUnavailable, format, args...)
	a.header = map[string]string{"Retry-After": "1"}
	return a
}

// slowdown is the latency factor of a request that took its slot while
// waiting others still waited (Options.OverloadSlowdown).
func (s *Server) slowdown(waiting int64) float64 {
	over := waiting - int64(s.opts.OverloadQueue)
	if s.opts.OverloadSlowdown <= 0 || over <= 0 {
		return 1
	}
	return 1 + s.opts.OverloadSlowdown*float64(over)
}

// canceled is the answer to a request whose context ended. Nobody may be
// listening, but a server shutting down still owes its client an answer.
func canceled(err error) answer {
	return fail(outCanceled, http.StatusServiceUnavailable, "canceled: %v", err)
}

// makeReply is the simulated assistant: deterministic, so a cached and a
// fresh reply to the same message are equal.
func makeReply(msg string) string {
	return "Simulated answer to \"" + msg + "\"."
}

// writeJSON writes v as the JSON body with the given status. A failed write
// means the client is gone; there is no one left to tell.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"encoding response"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)+1))
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}
