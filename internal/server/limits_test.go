package server

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// allRoutes are every route of the daemon, with a method each answers.
var allRoutes = []struct{ method, path string }{
	{"GET", "/"}, {"GET", "/metrics"}, {"GET", "/-/healthy"}, {"GET", "/-/ready"},
	{"POST", "/-/reload"}, {"GET", "/api/v1/runs"}, {"GET", "/api/v1/runs/x"},
	{"POST", "/api/v1/suites/chat/run"}, {"GET", "/runs/x"}, {"GET", "/runs/last?suite=chat"},
	{"GET", "/nope"},
}

// goroutinesBack polls until the goroutine count is at most want, and
// reports the last count.
func goroutinesBack(want int, within time.Duration) (int, bool) {
	deadline := time.Now().Add(within)
	for {
		n := runtime.NumGoroutine()
		if n <= want || time.Now().After(deadline) {
			return n, n <= want
		}
		time.Sleep(20 * time.Millisecond) // polling with a deadline
	}
}

// TestSlowClientsAreCutOff: 20 clients per route that send their headers
// and then trickle a body (one byte every 50 ms), and 20 that never finish
// their headers, are all disconnected within the read limits, while a
// /-/reload from a well-behaved client is answered before any of them can
// have been cut off (slow clients hold up no one); afterwards the daemon
// is back to its goroutines from before.
func TestSlowClientsAreCutOff(t *testing.T) {
	// The reload must be answered before the first slow client could be
	// cut off: readHeader after the first of them dialled. That window
	// must hold 240 connections being set up and one reload on a loaded
	// 2-core machine under -race (up to ~0.8 s seen), hence 1.5 s.
	const readHeader, read = 1500 * time.Millisecond, 2 * time.Second
	var reloads atomic.Int64
	base, _, _ := serving(t, Options{
		EnableLifecycle: true,
		Reload:          func() error { reloads.Add(1); return nil },
		Token:           func() string { return "tok" },
		Trigger:         func(string) (string, error) { return "id", nil },
		Limits:          Limits{ReadHeaderTimeout: readHeader, ReadTimeout: read},
	})
	addr := strings.TrimPrefix(base, "http://")
	c := client(t)
	if code, _ := get(t, c, "GET", base+"/-/healthy", "", "", nil); code != 200 {
		t.Fatalf("healthy: %d", code)
	}
	c.Transport.(*http.Transport).CloseIdleConnections()
	baseline, _ := goroutinesBack(0, 0)

	type cut struct {
		what string
		took time.Duration
	}
	var wg, connected sync.WaitGroup
	cuts := make(chan cut, 20*(len(allRoutes)+1))
	// firstDial is when the first slow client dialled: no server deadline
	// of a slow connection can pass before firstDial + readHeader.
	var firstDial atomic.Int64
	slow := func(what, head string, trickle bool) {
		defer wg.Done()
		start := time.Now()
		firstDial.CompareAndSwap(0, start.UnixNano())
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			connected.Done()
			t.Error(err)
			return
		}
		defer conn.Close()
		_, err = io.WriteString(conn, head)
		connected.Done()
		if err != nil {
			t.Error(err)
			return
		}
		stop := make(chan struct{})
		var tw sync.WaitGroup
		if trickle {
			tw.Go(func() {
				tick := time.NewTicker(50 * time.Millisecond)
				defer tick.Stop()
				for {
					select {
					case <-stop:
						return
					case <-tick.C:
						if _, err := conn.Write([]byte("x")); err != nil {
							return
						}
					}
				}
			})
		}
		// Read whatever the server answers until it closes the connection.
		_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, err = io.Copy(io.Discard, conn)
		close(stop)
		tw.Wait()
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Errorf("%s: still connected after 10 s", what)
			return
		}
		cuts <- cut{what, time.Since(start)}
	}
	for _, r := range allRoutes {
		head := fmt.Sprintf("%s %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer tok\r\nContent-Length: 1000\r\n\r\n", r.method, r.path)
		for range 20 {
			wg.Add(1)
			connected.Add(1)
			go slow(r.method+" "+r.path, head, true)
		}
	}
	for range 20 { // slowloris: headers that never end
		wg.Add(1)
		connected.Add(1)
		go slow("partial headers", "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ", true)
	}

	// Once every slow client is connected and waiting, a reload from a
	// normal client goes through: answered before the first moment a
	// slow client could have been cut off (a server that made it wait
	// for the slow ones could answer only after that).
	connected.Wait()
	start := time.Now()
	if code, _ := get(t, c, "POST", base+"/-/reload", "", "", nil); code != 200 {
		t.Errorf("/-/reload under slow clients: %d", code)
	}
	answered := time.Now()
	if earliestCut := time.Unix(0, firstDial.Load()).Add(readHeader); !answered.Before(earliestCut) {
		t.Errorf("/-/reload under slow clients answered %s after the first slow client dialled (took %s), not before any could be cut off (%s)",
			answered.Sub(time.Unix(0, firstDial.Load())).Round(time.Millisecond), answered.Sub(start).Round(time.Millisecond), readHeader)
	}
	c.Transport.(*http.Transport).CloseIdleConnections()

	wg.Wait()
	close(cuts)
	// The documented deadline is ReadTimeout from the first byte; the
	// slack covers a loaded machine.
	const slack = 2 * time.Second
	n := 0
	for c := range cuts {
		n++
		if c.took > read+slack {
			t.Errorf("%s: cut off after %s, want within %s (+%s)", c.what, c.took.Round(time.Millisecond), read, slack)
		}
	}
	if want := 20 * (len(allRoutes) + 1); n != want {
		t.Errorf("%d slow clients cut off, want %d", n, want)
	}
	if got, ok := goroutinesBack(baseline, 5*time.Second); !ok {
		t.Errorf("goroutines: %d after the slow clients, %d before", got, baseline)
	}
}

