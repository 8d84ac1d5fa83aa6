package loadgen

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loadcron/loadcron/internal/chatsim/chatsimtest"
	"github.com/loadcron/loadcron/internal/config"
	"github.com/loadcron/loadcron/internal/result"
	"github.com/loadcron/loadcron/internal/stats"
)

// scriptedBody is a response body that returns its reads one by one and
// moves a fake clock before each: a stream with exactly known timing.
type scriptedBody struct {
	reads []scriptedRead
	clock *time.Time
	err   error // returned after the reads (io.EOF when nil)
}

type scriptedRead struct {
	after time.Duration // the clock moves this much before the read returns
	data  string
}

func (b *scriptedBody) Read(p []byte) (int, error) {
	if len(b.reads) == 0 {
		if b.err != nil {
			return 0, b.err
		}
		return 0, io.EOF
	}
	r := &b.reads[0]
	if r.after > 0 {
		*b.clock = b.clock.Add(r.after)
		r.after = 0
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	if r.data == "" {
		b.reads = b.reads[1:]
	}
	return n, nil
}

// gapSink keeps gaps and results, as a GapRecorder recorder.
type gapSink struct {
	gaps    []time.Duration
	results []result.Result
}

func (g *gapSink) Record(r *result.Result)         { g.results = append(g.results, *r) }
func (g *gapSink) RecordGaps(gaps []time.Duration) { g.gaps = append(g.gaps, gaps...) }

// readScripted reads one scripted stream with a fake clock that starts at
// the request's send time, and returns the state and gaps recorded.
func readScripted(t *testing.T, mode, end string, checks config.Checks, limit int64, reads []scriptedRead, readErr error) (*streamState, result.Stream, []time.Duration, error) {
	t.Helper()
	sc := &config.Scenario{Request: config.Request{Stream: mode}, Checks: checks}
	sc.Checks.StreamEnd = end
	tgt := &config.Target{CacheSignal: config.CacheSignal{JSONField: "cached"}}
	sink := &gapSink{}
	s := newStreamState(newStreamSpec(sc), newInspector(tgt, &sc.Checks), limit, sink)
	origin := time.Date(2025, 11, 13, 12, 0, 0, 0, time.UTC)
	clock := origin
	s.now = func() time.Time { return clock }
	err := s.read(&scriptedBody{reads: reads, clock: &clock, err: readErr})
	s.flushGaps()
	return s, s.result(origin), sink.gaps, err
}

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

// TestStreamTimingExact: a stream with known per-event delays gives exact
// time to first event, gaps and span, in every mode.
func TestStreamTimingExact(t *testing.T) {
	sse := []scriptedRead{
		{ms(300), ": keep-alive\n\n"}, // a comment is no event
		{ms(50), "event: token\ndata: {\"token\":\"Hel\"}\n\n"},
		{ms(20), "data: {\"token\":\"lo\"}\n\n"},
		{ms(35), "data: {\"reply\":\"Hello\",\"cached\":true}\n\n"},
		{ms(5), "data: [DONE]\n\n"},
	}
	ndjson := []scriptedRead{
		{ms(350), `{"token":"Hel"}` + "\n"},
		{ms(20), `{"token":"lo"}` + "\n\n"}, // blank lines are skipped
		{ms(35), `{"reply":"Hello","cached":true}` + "\n"},
		{ms(5), `{"done":true}` + "\n"},
	}
	chunked := []scriptedRead{{ms(350), "Hel"}, {ms(20), "lo"}, {ms(35), " wor"}, {ms(5), "ld."}}
	tests := []struct {
		name, mode, end string
		reads           []scriptedRead
		events          int64
		gaps            []time.Duration
		cache           result.Cache
	}{
		// SSE: TTFE 350ms, gaps 20 and 35ms, [DONE] 5ms later ends it (not an event)
		{"sse", config.StreamSSE, "[DONE]", sse, 3, []time.Duration{ms(20), ms(35)}, result.CacheHit},
		// NDJSON with an end line
		{"ndjson", config.StreamNDJSON, `"done":true`, ndjson, 3, []time.Duration{ms(20), ms(35)}, result.CacheHit},
		// chunked: each read is an event, a clean end of body ends it
		{"chunked", config.StreamChunked, "eof", chunked, 4, []time.Duration{ms(20), ms(35), ms(5)}, result.CacheUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, st, gaps, err := readScripted(t, tt.mode, tt.end, config.Checks{}, 1<<20, tt.reads, nil)
			if err != nil {
				t.Fatal(err)
			}
			var span time.Duration
			for _, g := range tt.gaps {
				span += g
			}
			want := result.Stream{FirstEvent: ms(350), Span: span, Events: tt.events, Ended: true}
			if st != want || !slices.Equal(gaps, tt.gaps) || s.cache != tt.cache {
				t.Errorf("stream %+v gaps %v cache %v; want %+v %v %v", st, gaps, s.cache, want, tt.gaps, tt.cache)
			}
		})
	}
}

