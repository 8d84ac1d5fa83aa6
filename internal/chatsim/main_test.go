package chatsim

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// fakeClock is a settable clock for TTL tests.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2025, 11, 13, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// newTestServer serves a Server for opts on an httptest server closed at
// the end of the test.
func newTestServer(t *testing.T, opts Options) (*Server, *httptest.Server) {
	t.Helper()
	if opts.Seed == 0 {
		opts.Seed = 1
	}
	s := New(opts)
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return s, ts
}

// chatResult is what a client saw of one /api/chat call.
type chatResult struct {
	status int
	resp   ChatResponse
	errMsg string
	header http.Header
}

// postChat sends one chat message and decodes the answer.
func postChat(ctx context.Context, t *testing.T, ts *httptest.Server, query string, req ChatRequest) chatResult {
	t.Helper()
	body, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	r, err := doRaw(ctx, ts, http.MethodPost, "/api/chat"+query, body)
	if err != nil {
		t.Fatalf("post chat: %v", err)
	}
	return r
}

// doRaw sends a request and decodes a ChatResponse (status 200) or an
// ErrorResponse (other statuses).
func doRaw(ctx context.Context, ts *httptest.Server, method, path string, body []byte) (chatResult, error) {
	req, err := http.NewRequestWithContext(ctx, method, ts.URL+path, bytes.NewReader(body))
	if err != nil {
		return chatResult{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := ts.Client().Do(req)
	if err != nil {
		return chatResult{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return chatResult{}, err
	}
	out := chatResult{status: res.StatusCode, header: res.Header}
	if res.StatusCode == http.StatusOK {
		err = json.Unmarshal(b, &out.resp)
	} else {
		var e ErrorResponse
		err = json.Unmarshal(b, &e)
		out.errMsg = e.Error
	}
	return out, err
}

// getJSON GETs path and decodes the body into v, returning the status.
func getJSON(t *testing.T, ts *httptest.Server, path string, v any) int {
	t.Helper()
	res, err := ts.Client().Get(ts.URL + path)
	if err != nil {
		t.Fatalf("get %s: %v", path, err)
	}
	defer res.Body.Close()
	if err := json.NewDecoder(res.Body).Decode(v); err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
	return res.StatusCode
}

// sendJSON sends body with method to path and decodes the answer into v.
func sendJSON(t *testing.T, ts *httptest.Server, method, path, body string, v any) int {
	t.Helper()
	req, err := http.NewRequest(method, ts.URL+path, bytes.NewBufferString(body))
	if err != nil {
		t.Fatal(err)
	}
	res, err := ts.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	if err := json.NewDecoder(res.Body).Decode(v); err != nil {
		t.Fatalf("decode %s %s: %v", method, path, err)
	}
	return res.StatusCode
}

// waitFor polls cond until it holds or a deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond) // polling interval, not synchronisation
	}
}

// checkSums asserts the counting rules on a snapshot taken when nothing is
// in flight.
func checkSums(t *testing.T, st Stats) {
	t.Helper()
	if st.InFlight != 0 {
		t.Errorf("in flight = %d, want 0", st.InFlight)
	}
	outcomes := st.Hits + st.Misses + st.Rejected + st.InjectedErrors + st.Invalid + st.Canceled
	if outcomes != st.Received {
		t.Errorf("outcomes sum = %d, received = %d: %+v", outcomes, st.Received, st)
	}
	var byStatus uint64
	for _, n := range st.ByStatus {
		byStatus += n
	}
	if byStatus != st.Received {
		t.Errorf("by_status sum = %d, received = %d: %+v", byStatus, st.Received, st)
	}
}