// TestLargeBodyRefused: a declared body over the limit is answered 413
// without reading it.
func TestLargeBodyRefused(t *testing.T) {
	s := New(Options{EnableLifecycle: true, Reload: func() error { return nil }, Limits: Limits{MaxBodyBytes: 10}})
	req, _ := http.NewRequest("POST", "/-/reload", strings.NewReader(strings.Repeat("x", 11)))
	rec := newRecorder()
	s.Handler().ServeHTTP(rec, req)
	if rec.code != http.StatusRequestEntityTooLarge {
		t.Errorf("status %d, want 413", rec.code)
	}
}

// TestRejectedTokensLogOncePerInterval: 200 requests with a wrong token
// write one warning, and the next one after the interval says how many
// were held back.
func TestRejectedTokensLogOncePerInterval(t *testing.T) {
	var buf bytes.Buffer
	var mu sync.Mutex
	log := slog.New(slog.NewTextHandler(lockedWriter{&mu, &buf}, nil))
	s := New(Options{Logger: log, Token: func() string { return "right" }, Trigger: func(string) (string, error) { return "id", nil }})
	for range 200 {
		req, _ := http.NewRequest("POST", "/api/v1/suites/chat/run", nil)
		req.Header.Set("Authorization", "Bearer wrong")
		rec := newRecorder()
		s.Handler().ServeHTTP(rec, req)
		if rec.code != http.StatusUnauthorized {
			t.Fatalf("status %d", rec.code)
		}
	}
	mu.Lock()
	lines := strings.Count(buf.String(), "trigger rejected")
	mu.Unlock()
	if lines != 1 {
		t.Errorf("%d log lines for 200 rejected tokens, want 1:\n%s", lines, buf.String())
	}
	// The limiter itself, on a clock of its own.
	l := &logLimiter{interval: time.Minute}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if ok, _ := l.allow(t0); !ok {
		t.Fatal("first line held back")
	}
	for i := range 5 {
		if ok, _ := l.allow(t0.Add(time.Duration(i+1) * time.Second)); ok {
			t.Fatal("a line within the interval went through")
		}
	}
	if ok, n := l.allow(t0.Add(61 * time.Second)); !ok || n != 5 {
		t.Errorf("after the interval: ok %v suppressed %d, want true 5", ok, n)
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// recorder is a minimal http.ResponseWriter for handler tests.
type recorder struct {
	code int
	h    http.Header
	body bytes.Buffer
}

func newRecorder() *recorder                    { return &recorder{h: http.Header{}} }
func (r *recorder) Header() http.Header         { return r.h }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }
func (r *recorder) WriteHeader(code int)        { r.code = code }