// TestStreamParsing covers the event formats' corners, the end rules, the
// checks and the limit.
func TestStreamParsing(t *testing.T) {
	type want struct {
		events int64
		ended  bool
		over   bool
		kind   result.Kind // check kind of a stream that ended
		cache  result.Cache
	}
	tests := []struct {
		name, mode, end string
		checks          config.Checks
		limit           int64
		body            []string
		want            want
	}{
		// multi-line data joined by \n; CRLF line endings; the cache field
		// in the first event decides, a later one is not read
		{"sse multiline crlf", "sse", "[DONE]", config.Checks{JSONField: "reply"}, 1 << 20,
			[]string{"data: {\"cached\":false,\r\ndata: \"reply\":\"a\"}\r\n\r\n", "data: {\"cached\":true}\r\n\r\ndata: [DONE]\r\n\r\n"},
			want{2, true, false, result.KindNone, result.CacheMiss}},
		// an end event by name (Anthropic's message_stop)
		{"sse end by name", "sse", "message_stop", config.Checks{}, 1 << 20,
			[]string{"event: delta\ndata: x\n\nevent: message_stop\ndata: {}\n\n"},
			want{1, true, false, result.KindNone, result.CacheUnknown}},
		// a line split over several reads, and one longer than the 4 KB buffer
		{"sse long line", "sse", "[DONE]", config.Checks{BodyContains: "needle"}, 1 << 20,
			[]string{"data: " + strings.Repeat("x", 5000), "needle\n\n", "data: [DONE]\n\n"},
			want{1, true, false, result.KindNone, result.CacheUnknown}},
		// the body ends without [DONE]: not ended (cut)
		{"sse no done", "sse", "[DONE]", config.Checks{}, 1 << 20,
			[]string{"data: a\n\ndata: b\n\n"},
			want{2, false, false, result.KindNone, result.CacheUnknown}},
		// an event not closed by a blank line at the end is dropped
		{"sse incomplete event", "sse", "eof", config.Checks{}, 1 << 20,
			[]string{"data: a\n\ndata: b\n"},
			want{1, true, false, result.KindNone, result.CacheUnknown}},
		// an event without data, and an id/retry, are no events
		{"sse no data", "sse", "eof", config.Checks{}, 1 << 20,
			[]string{"event: ping\n\nid: 7\nretry: 100\n\n"},
			want{0, true, false, result.KindNone, result.CacheUnknown}},
		// the json_field check fails when no event holds the field
		{"json field missing", "ndjson", "eof", config.Checks{JSONField: "reply"}, 1 << 20,
			[]string{`{"token":"a"}` + "\n" + `{"reply":null}` + "\n"},
			want{2, true, false, result.KindCheck, result.CacheUnknown}},
		// body_contains across two reads of a chunked stream
		{"chunked contains across reads", "chunked", "eof", config.Checks{BodyContains: "answer"}, 1 << 20,
			[]string{"the ans", "wer is"},
			want{2, true, false, result.KindNone, result.CacheUnknown}},
		// the end marker across two reads
		{"chunked end across reads", "chunked", "<END>", config.Checks{}, 1 << 20,
			[]string{"data<E", "ND>"},
			want{1, true, false, result.KindNone, result.CacheUnknown}},
		// a last NDJSON line without a newline is an event
		{"ndjson last line", "ndjson", "eof", config.Checks{}, 1 << 20,
			[]string{"{}\n{}"},
			want{2, true, false, result.KindNone, result.CacheUnknown}},
		// over max_body_bytes: stops reading
		{"over limit", "ndjson", "eof", config.Checks{}, 10,
			[]string{"0123456789\n", "more\n"},
			want{0, false, true, result.KindNone, result.CacheUnknown}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var reads []scriptedRead
			for _, b := range tt.body {
				reads = append(reads, scriptedRead{ms(1), b})
			}
			s, st, _, err := readScripted(t, tt.mode, tt.end, tt.checks, tt.limit, reads, nil)
			if err != nil {
				t.Fatal(err)
			}
			kind := result.KindNone
			if s.ended && !s.over {
				kind, _, _ = s.check()
			}
			got := want{st.Events, s.ended, s.over, kind, s.cache}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

// streamServer serves the streams of the engine tests.
// okGap is the pause between the events of streamServer's /ok.
const okGap = 100 * time.Millisecond

func streamServer(t *testing.T) *httptest.Server {
	hang := make(chan struct{})
	t.Cleanup(func() { close(hang) })
	write := func(w http.ResponseWriter, s string) {
		_, _ = io.WriteString(w, s)
		_ = http.NewResponseController(w).Flush()
	}
	mux := http.NewServeMux()
	// /ok: 3 tokens okGap apart after 40ms, then [DONE]
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		write(w, ": hi\n\n")
		time.Sleep(40 * time.Millisecond)
		for i := range 3 {
			if i > 0 {
				time.Sleep(okGap)
			}
			write(w, fmt.Sprintf("data: {\"token\":%d,\"cached\":false}\n\n", i))
		}
		write(w, "data: [DONE]\n\n")
	})
	// /cut: one event, then the connection drops mid-stream
	mux.HandleFunc("/cut", func(w http.ResponseWriter, r *http.Request) {
		write(w, "data: a\n\n")
		panic(http.ErrAbortHandler)
	})
	// /stall: one event, then silence until the test ends
	mux.HandleFunc("/stall", func(w http.ResponseWriter, r *http.Request) {
		write(w, "data: a\n\n")
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	})
	// /nodone: a clean end of body without [DONE]
	mux.HandleFunc("/nodone", func(w http.ResponseWriter, r *http.Request) { write(w, "data: a\n\n") })
	// /503: an error answer where a stream was expected
	mux.HandleFunc("/503", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "busy", 503) })
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	return ts
}

