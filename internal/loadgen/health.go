package loadgen

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/loadcron/loadcron/internal/config"
)

// Health is the outcome of a target's pre-flight health check.
type Health struct {
	URL      string // the checked URL (target URL + path; no credentials)
	Healthy  bool
	Code     int    // HTTP status, 0 when no response arrived
	Error    string // why it is unhealthy ("" when healthy)
	Duration time.Duration
}

// CheckHealth runs the target's health check: a GET of its health path
// that must answer one of the expected statuses within the timeout. A
// disabled check reports healthy without a request.
func CheckHealth(ctx context.Context, t *config.Target, userAgent, runID string) Health {
	hc := t.HealthCheck
	path := hc.Path
	if path == "" {
		path = "/health"
	}
	h := Health{URL: strings.TrimSuffix(t.URL, "/") + path}
	if !hc.IsEnabled() {
		h.Healthy = true
		return h
	}
	timeout := hc.Timeout
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	expect := hc.ExpectStatus
	if len(expect) == 0 {
		expect = []int{http.StatusOK}
	}
	tc, err := tlsConfig(&t.TLS)
	if err != nil {
		h.Error = err.Error()
		return h
	}
	tr := newTransport(tc, 1, newDialer())
	defer tr.CloseIdleConnections()

	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.URL, nil)
	if err != nil {
		h.Error = err.Error()
		return h
	}
	for k, v := range t.Headers {
		req.Header.Set(k, v)
	}
	req.Header.Set("User-Agent", userAgent)
	req.Header.Set("X-Loadcron-Run", runID)

	start := time.Now()
	resp, err := newClient(tr).Do(req)
	if err != nil {
		h.Duration = time.Since(start)
		h.Error = fmt.Sprintf("%s: %v", classify(parent, err), unwrapURLError(err))
		return h
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	h.Duration = time.Since(start)
	h.Code = resp.StatusCode
	if !slices.Contains(expect, resp.StatusCode) {
		h.Error = fmt.Sprintf("status %d, want one of %v", resp.StatusCode, expect)
		return h
	}
	h.Healthy = true
	return h
}

// unwrapURLError drops net/http's "Get \"URL\": " prefix, which would
// repeat the URL already in Health.URL.
func unwrapURLError(err error) error {
	type unwrapper interface{ Unwrap() error }
	if u, ok := err.(unwrapper); ok && strings.HasPrefix(err.Error(), "Get ") {
		if inner := u.Unwrap(); inner != nil {
			return inner
		}
	}
	return err
}
