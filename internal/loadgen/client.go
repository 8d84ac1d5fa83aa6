package loadgen

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"time"
)

// dialFunc opens a connection: net.Dialer.DialContext's shape.
type dialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// newTransport returns a transport for one virtual user (idle pool of
// conns, usually 1) or for the open model's shared worker pool. tc is nil
// for a plain http:// target: it never needs TLS (requests never leave
// the target's scheme, host and port, and redirects are not followed),
// and without a TLS config and ForceAttemptHTTP2 the transport skips its
// HTTP/2 set-up. Its buffers are smaller than net/http's 4 KB each: a
// request that does not fit is written through, a longer response header
// line is read in parts, and 10,000 users save 50 MB (issue 11's memory
// figure, internal/bench/README.md).
func newTransport(tc *tls.Config, conns int, dial dialFunc) *http.Transport {
	return &http.Transport{
		Proxy:                 nil, // load goes straight to the target, never through an environment proxy
		DialContext:           dial,
		TLSClientConfig:       tc.Clone(), // http2 set-up writes to it: one copy per transport
		TLSHandshakeTimeout:   10 * time.Second,
		MaxIdleConns:          conns,
		MaxIdleConnsPerHost:   conns,
		IdleConnTimeout:       90 * time.Second,
		ExpectContinueTimeout: time.Second,
		ForceAttemptHTTP2:     tc != nil,
		WriteBufferSize:       1 << 10,
		ReadBufferSize:        2 << 10,
	}
}

// newClient wraps a transport in a client that never follows redirects: a
// 3xx is the target's answer and the checks judge it.
func newClient(tr *http.Transport) *http.Client {
	return &http.Client{
		Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}
