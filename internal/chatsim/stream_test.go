package chatsim

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// streamed is what a client read of one streamed answer.
type streamed struct {
	status      int
	header      http.Header
	tokens      []string      // token events' tokens, in order
	final       ChatResponse  // the last JSON event
	done        bool          // SSE: data: [DONE] arrived, last
	firstToken  time.Duration // from the send to the first token
	elapsed     time.Duration // from the send to the end of the body
	eventNames  []string      // SSE event: fields ("" for unnamed)
	rawLines    []string
	bodyErr     error
	contentType string
}

// readStream posts a chat message with the given Accept header (and
// "stream": stream in the body) and parses the answer as SSE or NDJSON by
// its content type.
func readStream(ctx context.Context, t *testing.T, ts *httptest.Server, accept string, stream bool, msg string) streamed {
	t.Helper()
	body, _ := json.Marshal(ChatRequest{Message: msg, Stream: stream, ConversationID: "c"})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ts.URL+"/api/chat", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	start := time.Now()
	res, err := ts.Client().Do(req)
	if err != nil {
		t.Fatalf("post: %v", err)
	}
	defer res.Body.Close()
	out := streamed{status: res.StatusCode, header: res.Header, contentType: res.Header.Get("Content-Type")}
	br := bufio.NewReader(res.Body)
	var data []string
	name := ""
	handle := func(d string) {
		if out.firstToken == 0 {
			out.firstToken = time.Since(start)
		}
		if d == "[DONE]" {
			out.done = true
			return
		}
		var tok tokenEvent
		if json.Unmarshal([]byte(d), &tok) == nil && tok.Token != "" {
			out.tokens = append(out.tokens, tok.Token)
			return
		}
		out.final = ChatResponse{}
		if err := json.Unmarshal([]byte(d), &out.final); err != nil {
			t.Errorf("event data %q: %v", d, err)
		}
	}
	for {
		line, err := br.ReadString('\n')
		line = strings.TrimRight(line, "\r\n")
		if line != "" {
			out.rawLines = append(out.rawLines, line)
		}
		switch {
		case out.contentType == contentTypeNDJSON && line != "":
			handle(line)
		case line == "" && len(data) > 0:
			out.eventNames = append(out.eventNames, name)
			handle(strings.Join(data, "\n"))
			data, name = nil, ""
		case strings.HasPrefix(line, "data: "):
			data = append(data, strings.TrimPrefix(line, "data: "))
		case strings.HasPrefix(line, "event: "):
			name = strings.TrimPrefix(line, "event: ")
		}
		if err != nil {
			if err != io.EOF {
				out.bodyErr = err
			}
			break
		}
	}
	out.elapsed = time.Since(start)
	return out
}

func TestStreamFormats(t *testing.T) {
	tests := []struct {
		name        string
		accept      string
		stream      bool
		contentType string
	}{
		// "stream": true in the body asks for server-sent events
		{"body flag", "", true, contentTypeSSE},
		// so does an Accept header, among other types and with parameters
		{"accept sse", "application/json;q=0.5, text/event-stream", false, contentTypeSSE},
		// NDJSON by Accept only
		{"accept ndjson", "application/x-ndjson", false, contentTypeNDJSON},
		// the Accept header wins over the body flag
		{"ndjson with flag", "application/x-ndjson", true, contentTypeNDJSON},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, ts := newTestServer(t, Options{})
			for i, wantCached := range []bool{false, true} {
				r := readStream(t.Context(), t, ts, tt.accept, tt.stream, "What is your refund policy?")
				if r.status != http.StatusOK || r.contentType != tt.contentType || r.bodyErr != nil {
					t.Fatalf("call %d: status %d, content type %q, body error %v", i, r.status, r.contentType, r.bodyErr)
				}
				want := makeReply(Normalize("What is your refund policy?"))
				if got := strings.Join(r.tokens, ""); got != want || len(r.tokens) < 4 {
					t.Errorf("call %d: tokens %q joined %q, want %q", i, r.tokens, got, want)
				}
				if r.final.Reply != want || r.final.Cached != wantCached || r.final.ConversationID != "c" {
					t.Errorf("call %d: final event %+v, want the reply with cached=%v", i, r.final, wantCached)
				}
				if got, want := r.header.Get("X-Cache"), map[bool]string{true: "HIT", false: "MISS"}[wantCached]; got != want {
					t.Errorf("call %d: X-Cache %q, want %q", i, got, want)
				}
				if wantDone := tt.contentType == contentTypeSSE; r.done != wantDone {
					t.Errorf("call %d: [DONE] seen = %v, want %v; lines %q", i, r.done, wantDone, r.rawLines)
				}
				if tt.contentType == contentTypeSSE {
					last := r.rawLines[len(r.rawLines)-1]
					if last != "data: [DONE]" || r.eventNames[0] != "token" {
						t.Errorf("call %d: last line %q, first event name %q", i, last, r.eventNames[0])
					}
				}
			}
			st := s.Stats()
			if st.Misses != 1 || st.Hits != 1 || st.ByStatus[200] != 2 {
				t.Errorf("stats %+v, want 1 miss and 1 hit", st)
			}
			checkSums(t, st)
		})
	}
}

