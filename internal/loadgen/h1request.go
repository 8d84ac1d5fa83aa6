package loadgen

import (
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
	scheme string
	host   string // URL host (with port if given): the Host header
	addr   string // host:port to dial
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
}

// errAuthority is a rendered path that would change the request's scheme,
// host or port.
var errAuthority = &DisallowedError{Reason: "the rendered request.path would change the target's scheme, host or port"}

func newH1Plan(p *requestPlan) (*h1Plan, error) {
	u, err := url.Parse(p.base)
	if err != nil {
		return nil, err
	}
	h := &h1Plan{scheme: u.Scheme, host: u.Host, sni: u.Hostname()}
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
	h.head = append(h.head, h.host...)
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
		return h.whole, nil
	}
	target := h.target
	if target == "" {
		pu, err := url.Parse(u.url)
		if err != nil {
			return dst, err
		}
		if pu.Scheme != h.scheme || pu.Host != h.host {
			return dst, errAuthority
		}
		target = pu.RequestURI()
	}
	if strings.ContainsAny(target, " \r\n") {
		return dst, errAuthority
	}
	return h.appendRequest(dst[:0], p.method, target, u.hdrVals, u.bodyData), nil
}
