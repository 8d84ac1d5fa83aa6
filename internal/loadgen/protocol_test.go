package loadgen

import (
	"context"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/loadcron/loadcron/internal/config"
	"github.com/loadcron/loadcron/internal/result"
)

// raw answers with exactly the bytes given, on a hijacked connection that
// stays open for the next request unless close is set.
func raw(response string, close bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		buf.WriteString(response)
		buf.Flush()
		if close {
			conn.Close()
			return
		}
		// Serve the connection's next requests the same way.
		go func() {
			defer conn.Close()
			for {
				req, err := http.ReadRequest(buf.Reader)
				if err != nil {
					return
				}
				req.Body.Close()
				if _, err := buf.WriteString(response); err != nil || buf.Flush() != nil {
					return
				}
			}
		}()
	}
}

// TestHTTPFraming sends three requests per case over one virtual user and
// checks each response's code, body length, cache signal and kind, with
// both clients: body framings, interim responses and connection reuse
// must not change what is measured.
func TestHTTPFraming(t *testing.T) { bothClients(t, testHTTPFraming) }

func testHTTPFraming(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("/chunked", raw("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Cache: HIT\r\n\r\n"+
		"5\r\n{\"a\":\r\n7;ext=1\r\n 1234}\n\r\n0\r\nX-Trailer: t\r\n\r\n", false))
	mux.Handle("/until-close", raw("HTTP/1.1 200 OK\r\nX-Cache: miss\r\n\r\n{\"cached\":false}", true))
	mux.Handle("/http10", raw("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", true))
	mux.Handle("/interim", raw("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 16\r\n\r\n{\"cached\":true }", false))
	mux.Handle("/no-content", raw("HTTP/1.1 204 No Content\r\nX-Cache: HIT\r\n\r\n", false))
	mux.Handle("/close", raw("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok", true))
	mux.Handle("/bad-chunk", raw("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n", true))
	mux.Handle("/garbage-status", raw("SMTP ready\r\n\r\n", true))
	mux.Handle("/long-header", raw("HTTP/1.1 200 OK\r\nX-Long: "+strings.Repeat("x", 9000)+"\r\nContent-Length: 2\r\n\r\nok", false))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	tests := []struct {
		path  string
		code  int
		bytes int64
		cache result.Cache
		kind  result.Kind
	}{
		// chunked body with extensions and a trailer; cache from the header
		{"/chunked", 200, 12, result.CacheHit, result.KindNone},
		// no length: the body runs to the end of the connection
		{"/until-close", 200, 16, result.CacheMiss, result.KindNone},
		// HTTP/1.0 closes after each response
		{"/http10", 200, 2, result.CacheUnknown, result.KindNone},
		// a 100 Continue before the final response is skipped
		{"/interim", 200, 16, result.CacheHit, result.KindNone},
		// 204 has no body, whatever follows
		{"/no-content", 204, 0, result.CacheHit, result.KindNone},
		// Connection: close
		{"/close", 200, 2, result.CacheUnknown, result.KindNone},
		// a chunk size that is not hex breaks the body
		{"/bad-chunk", 200, 0, result.CacheUnknown, result.KindBody},
		// not HTTP at all: no response
		{"/garbage-status", 0, 0, result.CacheUnknown, result.KindConnection},
		// a header line longer than the client's read buffer
		{"/long-header", 200, 2, result.CacheUnknown, result.KindNone},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			spec := testSpec(srv.URL, func(tg *config.Target, sc *config.Scenario) {
				tg.CacheSignal = config.CacheSignal{JSONField: "cached", Header: "X-Cache", HeaderValue: "HIT"}
				sc.Request.Path = tt.path
				sc.RequestsPerUser = 3
			})
			var s sink
			if _, err := Run(context.Background(), spec, s.hooks()); err != nil {
				t.Fatal(err)
			}
			if len(s.results) != 3 {
				t.Fatalf("got %d results, want 3", len(s.results))
			}
			for i, r := range s.results {
				if r.Code != tt.code || r.Kind != tt.kind || (tt.kind == result.KindNone && (r.Bytes != tt.bytes || r.Cache != tt.cache)) {
					t.Errorf("request %d: code %d kind %v bytes %d cache %v; want %d %v %d %v",
						i, r.Code, r.Kind, r.Bytes, r.Cache, tt.code, tt.kind, tt.bytes, tt.cache)
				}
			}
		})
	}
}

// TestStaleKeepAlive: the server closes each kept-alive connection after a
// response; the next GET on it is sent again on a new connection and
// succeeds, with both clients.
func TestStaleKeepAlive(t *testing.T) { bothClients(t, testStaleKeepAlive) }

func testStaleKeepAlive(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		// Promise keep-alive, answer, then close the connection anyway.
		buf.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 15\r\n\r\n{\"cached\":true}")
		buf.Flush()
		conn.Close()
	}))
	defer srv.Close()
	spec := testSpec(srv.URL, func(_ *config.Target, sc *config.Scenario) { sc.RequestsPerUser = 5 })
	var s sink
	if _, err := Run(context.Background(), spec, s.hooks()); err != nil {
		t.Fatal(err)
	}
	if k := s.kinds(); k[result.KindNone] != 5 {
		t.Errorf("kinds %v, want 5 successes", k)
	}
}

// TestTLSTarget runs a scenario against an HTTPS target whose certificate
// is trusted through tls.ca_file, with both clients.
func TestTLSTarget(t *testing.T) { bothClients(t, testTLSTarget) }

func testTLSTarget(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"cached":true}`)
	}))
	defer srv.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(ca, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	spec := testSpec(srv.URL, func(tg *config.Target, sc *config.Scenario) {
		tg.TLS.CAFile = ca
		sc.Users, sc.RequestsPerUser = 2, 3
	})
	var s sink
	if _, err := Run(context.Background(), spec, s.hooks()); err != nil {
		t.Fatal(err)
	}
	if k := s.kinds(); k[result.KindNone] != 6 {
		t.Errorf("kinds %v, want 6 successes", k)
	}
}

// TestHeaderInjection: a templated header value that renders a line break
// is refused before anything is sent (kind disallowed), with both clients.
func TestHeaderInjection(t *testing.T) { bothClients(t, testHeaderInjection) }

func testHeaderInjection(t *testing.T) {
	var served atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
	}))
	defer srv.Close()
	spec := testSpec(srv.URL, func(_ *config.Target, sc *config.Scenario) {
		sc.Request.Headers = map[string]string{"X-Q": "{{ .Query }}"}
		sc.Request.Queries = []string{"a\r\nX-Evil: 1"}
	})
	var s sink
	if _, err := Run(context.Background(), spec, s.hooks()); err != nil {
		t.Fatal(err)
	}
	if k := s.kinds(); k[result.KindDisallowed] != 1 || served.Load() != 0 {
		t.Errorf("kinds %v served %d, want 1 disallowed and nothing sent", k, served.Load())
	}
}