// TestStreamPace checks the timing a stream promises: the first token no
// earlier than the latency, the last no earlier than latency + (tokens−1)
// intervals; a cached reply paced by the cached interval.
func TestStreamPace(t *testing.T) {
	const (
		latency  = 40 * time.Millisecond
		interval = 15 * time.Millisecond
	)
	_, ts := newTestServer(t, Options{
		UncachedLatency: latency, TokenInterval: interval,
		CachedLatency: 0, CachedTokenInterval: 0,
	})
	r := readStream(t.Context(), t, ts, "", true, "a b c")
	n := len(r.tokens)
	if r.firstToken < latency {
		t.Errorf("first token after %s, before the latency %s", r.firstToken, latency)
	}
	if min := latency + time.Duration(n-1)*interval; r.elapsed < min {
		t.Errorf("%d tokens in %s, want at least %s", n, r.elapsed, min)
	}
	cached := readStream(t.Context(), t, ts, "", true, "a b c")
	if !cached.final.Cached || cached.elapsed >= r.elapsed {
		t.Errorf("cached stream %+v took %s, fresh one %s", cached.final, cached.elapsed, r.elapsed)
	}
}

// TestStreamClientLeaves checks that a client leaving mid-stream frees the
// slot and counts as canceled with the status it was answered, 200.
func TestStreamClientLeaves(t *testing.T) {
	s, ts := newTestServer(t, Options{MaxConcurrent: 1, TokenInterval: time.Minute})
	ctx, cancel := context.WithCancel(t.Context())
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, ts.URL+"/api/chat", strings.NewReader(`{"message":"x y","stream":true}`))
	res, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(res.Body)
	if line, err := br.ReadString('\n'); err != nil || line != "event: token\n" {
		t.Fatalf("first line %q, %v", line, err)
	}
	cancel()
	res.Body.Close()
	waitFor(t, "the stream to be counted", func() bool { return s.Stats().InFlight == 0 })
	st := s.Stats()
	if st.Canceled != 1 || st.ByStatus[200] != 1 || st.Active != 0 {
		t.Errorf("stats %+v, want 1 canceled answered 200, none active", st)
	}
	checkSums(t, st)
	if r := postChat(t.Context(), t, ts, "", ChatRequest{Message: "after"}); r.status != http.StatusOK {
		t.Errorf("after the stream: status %d", r.status)
	}
}

