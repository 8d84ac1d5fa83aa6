package loadgen

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loadcron/loadcron/internal/config"
	"github.com/loadcron/loadcron/internal/result"
)

// No request outlives its target's timeout, whatever the target does: one
// that never answers, stops in the middle of its body, or trickles its
// headers or body one byte at a time — each byte well within the timeout,
// so that only a bound on the whole request cuts it off, not one on the
// gaps between reads. Checked for both clients, for streams and for the
// health check, by the clock of the test and by the target, which must
// see the client let go of the connection.

const (
	// trickleEvery is the misbehaving target's pace: one byte a second.
	trickleEvery = time.Second
	// outlivingTimeout is the timeout of these tests' targets: longer than
	// trickleEvery, so every byte arrives within it.
	outlivingTimeout = 1500 * time.Millisecond
	// trickleCap ends a misbehaving response, so that a client that never
	// cuts it off fails the test instead of hanging it.
	trickleCap = 20 * time.Second
	// cutOffGrace is how late past its bound a cut-off may be seen: the
	// timer and the goroutines woken by it must run on a loaded machine.
	// A request that outlives its timeout lasts until trickleCap.
	cutOffGrace = time.Second
)

// misbehavingTarget is an HTTP/1.1 server on loopback, written on a raw
// connection so that every byte it sends is under the test's control.
// "/fast" answers at once (so a connection is reused); other paths
// misbehave as misbehave says. For each misbehaving request it records
// how long the client kept the connection open after the request
// arrived.
type misbehavingTarget struct {
	url  string
	ln   net.Listener
	stop chan struct{}
	wg   sync.WaitGroup

	held chan time.Duration
}

func newMisbehavingTarget(t *testing.T) *misbehavingTarget {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m := &misbehavingTarget{url: "http://" + ln.Addr().String(), ln: ln, stop: make(chan struct{}),
		held: make(chan time.Duration, 4)}
	m.wg.Go(func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			m.wg.Go(func() { m.serve(conn) })
		}
	})
	t.Cleanup(func() {
		close(m.stop)
		ln.Close()
		m.wg.Wait()
	})
	return m
}

func (m *misbehavingTarget) serve(conn net.Conn) {
	defer conn.Close()
	br := bufio.NewReader(conn)
	for {
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		_, _ = io.Copy(io.Discard, req.Body)
		arrived := time.Now()
		if req.URL.Path == "/fast" {
			if _, err := io.WriteString(conn, "HTTP/1.1 200 OK\r\nContent-Length: 15\r\n\r\n{\"cached\":true}"); err != nil {
				return
			}
			continue
		}
		quit := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			misbehave(conn, req.URL.Path, quit, m.stop)
		}()
		// The client sends nothing more on this connection until it is
		// done with the response: a read returns when it closes.
		_, _ = br.ReadByte()
		held := time.Since(arrived)
		close(quit)
		<-done
		m.held <- held
		return
	}
}

// misbehave writes path's response to conn: never completing it, until
// quit or stop, or trickleCap has passed (then it closes the connection).
func misbehave(conn net.Conn, path string, quit, stop <-chan struct{}) {
	var head, each string
	switch path {
	case "/stall-headers": // nothing at all
	case "/stall-body": // headers and a tenth of the body
		head = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789"
	case "/trickle-headers": // a header line that never ends
		head, each = "HTTP/1.1 200 OK\r\nX-Slow: ", "a"
	case "/trickle-body": // a fixed-length body, a byte at a time
		head, each = "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", "a"
	case "/trickle-chunked": // a chunked body, a one-byte chunk at a time
		head, each = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "1\r\na\r\n"
	case "/trickle-stream": // an event stream whose event never ends
		head, each = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n6\r\ndata: \r\n", "1\r\na\r\n"
	}
	if _, err := io.WriteString(conn, head); err != nil {
		return
	}
	limit := time.NewTimer(trickleCap)
	defer limit.Stop()
	tick := time.NewTicker(trickleEvery)
	defer tick.Stop()
	for {
		select {
		case <-quit:
			return
		case <-stop:
			conn.Close()
			return
		case <-limit.C:
			conn.Close()
			return
		case <-tick.C:
			if each == "" {
				continue
			}
			if _, err := io.WriteString(conn, each); err != nil {
				return
			}
		}
	}
}