// TestStreamOutcomes runs streamed requests through the engine against a
// real server: a good stream, a cut one (body), a stalled one (timeout), one
// without its end event (body) and an error status.
func TestStreamOutcomes(t *testing.T) {
	ts := streamServer(t)
	tests := []struct {
		path string
		kind result.Kind
		ok   func(result.Stream) bool
	}{
		// 3 events, the first no earlier than the 40ms the server waits;
		// spread over time, not dispatched together at the end. The server
		// sends them 2×okGap apart, but each is timed when the reader gets
		// to it, which can be late (never early): the first one delayed by
		// a loaded machine narrows the span, so only half is required.
		{"/ok", result.KindNone, func(s result.Stream) bool {
			return s.Ended && s.Events == 3 && s.FirstEvent >= ms(40) && s.Span >= okGap
		}},
		{"/cut", result.KindBody, func(s result.Stream) bool { return !s.Ended && s.Events == 1 }},
		{"/stall", result.KindTimeout, func(s result.Stream) bool { return !s.Ended && s.Events == 1 }},
		{"/nodone", result.KindBody, func(s result.Stream) bool { return !s.Ended && s.Events == 1 }},
		{"/503", result.KindHTTP5xx, nil},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			var mu sync.Mutex
			sink := &gapSink{}
			spec := testSpec(ts.URL, func(tg *config.Target, sc *config.Scenario) {
				sc.Request.Path = tt.path
				sc.Request.Stream = config.StreamSSE
				sc.Request.StreamIdleTimeout = 100 * time.Millisecond
				if tt.path == "/ok" {
					// a good stream pauses okGap between events: far
					// within its idle timeout, however late the server
					sc.Request.StreamIdleTimeout = 2 * time.Second
				}
			})
			start := time.Now()
			_, err := Run(context.Background(), spec, Hooks{Recorder: func(int) result.Recorder {
				return result.Tee{lockedRecorder{&mu, sink}}
			}})
			if err != nil {
				t.Fatal(err)
			}
			if len(sink.results) != 1 {
				t.Fatalf("%d results", len(sink.results))
			}
			r := sink.results[0]
			if r.Kind != tt.kind {
				t.Errorf("kind %s, want %s", r.Kind, tt.kind)
			}
			if tt.ok == nil {
				if r.Streamed {
					t.Errorf("an error status was read as a stream: %+v", r)
				}
				return
			}
			if !r.Streamed || !tt.ok(r.Stream) {
				t.Errorf("stream %+v (streamed %v)", r.Stream, r.Streamed)
			}
			if tt.path == "/ok" {
				if len(sink.gaps) != 2 || sink.gaps[0]+sink.gaps[1] != r.Stream.Span || r.Cache != result.CacheMiss {
					t.Errorf("gaps %v, span %s, cache %s", sink.gaps, r.Stream.Span, r.Cache)
				}
				if r.TTFB >= r.Stream.FirstEvent {
					t.Errorf("TTFB %s should come before the first event %s (headers are flushed first)", r.TTFB, r.Stream.FirstEvent)
				}
			}
			if tt.path == "/stall" && time.Since(start) > time.Second {
				t.Errorf("a stalled stream took %s to fail with a 100ms idle timeout", time.Since(start))
			}
		})
	}
}

