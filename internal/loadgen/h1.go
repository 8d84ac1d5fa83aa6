package loadgen

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"net"
	"time"
)

// The HTTP/1.1 client (targets with client: http1). One h1Conn per worker
// holds one keep-alive connection; a request is one Write of pre-rendered
// bytes, the response is parsed from a bufio.Reader in place, and the
// per-request timeout is a deadline on the connection instead of a context
// and timer. Run cancellation reaches a blocked read through one
// context.AfterFunc per connection that moves the deadline to the past.

const (
	// h1ReadBuffer is the read buffer per connection: a response's status
	// line and each header line must fit (longer header lines are skipped;
	// longer status lines are an error).
	h1ReadBuffer = 4 << 10
	// h1MaxHeaderBytes bounds a response's header block, as net/http's
	// Transport bounds it by default.
	h1MaxHeaderBytes = 1 << 20
	// h1IdleProbe is how long a connection may sit idle before the next
	// request first checks that the server has not closed it.
	h1IdleProbe = time.Second
)

var (
	errMalformed    = errors.New("malformed HTTP response")
	errHeaderTooBig = errors.New("response header too large")
	errTransferEnc  = errors.New("unsupported transfer encoding")
	errChunked      = errors.New("malformed chunked encoding")
	// aLongTimeAgo is a deadline that has passed: setting it wakes any
	// blocked read or write at once.
	aLongTimeAgo = time.Unix(1, 0)
)

// h1Conn is one worker's connection to the target.
type h1Conn struct {
	e    *engine
	plan *h1Plan
	tls  *tls.Config // nil for http
	// cacheHeader is the canonical name of the cache-signal header ("" for
	// none); the response parser keeps its value in cacheVal.
	cacheHeader string

	conn     net.Conn
	br       *bufio.Reader
	stop     func() bool // unregisters the run-cancel hook of conn
	reused   bool        // conn has carried a request before
	lastUsed time.Time
	// deadline is the one set on conn (zero: none); slack is how far past
	// a request's own deadline it is set.
	deadline time.Time
	slack    time.Duration

	wbuf []byte
	body h1Body
	// Of the last response: whether the connection must close after it,
	// and the cache header's value.
	mustClose bool
	cacheVal  []byte
	hasCache  bool
	gotByte   bool // a byte of the response arrived
}

func newH1Conn(e *engine, tc *tls.Config) *h1Conn {
	c := &h1Conn{e: e, plan: e.plan.h1, cacheHeader: e.insp.cacheHeader}
	c.slack = min(max(e.timeout/8, time.Millisecond), time.Second)
	if e.plan.scheme == "https" {
		c.tls = tc.Clone()
		if c.tls.ServerName == "" {
			c.tls.ServerName = c.plan.sni
		}
		c.tls.NextProtos = []string{"http/1.1"}
	}
	c.body.c = c
	return c
}

// close drops the connection, if any.
func (c *h1Conn) close() {
	if c.conn == nil {
		return
	}
	c.stop()
	_ = c.conn.Close()
	c.conn = nil
}

// checkIdle drops a connection that sat idle long enough for the server to
// have closed it and that the server did close (or wrote to unasked).
// Called before the request's clock starts.
func (c *h1Conn) checkIdle() {
	if c.conn == nil || time.Since(c.lastUsed) < h1IdleProbe {
		return
	}
	if c.br.Buffered() == 0 {
		c.deadline = time.Now().Add(50 * time.Microsecond)
		_ = c.conn.SetReadDeadline(c.deadline)
		_, err := c.br.Peek(1)
		if isTimeout(err) {
			return // nothing to read: still open
		}
	}
	c.close()
}

// dial opens a new connection (TLS handshake included) by deadline.
func (c *h1Conn) dial(ctx context.Context, deadline time.Time) error {
	dctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	conn, err := c.e.dial(dctx, "tcp", c.plan.addr)
	if err != nil {
		return err
	}
	if c.tls != nil {
		tc := tls.Client(conn, c.tls)
		if err := tc.HandshakeContext(dctx); err != nil {
			_ = conn.Close()
			return err
		}
		conn = tc
	}
	c.conn = conn
	c.reused = false
	c.deadline = time.Time{}
	if c.br == nil {
		c.br = bufio.NewReaderSize(conn, h1ReadBuffer)
	} else {
		c.br.Reset(conn)
	}
	// Cancel of the run wakes a blocked read or write at once; the
	// deadline set per request (after checking ctx) cannot undo it,
	// because this runs after ctx.Err() is set.
	c.stop = context.AfterFunc(ctx, func() { _ = conn.SetDeadline(aLongTimeAgo) })
	return nil
}