// heldFor waits for the misbehaving request's connection to end and
// returns how long the client held it open after the request arrived (at
// most about trickleCap, when the target gave up first); false when it
// never ended.
func (m *misbehavingTarget) heldFor() (time.Duration, bool) {
	select {
	case d := <-m.held:
		return d, true
	case <-time.After(2 * trickleCap):
		return 0, false
	}
}

// cutOffBound is the latest a request with the given timeout may end, on
// client: net/http's context ends it at the timeout; the HTTP/1.1 client's
// connection deadline up to its slack later (newH1Conn).
func cutOffBound(client string, timeout time.Duration) time.Duration {
	if client == config.ClientHTTP1 {
		return timeout + min(max(timeout/8, time.Millisecond), time.Second)
	}
	return timeout
}

// concurrently runs each case's misbehaving exchange at once (each waits
// out a timeout, and -parallel would queue them two by two on CI's two
// cores), then checks each in its own subtest. Targets are made first, on
// the test's goroutine.
func concurrently[C, O any](t *testing.T, cases []C, name func(C) string, run func(C, *misbehavingTarget) O, check func(*testing.T, C, O)) {
	targets := make([]*misbehavingTarget, len(cases))
	for i := range cases {
		targets[i] = newMisbehavingTarget(t)
	}
	outs := make([]O, len(cases))
	var wg sync.WaitGroup
	for i, c := range cases {
		wg.Go(func() { outs[i] = run(c, targets[i]) })
	}
	wg.Wait()
	for i, c := range cases {
		t.Run(name(c), func(t *testing.T) { check(t, c, outs[i]) })
	}
}

// exchange is what one misbehaving exchange gave: the results, how long
// it took by the test's clock, and how long the target saw its
// connection held.
type exchange struct {
	results []result.Result
	out     Outcome
	err     error
	health  Health
	elapsed time.Duration
	held    time.Duration
	ended   bool // the target saw the connection end
}