func TestQueueBound(t *testing.T) {
	s, ts := newTestServer(t, Options{MaxConcurrent: 1, Queue: true, MaxQueue: 1})
	cancel, done := holdSlot(t, s, func(ctx context.Context) error {
		_, err := doRaw(ctx, ts, http.MethodPost, "/api/chat?delay=1m", []byte(`{"message":"slow"}`))
		return err
	})
	queued := make(chan chatResult, 1)
	go func() {
		r, _ := doRaw(t.Context(), ts, http.MethodPost, "/api/chat", []byte(`{"message":"waits"}`))
		queued <- r
	}()
	waitFor(t, "one request to queue", func() bool { return s.Stats().Queued == 1 })
	// The backlog is full: the third is turned away at once.
	r := postChat(t.Context(), t, ts, "", ChatRequest{Message: "turned away"})
	if r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") == "" || !strings.Contains(r.errMsg, "1 waiting") {
		t.Errorf("third request: %d %q (Retry-After %q)", r.status, r.errMsg, r.header.Get("Retry-After"))
	}
	cancel()
	<-done
	if r := <-queued; r.status != http.StatusOK {
		t.Errorf("queued request: status %d", r.status)
	}
	st := s.Stats()
	if st.Rejected != 1 || st.Canceled != 1 || st.Misses != 1 {
		t.Errorf("stats %+v, want 1 rejected, 1 canceled, 1 miss", st)
	}
	checkSums(t, st)
}

func TestSlowdown(t *testing.T) {
	s := New(Options{OverloadQueue: 20, OverloadSlowdown: 0.06})
	for _, tc := range []struct {
		waiting int64
		want    float64
	}{
		{0, 1}, {20, 1}, // up to the knee: no slowdown
		{21, 1.06}, {45, 1 + 0.06*25}, // 6 % per waiting request past it
	} {
		if got := s.slowdown(tc.waiting); got < tc.want-1e-9 || got > tc.want+1e-9 {
			t.Errorf("slowdown(%d) = %g, want %g", tc.waiting, got, tc.want)
		}
	}
	if got := New(Options{OverloadQueue: 0}).slowdown(100); got != 1 {
		t.Errorf("slowdown off: %g", got)
	}
}

func TestTokens(t *testing.T) {
	for _, s := range []string{"", "one", "two words", "trailing space ", "  lead", `Simulated answer to "hi".`} {
		got := tokens(s)
		if strings.Join(got, "") != s {
			t.Errorf("tokens(%q) = %q: do not join back", s, got)
		}
		for _, tok := range got[:max(len(got)-1, 0)] {
			if !strings.HasSuffix(tok, " ") {
				t.Errorf("tokens(%q): %q is not a word and its space", s, tok)
			}
		}
	}
}

func TestProfiles(t *testing.T) {
	g, err := Profile("guide")
	if err != nil || g.MaxConcurrent != 1 || !g.Queue || g.MaxQueue != 45 {
		t.Errorf("guide profile %+v, %v", g, err)
	}
	if err := g.Validate(); err != nil {
		t.Errorf("guide profile invalid: %v", err)
	}
	if d, err := Profile("default"); err != nil || d.UncachedLatency != DefaultUncachedLatency {
		t.Errorf("default profile %+v, %v", d, err)
	}
	if _, err := Profile("fast"); err == nil || !strings.Contains(err.Error(), `unknown profile "fast"`) {
		t.Errorf("unknown profile: %v", err)
	}
	s := g.Scaled(10)
	if s.UncachedLatency != 225*time.Millisecond || s.CachedLatency != 10*time.Millisecond ||
		s.CacheTTL != 15*time.Second || s.TokenInterval != 5*time.Millisecond || s.MaxQueue != 45 {
		t.Errorf("scaled by 10: %+v", s)
	}
	if z := g.Scaled(0); z.UncachedLatency != g.UncachedLatency || z.CacheTTL != g.CacheTTL {
		t.Error("Scaled(0) changed the options")
	}
}

func TestValidateStreamOptions(t *testing.T) {
	bad := Options{TokenInterval: -1, CachedTokenInterval: -1, OverloadSlowdown: -0.5, OverloadQueue: -1}
	err := bad.Validate()
	for _, want := range []string{"token interval", "cached token interval", "overload slowdown", "overload queue"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate() = %v, want it to name %q", err, want)
		}
	}
}
