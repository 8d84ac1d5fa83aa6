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
// conns, usually 1) or for the open model's shared worker pool.
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
		ForceAttemptHTTP2:     true,
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