// TestNoRequestOutlivesItsTimeout: against each misbehaving target, with
// each client, a request ends as a timeout no earlier than the target's
// timeout and no later than its cut-off bound, and the client closes the
// connection then; a keep-alive connection reused after a fast request is
// bounded the same way.
func TestNoRequestOutlivesItsTimeout(t *testing.T) {
	type tcase struct {
		client string
		name   string
		path   string // the misbehaving request's path
		// afterFast sends a fast request first, so the misbehaving one
		// reuses the connection.
		afterFast bool
		stream    string // request.stream, "" for a plain response
	}
	var cases []tcase
	for _, client := range []string{config.ClientNetHTTP, config.ClientHTTP1} {
		cases = append(cases,
			// the target reads the request and never answers
			tcase{client: client, name: "headers stall", path: "/stall-headers"},
			// headers and part of the body, then nothing
			tcase{client: client, name: "body stalls", path: "/stall-body"},
			// a header line, one byte a second
			tcase{client: client, name: "headers trickle", path: "/trickle-headers"},
			// a Content-Length body, one byte a second
			tcase{client: client, name: "body trickles", path: "/trickle-body"},
			// a chunked body, one byte a second
			tcase{client: client, name: "chunks trickle", path: "/trickle-chunked"},
			// the same on a connection that carried a fast request first
			tcase{client: client, name: "reused connection trickles", path: "/trickle-chunked", afterFast: true},
			tcase{client: client, name: "reused connection stalls", path: "/stall-headers", afterFast: true},
			// a server-sent event that never ends, a byte every second,
			// within the stream's idle timeout: the request's timeout
			// still ends it
			tcase{client: client, name: "stream trickles", path: "/trickle-stream", stream: config.StreamSSE},
		)
	}
	run := func(tt tcase, target *misbehavingTarget) exchange {
		spec := testSpec(target.url, func(tg *config.Target, sc *config.Scenario) {
			tg.Client = tt.client
			tg.Timeout = outlivingTimeout
			sc.Request.Path = tt.path
			if tt.afterFast {
				sc.RequestsPerUser = 2
				sc.Request.Path = "{{if .Iteration}}" + tt.path + "{{else}}/fast{{end}}"
			}
			if tt.stream != "" {
				sc.Request.Stream = tt.stream
				// Longer than the timeout: only the request's own
				// timeout can end this stream.
				sc.Request.StreamIdleTimeout = 3 * outlivingTimeout
			}
		})
		var s sink
		start := time.Now()
		out, err := Run(context.Background(), spec, s.hooks())
		x := exchange{results: s.results, out: out, err: err, elapsed: time.Since(start)}
		x.held, x.ended = target.heldFor()
		return x
	}
	check := func(t *testing.T, tt tcase, x exchange) {
		if x.err != nil {
			t.Fatal(x.err)
		}
		bound := cutOffBound(tt.client, outlivingTimeout)
		if tt.stream != "" {
			bound = outlivingTimeout // streams always take net/http
		}
		want := 1
		if tt.afterFast {
			want = 2
		}
		if len(x.results) != want {
			t.Fatalf("%d results, want %d", len(x.results), want)
		}
		if tt.afterFast && x.results[0].Kind != result.KindNone {
			t.Fatalf("the fast request: %s (%v), want a success", x.results[0].Kind, x.results[0].Err)
		}
		r := x.results[want-1]
		if r.Kind != result.KindTimeout {
			t.Errorf("kind %s (%v), want timeout", r.Kind, r.Err)
		}
		// net/http's request context starts its clock just before the
		// latency's (the request is rendered in between), so a timed-out
		// request may read as a little under the timeout; not a tenth.
		if early := outlivingTimeout * 9 / 10; r.Latency < early || r.Latency > bound+cutOffGrace {
			t.Errorf("latency %s, want within [%s, %s] (timeout %s)", r.Latency, early, bound+cutOffGrace, outlivingTimeout)
		}
		if x.elapsed > bound+cutOffGrace {
			t.Errorf("the run took %s, want ≤ %s (timeout %s): a request outlived its timeout", x.elapsed, bound+cutOffGrace, outlivingTimeout)
		}
		if x.out.Canceled {
			t.Errorf("run canceled")
		}
		if !x.ended || x.held > bound+cutOffGrace {
			t.Errorf("the target saw its connection held %s (ended %v), want ≤ %s", x.held, x.ended, bound+cutOffGrace)
		}
	}
	concurrently(t, cases, func(c tcase) string { return c.client + "/" + c.name }, run, check)
}

// TestHealthCheckOutlivesNoTimeout: a health check against a target that
// stalls or trickles ends unhealthy at its timeout, naming the timeout,
// and lets go of the connection.
func TestHealthCheckOutlivesNoTimeout(t *testing.T) {
	paths := []string{"/stall-headers", "/stall-body", "/trickle-headers", "/trickle-body", "/trickle-chunked"}
	run := func(path string, target *misbehavingTarget) exchange {
		tg := &config.Target{Name: "chat", URL: target.url, HealthCheck: config.HealthCheck{
			Path: path, Timeout: outlivingTimeout}}
		start := time.Now()
		h := CheckHealth(context.Background(), tg, nil, "loadcron/test", "run")
		x := exchange{health: h, elapsed: time.Since(start)}
		x.held, x.ended = target.heldFor()
		return x
	}
	check := func(t *testing.T, path string, x exchange) {
		if x.health.Healthy {
			t.Fatal("healthy")
		}
		if want := fmt.Sprintf("(targets.chat.health_check.timeout is %s)", outlivingTimeout); !strings.Contains(x.health.Error, want) {
			t.Errorf("message lacks %q:\n%s", want, x.health.Error)
		}
		if x.elapsed < outlivingTimeout || x.elapsed > outlivingTimeout+cutOffGrace {
			t.Errorf("the check took %s, want within [%s, %s]", x.elapsed, outlivingTimeout, outlivingTimeout+cutOffGrace)
		}
		if !x.ended || x.held > outlivingTimeout+cutOffGrace {
			t.Errorf("the target saw its connection held %s (ended %v), want ≤ %s", x.held, x.ended, outlivingTimeout+cutOffGrace)
		}
	}
	concurrently(t, paths, func(p string) string { return p }, run, check)
}