// roundTrip sends req and reads the response's status line and headers,
// leaving the body to c.body. It returns the status code and the time the
// first response byte arrived. A request that found a reused connection
// closed by the server is sent again once on a new connection when that
// is safe, as net/http does: always when the write failed, else only for
// replayable (idempotent) requests.
func (c *h1Conn) roundTrip(ctx context.Context, deadline time.Time, req []byte, head, replayable bool) (int, time.Time, error) {
	for attempt := 0; ; attempt++ {
		if c.conn == nil {
			if err := c.dial(ctx, deadline); err != nil {
				return 0, time.Time{}, err
			}
		}
		reused := c.reused
		// Moving a connection's deadline costs runtime timer work that
		// showed up as lost throughput; so it moves only when the one set
		// would end this request too early, and then past the request's
		// own deadline by a slack. doH1 counts any request slower than the
		// timeout as a timeout, so only a hung request's cut-off is late,
		// by at most the slack.
		if c.deadline.Before(deadline) {
			c.deadline = deadline.Add(c.slack)
			_ = c.conn.SetDeadline(c.deadline)
		}
		if err := ctx.Err(); err != nil {
			c.close()
			return 0, time.Time{}, err
		}
		c.gotByte = false
		_, err := c.conn.Write(req)
		wrote := err == nil
		var code int
		var first time.Time
		if wrote {
			code, first, err = c.readHead(head)
		}
		if err == nil {
			c.reused = true
			return code, first, nil
		}
		c.close()
		retry := reused && attempt == 0 && ctx.Err() == nil && !c.gotByte && !isTimeout(err) &&
			(!wrote || replayable)
		if !retry {
			return 0, time.Time{}, err
		}
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// readHead parses the status line and headers of the final response
// (1xx interim responses are skipped) and sets up c.body.
func (c *h1Conn) readHead(head bool) (code int, first time.Time, err error) {
	budget := h1MaxHeaderBytes
	for {
		line, err := c.br.ReadSlice('\n')
		if len(line) > 0 && !c.gotByte {
			c.gotByte = true
			first = time.Now()
		}
		if err != nil {
			if err == bufio.ErrBufferFull {
				return 0, first, errMalformed
			}
			return 0, first, err
		}
		budget -= len(line)
		// "HTTP/1.x NNN reason"
		if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || line[8] != ' ' {
			return 0, first, errMalformed
		}
		code = 0
		for _, d := range line[9:12] {
			if d < '0' || d > '9' {
				return 0, first, errMalformed
			}
			code = code*10 + int(d-'0')
		}
		if len(line) > 12 && line[12] != ' ' && line[12] != '\r' && line[12] != '\n' {
			return 0, first, errMalformed
		}
		if code < 100 {
			return 0, first, errMalformed
		}
		http10 := line[7] == '0'
		if err := c.readHeaders(&budget, http10); err != nil {
			return 0, first, err
		}
		if code >= 200 || code == 101 {
			break
		}
		// 1xx interim response: the final one follows.
	}
	switch {
	case head || code < 200 || code == 204 || code == 304:
		c.body.reset(bodyNone, 0)
		if code == 101 {
			c.mustClose = true
		}
	case c.body.mode == bodyChunked:
		c.body.reset(bodyChunked, 0)
	case c.body.length >= 0:
		c.body.reset(bodyFixed, c.body.length)
	default:
		// No length: the body runs to the end of the connection.
		c.body.reset(bodyEOF, 0)
		c.mustClose = true
	}
	return code, first, nil
}

// readHeaders reads header lines up to the blank line, noting the framing
// headers, Connection and the cache-signal header.
func (c *h1Conn) readHeaders(budget *int, http10 bool) error {
	c.mustClose = http10
	c.hasCache = false
	c.body.mode = bodyNone
	c.body.length = -1
	for {
		line, err := c.br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			// A header line longer than the buffer: skip it whole.
			*budget -= len(line)
			for err == bufio.ErrBufferFull && *budget > 0 {
				line, err = c.br.ReadSlice('\n')
				*budget -= len(line)
			}
			if err != nil {
				return eofUnexpected(err)
			}
			if *budget < 0 {
				return errHeaderTooBig
			}
			continue
		}
		if err != nil {
			return eofUnexpected(err)
		}
		if *budget -= len(line); *budget < 0 {
			return errHeaderTooBig
		}
		line = trimEOL(line)
		if len(line) == 0 {
			return nil
		}
		if line[0] == ' ' || line[0] == '\t' {
			continue // obsolete line folding: not a header we read
		}
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 {
			return errMalformed
		}
		name, value := line[:colon], bytes.TrimSpace(line[colon+1:])
		switch {
		case asciiEqualFold(name, "Content-Length"):
			n, ok := parseLength(value)
			if !ok || (c.body.length >= 0 && c.body.length != n) {
				return errMalformed
			}
			c.body.length = n
		case asciiEqualFold(name, "Transfer-Encoding"):
			if !asciiEqualFold(value, "chunked") {
				return errTransferEnc
			}
			c.body.mode = bodyChunked
		case asciiEqualFold(name, "Connection"):
			if hasToken(value, "close") {
				c.mustClose = true
			} else if http10 && hasToken(value, "keep-alive") {
				c.mustClose = false
			}
		}
		if c.cacheHeader != "" && !c.hasCache && asciiEqualFold(name, c.cacheHeader) {
			c.cacheVal = append(c.cacheVal[:0], value...)
			c.hasCache = true
		}
	}
}

// release ends the response, whose last byte was read at end: the
// connection stays for the next request when the body was read to its
// end and nothing asked to close it.
func (c *h1Conn) release(complete bool, end time.Time) {
	if c.conn == nil {
		return
	}
	if !complete || c.mustClose || !c.body.done {
		c.close()
		return
	}
	c.lastUsed = end
}

func trimEOL(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
	}
	if n := len(b); n > 0 && b[n-1] == '\r' {
		b = b[:n-1]
	}
	return b
}

func parseLength(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, d := range b {
		if d < '0' || d > '9' {
			return 0, false
		}
		n = n*10 + int64(d-'0')
	}
	return n, true
}

// asciiEqualFold compares b with the ASCII string s, ignoring case.
func asciiEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(b) {
		x, y := b[i], s[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// hasToken reports whether the comma-separated list v holds token.
func hasToken(v []byte, token string) bool {
	for len(v) > 0 {
		i := bytes.IndexByte(v, ',')
		var part []byte
		if i < 0 {
			part, v = v, nil
		} else {
			part, v = v[:i], v[i+1:]
		}
		if asciiEqualFold(bytes.TrimSpace(part), token) {
			return true
		}
	}
	return false
}