// lockedRecorder serialises a gapSink shared by workers.
type lockedRecorder struct {
	mu *sync.Mutex
	g  *gapSink
}

func (l lockedRecorder) Record(r *result.Result) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.g.Record(r)
}

func (l lockedRecorder) RecordGaps(gaps []time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.g.RecordGaps(gaps)
}

// TestStreamFromChatsim streams from chatsim in each mode and checks that
// the cache signal (its last content event) and the checks work, and that
// the collector's stream summary adds up.
func TestStreamFromChatsim(t *testing.T) {
	opts := chatsimtest.Options()
	opts.TokenInterval, opts.CachedTokenInterval = 2*time.Millisecond, 0
	sim, url := chatsimtest.Start(t, opts)
	for _, mode := range []struct {
		stream, accept, end string
	}{
		{config.StreamSSE, "text/event-stream", ""},
		{config.StreamNDJSON, "application/x-ndjson", ""},
		{config.StreamChunked, "application/x-ndjson", ""},
	} {
		t.Run(mode.stream, func(t *testing.T) {
			sim.Reset()
			col := stats.NewCollector(2)
			spec := testSpec(url, func(tg *config.Target, sc *config.Scenario) {
				sc.Users, sc.RequestsPerUser = 2, 3
				sc.Request = config.Request{Method: "POST", Path: "/api/chat", Stream: mode.stream,
					Headers: map[string]string{"Accept": mode.accept},
					Body:    `{"message":"What is your refund policy?"}`}
				sc.Checks = config.Checks{JSONField: "reply", StreamEnd: mode.end}
				if mode.stream == config.StreamChunked {
					sc.Checks.JSONField = "" // a read may hold half a JSON line
					sc.Checks.BodyContains = "refund policy"
				}
			})
			if _, err := Run(context.Background(), spec, Hooks{Recorder: col.Recorder}); err != nil {
				t.Fatal(err)
			}
			sum := col.Summary(time.Second, 0)
			if sum.Successful != 6 || sum.Stream == nil || sum.Stream.Streams != 6 || sum.Stream.Ended != 6 {
				t.Fatalf("summary %+v stream %+v", sum, sum.Stream)
			}
			st := sim.Stats()
			if mode.stream != config.StreamChunked && (uint64(sum.CacheHits) != st.Hits || uint64(sum.CacheMisses) != st.Misses || st.Hits == 0) {
				t.Errorf("loadcron saw %d hits %d misses, chatsim served %d hits %d misses", sum.CacheHits, sum.CacheMisses, st.Hits, st.Misses)
			}
			// A 5-word reply is 6 events; bytes flushed together (cached
			// tokens come at once) are one event of a chunked stream.
			if ev := sum.Stream.Events; ev < 6*6 && (mode.stream != config.StreamChunked || ev < 6) {
				t.Errorf("%d events from 6 streams of a 5-word reply", ev)
			}
			if sum.Stream.FirstEvent.Count != 6 || sum.Stream.EventGap.Count != sum.Stream.Events-6 {
				t.Errorf("first events %d, gaps %d, events %d", sum.Stream.FirstEvent.Count, sum.Stream.EventGap.Count, sum.Stream.Events)
			}
		})
	}
}

