package loadgen

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/loadcron/loadcron/internal/config"
)

// Health is the outcome of a target's pre-flight health check.
type Health struct {
	URL     string // the checked URL (target URL + path; no credentials)
	Healthy bool
	Code    int // HTTP status, 0 when no response arrived
	// Error says why the target is unhealthy ("" when healthy): the
	// request (method and full URL), what came back or the error, and the
	// keys to change.
	Error    string
	Duration time.Duration
}

// healthBodyExample bounds the body shown in an unhealthy status message.
const healthBodyExample = 200

// CheckHealth runs the target's health check: a GET of its health path
// that must answer one of the expected statuses, with its whole body,
// within the timeout. A body that stalls past the timeout or breaks off
// makes the target unhealthy: load is only sent to a target that answered
// its health check completely. allowed is safety.allowed_hosts (nil:
// loopback only), enforced by the same dialer as the load. A disabled
// check reports healthy without a request.
func CheckHealth(ctx context.Context, t *config.Target, allowed []string, userAgent, runID string) Health {
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
	key := "targets." + t.Name + ".health_check"
	// fix says which keys to change; every unhealthy message ends with it.
	fix := func(extra string) string {
		return fmt.Sprintf("; check the target, or %sset %s.path (now %q), or set %s.enabled: false to skip the check",
			extra, key, path, key)
	}
	req0 := "GET " + h.URL
	tc, err := t.TLS.ClientConfig()
	if err != nil {
		h.Error = fmt.Sprintf("%s: targets.%s.%v", req0, t.Name, err)
		return h
	}
	tr := newTransport(tc, 1, newDialer(allowed))
	defer tr.CloseIdleConnections()

	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.URL, nil)
	if err != nil {
		h.Error = fmt.Sprintf("%s: cannot build the request: %v%s", req0, err, fix(""))
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
		h.Error = fmt.Sprintf("%s: no response: %s: %v%s", req0, classify(parent, err), causeErr(err),
			timeoutHint(ctx, key, timeout))
		h.Error += fix("")
		return h
	}
	h.Code = resp.StatusCode
	// Read the whole body within the timeout: a 200 whose body stalls or
	// breaks off is no sign of health. Only the first bytes are kept.
	var head bytes.Buffer
	n, berr := io.Copy(&limitedBuffer{buf: &head, max: healthBodyExample}, resp.Body)
	resp.Body.Close()
	h.Duration = time.Since(start)
	status := strconv.Itoa(resp.StatusCode) + " " + http.StatusText(resp.StatusCode)
	switch {
	case berr != nil:
		kind := classify(parent, berr).String()
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			kind = "timeout"
		}
		h.Error = fmt.Sprintf("%s: answered %s but the body failed after %d bytes: %s: %v%s", req0, status, n,
			kind, causeErr(berr), timeoutHint(ctx, key, timeout))
		h.Error += fix("")
	case !slices.Contains(expect, resp.StatusCode):
		h.Error = fmt.Sprintf("%s: answered %s, want one of %v (%s.expect_status)%s", req0, status, expect, key, bodyExample(head.Bytes()))
		h.Error += fix(fmt.Sprintf("add %d to %s.expect_status, or ", resp.StatusCode, key))
	default:
		h.Healthy = true
	}
	return h
}

// timeoutHint names the timeout key when the check ran out of time.
func timeoutHint(ctx context.Context, key string, timeout time.Duration) string {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Sprintf(" (%s.timeout is %s)", key, timeout)
	}
	return ""
}

// bodyExample quotes the start of a body for a message ("" when empty).
func bodyExample(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	s := string(b)
	cut := len(b) >= healthBodyExample
	for !utf8.ValidString(s) && len(s) > 0 {
		s = s[:len(s)-1]
	}
	if cut {
		s += "…"
	}
	return "; body: " + strconv.Quote(s)
}

// limitedBuffer keeps the first max bytes written to it and accepts (and
// drops) the rest.
type limitedBuffer struct {
	buf *bytes.Buffer
	max int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := l.max - l.buf.Len(); room > 0 {
		l.buf.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}
