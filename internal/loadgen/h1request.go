package loadgen

import (
	"bytes"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// h1Plan is what the HTTP/1.1 client renders once per scenario: where to
// connect, the header block shared by every request and, when nothing in
// the request is templated, the whole request.
type h1Plan struct {
	addr string // host:port to dial
	// sni is the name TLS verifies when tls.server_name is not set.
	sni string
	// target is the request-target of a static path ("" when templated).
	target string
	// head is the header lines sent with every request (Host first),
	// without the templated headers and without the final CRLF.
	head []byte
	// hdrNames are the canonical names of the templated headers, in
	// plan.tmpl.Headers order.
	hdrNames []string
	// whole is the complete request when path, headers and body are all
	// static; nil otherwise.
	whole []byte
	// sendLength says a request without a body still carries
	// "Content-Length: 0" (POST, PUT, PATCH), as net/http does.
	sendLength bool
	// headTP and wholeTP are the offsets of the traceparent value in head
	// and whole (-1: no header), overwritten per request with its ids.
	headTP, wholeTP int
}

// errAuthority is a rendered path that would change the request's scheme,
// host or port.
var errAuthority = &DisallowedError{Reason: "the rendered request.path would change the target's scheme, host or port"}

// newH1Plan renders the plan p for the HTTP/1.1 client; u is the
// target's URL, which newRequestPlan parsed and checked (scheme http or
// https, a host).
func newH1Plan(p *requestPlan, u *url.URL) (*h1Plan, error) {
	h := &h1Plan{sni: u.Hostname(), headTP: -1, wholeTP: -1}
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	h.addr = net.JoinHostPort(u.Hostname(), port)
	switch p.method {
	case http.MethodPost, http.MethodPut, http.MethodPatch:
		h.sendLength = true
	}

	templated := map[string]bool{}
	for _, th := range p.tmpl.Headers {
		name := http.CanonicalHeaderKey(th.Name)
		h.hdrNames = append(h.hdrNames, name)
		templated[name] = true
	}
	h.head = append(h.head, "Host: "...)
	h.head = append(h.head, p.host...)
	h.head = append(h.head, "\r\n"...)
	names := make([]string, 0, len(p.headers))
	for name := range p.headers {
		// net/http ignores a Host header in favour of the URL's host.
		if name != "Host" && !templated[name] {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		for _, v := range p.headers[name] {
			h.head = append(h.head, name...)
			h.head = append(h.head, ": "...)
			h.head = append(h.head, v...)
			h.head = append(h.head, "\r\n"...)
		}
	}

	if p.staticURL != "" {
		su, err := url.Parse(p.staticURL)
		if err != nil {
			return nil, err
		}
		h.target = su.RequestURI()
		var body string
		staticBody := true
		if p.tmpl.Body != nil {
			body, staticBody = p.tmpl.Body.Static()
		}
		if len(p.tmpl.Headers) == 0 && staticBody {
			h.whole = h.appendRequest(nil, p.method, h.target, nil, []byte(body))
		}
	}
	if p.trace != nil {
		h.headTP = traceparentOffset(h.head)
		h.wholeTP = traceparentOffset(h.whole)
	}
	return h, nil
}

// appendRequest appends one request to dst.
func (h *h1Plan) appendRequest(dst []byte, method, target string, hdrVals []string, body []byte) []byte {
	dst = append(dst, method...)
	dst = append(dst, ' ')
	dst = append(dst, target...)
	dst = append(dst, " HTTP/1.1\r\n"...)
	dst = append(dst, h.head...)
	for i, name := range h.hdrNames {
		dst = append(dst, name...)
		dst = append(dst, ": "...)
		dst = append(dst, hdrVals[i]...)
		dst = append(dst, "\r\n"...)
	}
	if len(body) > 0 || h.sendLength {
		dst = append(dst, "Content-Length: "...)
		dst = strconv.AppendInt(dst, int64(len(body)), 10)
		dst = append(dst, "\r\n"...)
	}
	dst = append(dst, "\r\n"...)
	return append(dst, body...)
}

// appendH1 renders the user's next request as HTTP/1.1 bytes: the plan's
// pre-rendered request when nothing is templated (returned as is, shared
// read-only), else appended to dst.
func (u *userRequests) appendH1(dst []byte) ([]byte, error) {
	if err := u.prepare(); err != nil {
		return dst, err
	}
	p := u.plan
	h := p.h1
	if h.whole != nil {
		if u.trace == nil {
			return h.whole, nil
		}
		// The static request with this user's ids: a private copy,
		// patched in place.
		if u.whole == nil {
			u.whole = slices.Clone(h.whole)
		}
		u.trace.fill(u.whole[h.wholeTP:])
		return u.whole, nil
	}
	target := h.target
	if target == "" {
		pu, err := url.Parse(u.url)
		if err != nil {
			return dst, err
		}
		if pu.Scheme != p.scheme || pu.Host != p.host {
			return dst, errAuthority
		}
		target = pu.RequestURI()
	}
	if strings.ContainsAny(target, " \r\n") {
		return dst, errAuthority
	}
	dst = h.appendRequest(dst[:0], p.method, target, u.hdrVals, u.bodyData)
	if u.trace != nil {
		// The head follows the request line "METHOD TARGET HTTP/1.1\r\n".
		u.trace.fill(dst[len(p.method)+1+len(target)+len(" HTTP/1.1\r\n")+h.headTP:])
	}
	return dst, nil
}

// traceparentOffset is the offset of the traceparent header's value in
// b, -1 when it has none.
func traceparentOffset(b []byte) int {
	const line = "\r\n" + traceparentKey + ": "
	i := bytes.Index(b, []byte(line))
	if i < 0 {
		return -1
	}
	return i + len(line)
}