// TestStreamCauses: a streamed request that fails says why, as a plain
// one does (causes_test.go): the status and request of an error answer,
// the Go error of a transport or read failure, which check failed, the
// limit of a body over it — and a request refused by the safety checks is
// refused (kind disallowed, the run's Refused reason), not a failed check.
func TestStreamCauses(t *testing.T) {
	ts := streamServer(t)
	closed := closedAddr(t)
	tests := []struct {
		name    string
		url     string
		path    string
		mutate  func(*config.Target, *config.Scenario)
		kind    string
		cause   string // exact, or the prefix when it ends in "…"
		example string // a part of the example
	}{
		// an error answer where a stream was expected
		{name: "status", url: ts.URL, path: "/503", kind: "http_5xx", cause: "503 GET /503", example: "503 GET /503: busy"},
		// the connection drops mid-stream
		{name: "cut", url: ts.URL, path: "/cut", kind: "body", cause: "body read: …", example: " — GET /cut → 200, 9 bytes read"},
		// a clean end of body without the end event
		{name: "no end event", url: ts.URL, path: "/nodone", kind: "body",
			cause: "body read: stream ended without its end event (checks.stream_end)", example: " — GET /nodone → 200, 9 bytes read"},
		// silence beyond request.stream_idle_timeout (100ms here)
		{name: "stalled", url: ts.URL, path: "/stall", mutate: func(_ *config.Target, sc *config.Scenario) { sc.Request.StreamIdleTimeout = 100 * time.Millisecond },
			kind:  "timeout",
			cause: "stream stalled: no data within request.stream_idle_timeout", example: " — GET /stall → 200"},
		// a stream over max_body_bytes
		{name: "over limit", url: ts.URL, path: "/ok", mutate: func(tg *config.Target, _ *config.Scenario) { tg.MaxBodyBytes = 16 },
			kind: "body", cause: "body over max_body_bytes 16", example: " — GET /ok → 200, "},
		// a check that no event satisfied
		{name: "check", url: ts.URL, path: "/ok", mutate: func(_ *config.Target, sc *config.Scenario) { sc.Checks.JSONField = "answer" },
			kind: "check", cause: "json_field answer missing", example: "json_field answer missing — GET /ok → 200"},
		// nothing listens
		{name: "connection refused", url: "http://" + closed, path: "/chat?q=x", kind: "connection",
			cause: "dial tcp " + closed + ": connect: connection refused", example: " — GET /chat"},
		// a rendered path that would name another host is never sent
		{name: "disallowed path", url: ts.URL, path: "{{if .Query}}/ok{{else}}@127.0.0.2:1/x{{end}}", kind: "disallowed",
			cause: "refused by loadcron: rendered request.path must start with …", example: " — GET"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := testSpec(tt.url, func(tg *config.Target, sc *config.Scenario) {
				sc.Request.Path = tt.path
				sc.Request.Stream = config.StreamSSE
				// Far beyond /ok's pauses (okGap), however late the
				// server runs; the stalled case sets its own.
				sc.Request.StreamIdleTimeout = 2 * time.Second
				if tt.mutate != nil {
					tt.mutate(tg, sc)
				}
			})
			col := stats.NewCollector(1)
			out, err := Run(context.Background(), spec, Hooks{Recorder: col.Recorder})
			if err != nil {
				t.Fatal(err)
			}
			s := col.Summary(out.Elapsed, 0)
			if len(s.Causes) != 1 {
				t.Fatalf("causes %+v, want one", s.Causes)
			}
			c := s.Causes[0]
			prefix, isPrefix := strings.CutSuffix(tt.cause, "…")
			if c.Kind != tt.kind || (isPrefix && !strings.HasPrefix(c.Cause, prefix)) || (!isPrefix && c.Cause != tt.cause) {
				t.Errorf("cause %s %q, want %s %q", c.Kind, c.Cause, tt.kind, tt.cause)
			}
			if !strings.Contains(c.Example, tt.example) {
				t.Errorf("example %q, want it to hold %q", c.Example, tt.example)
			}
			if refused := out.Refused != ""; refused != (tt.kind == "disallowed") {
				t.Errorf("outcome refused %q, want a reason only for a disallowed request", out.Refused)
			}
		})
	}
}
