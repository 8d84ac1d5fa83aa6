package loadgen

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"

	"github.com/loadcron/loadcron/internal/config"
)

// requestPlan renders the requests of one scenario. Templates are compiled
// by config and executed per request into a per-user buffer; static parts
// (no template actions) are rendered once.
type requestPlan struct {
	method string
	scheme string // the target's, for every request
	host   string // the target's host[:port], for every request
	base   string // target URL without trailing slash
	// staticURL is base+path when the path has no template actions, so
	// the per-request path needs no concatenation ("" otherwise).
	staticURL string
	tmpl      *config.CompiledRequest
	headers   http.Header // target headers + fixed loadcron headers, shared read-only
	queries   []string
	random    bool
	seed      int64
	seq       atomic.Int64 // scenario-wide request counter for sequential queries
	suite     string
	name      string
	runID     string
	// h1 is the HTTP/1.1 client's pre-rendered part (nil for net/http).
	h1 *h1Plan
	// replayable says a request may be sent again on a new connection
	// when a kept-alive one turns out closed before any answer: an
	// idempotent method or an idempotency key (net/http's rule).
	replayable bool
	// trace is the traceparent setting (trace.go); nil: no header.
	trace *traceSpec
}

func newRequestPlan(spec *Spec) (*requestPlan, error) {
	tmpl, err := spec.Scenario.Request.Compile()
	if err != nil {
		return nil, fmt.Errorf("request template: %w", err)
	}
	h := make(http.Header, len(spec.Target.Headers)+3)
	for k, v := range spec.Target.Headers {
		h.Set(k, v)
	}
	h.Set("User-Agent", spec.UserAgent)
	h.Set("X-Loadcron-Run", spec.RunID)
	if spec.Scenario.Request.Body != "" && h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json")
	}
	trace := newTraceSpec(spec.Target, spec.Scenario)
	addTraceparentSlot(h, trace)
	method := tmpl.Method
	if method == "" {
		method = http.MethodGet
		if spec.Scenario.Request.Body != "" {
			method = http.MethodPost
		}
	}
	// The scheme, host and port of every request are the target's: parse
	// them once, and refuse a static path that could change them (config
	// rejects it at load; this is for callers that skip config).
	base, err := url.Parse(spec.Target.URL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" || base.User != nil {
		return nil, fmt.Errorf("target url %q: want http(s)://host[:port][/path]", config.RedactURL(spec.Target.URL))
	}
	var staticURL string
	if path, ok := tmpl.Path.Static(); ok {
		if msg := config.CheckRequestTarget(path); msg != "" {
			return nil, fmt.Errorf("request.path %s", msg)
		}
		staticURL = strings.TrimSuffix(spec.Target.URL, "/") + path
	}
	p := &requestPlan{
		scheme:    base.Scheme,
		host:      base.Host,
		staticURL: staticURL,
		method:    method,
		base:      strings.TrimSuffix(spec.Target.URL, "/"),
		tmpl:      tmpl,
		headers:   h,
		queries:   spec.Scenario.Request.Queries,
		random:    tmpl.Random,
		seed:      tmpl.Seed,
		suite:     spec.Suite,
		name:      spec.Scenario.Name,
		runID:     spec.RunID,
		trace:     trace,
	}
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		p.replayable = true
	}
	if _, ok := h["Idempotency-Key"]; ok {
		p.replayable = true
	}
	for _, th := range tmpl.Headers {
		if http.CanonicalHeaderKey(th.Name) == "Idempotency-Key" {
			p.replayable = true
		}
	}
	// Streamed responses are read event by event with net/http, whatever
	// the target's client.
	if spec.Target.Client == config.ClientHTTP1 && !spec.Scenario.IsStream() {
		if p.h1, err = newH1Plan(p, base); err != nil {
			return nil, fmt.Errorf("target url: %w", err)
		}
	}
	return p, nil
}

// userRequests is one virtual user's (or worker's) view of the plan, with
// its own buffers and random source.
type userRequests struct {
	plan *requestPlan
	user int
	iter int
	rnd  *rand.Rand
	data config.TemplateData
	body bytes.Buffer
	path bytes.Buffer
	hdr  bytes.Buffer
	rd   bytes.Reader
	// trace makes each request's traceparent ids; nil when off.
	trace *tracer
	// whole is this user's copy of the HTTP/1.1 client's static request,
	// its traceparent patched per request (h1request.go).
	whole []byte

	// The current request, rendered by prepare: its URL, its body (nil
	// when the request has none) and the values of the templated headers
	// (in plan.tmpl.Headers order).
	url      string
	bodyData []byte
	hdrVals  []string
}

// render returns a template's text for the current request; static
// templates cost nothing.
func (u *userRequests) render(t *config.Template, buf *bytes.Buffer) (string, error) {
	if s, ok := t.Static(); ok {
		return s, nil
	}
	buf.Reset()
	if err := t.Execute(buf, &u.data); err != nil {
		return "", err
	}
	return buf.String(), nil
}

func (p *requestPlan) forUser(user int) *userRequests {
	u := &userRequests{plan: p, user: user, hdrVals: make([]string, len(p.tmpl.Headers)), trace: newTracer(p.trace)}
	if p.random {
		u.rnd = rand.New(rand.NewPCG(uint64(p.seed), uint64(user)))
	}
	return u
}

// errHeaderValue is a templated header value that HTTP cannot carry.
var errHeaderValue = &DisallowedError{Reason: "a rendered header value holds a control character"}

// prepare renders the user's next request (URL, body, templated header
// values) for either client.
func (u *userRequests) prepare() error {
	p := u.plan
	if u.trace != nil {
		u.trace.next()
	}
	n := p.seq.Add(1) - 1
	u.data = config.TemplateData{
		User: u.user, Iteration: u.iter, Request: int(n),
		RunID: p.runID, Scenario: p.name, Suite: p.suite,
	}
	u.iter++
	if len(p.queries) > 0 {
		if u.rnd != nil {
			u.data.Query = p.queries[u.rnd.IntN(len(p.queries))]
		} else {
			u.data.Query = p.queries[int(n%int64(len(p.queries)))]
		}
	}
	u.url = p.staticURL
	if u.url == "" {
		path, err := u.render(p.tmpl.Path, &u.path)
		if err != nil {
			return err
		}
		// Only a path and query may come from a template: one that does
		// not start with a single "/" could name another host
		// ("@host/", "//host/", "http://host/"), and one with a space
		// would make an invalid request line. Checked without
		// allocating; refused under the kind "disallowed".
		if msg := config.CheckRequestTarget(path); msg != "" {
			return &DisallowedError{Reason: "rendered request.path " + msg}
		}
		u.url = p.base + path
	}
	u.bodyData = nil
	if p.tmpl.Body != nil {
		u.body.Reset()
		if err := p.tmpl.Body.Execute(&u.body, &u.data); err != nil {
			return err
		}
		u.bodyData = u.body.Bytes()
	}
	for i, h := range p.tmpl.Headers {
		v, err := u.render(h.Value, &u.hdr)
		if err != nil {
			return err
		}
		// The rule validate applied to user 0's rendering; "" when valid
		// (no allocation).
		if config.CheckHeaderValue(v) != "" {
			return errHeaderValue
		}
		// The header buffer is reused by the next header: keep a copy
		// unless the value is static.
		if _, static := h.Value.Static(); !static {
			v = strings.Clone(v)
		}
		u.hdrVals[i] = v
	}
	return nil
}

// next builds the user's next request for the net/http client.
func (u *userRequests) next(ctx context.Context) (*http.Request, error) {
	if err := u.prepare(); err != nil {
		return nil, err
	}
	p := u.plan
	var body io.Reader
	if u.bodyData != nil {
		u.rd.Reset(u.bodyData)
		body = &u.rd
	}
	req, err := http.NewRequestWithContext(ctx, p.method, u.url, body)
	if err != nil {
		return nil, err
	}
	if req.URL.Scheme != p.scheme || req.URL.Host != p.host {
		// Cannot happen after CheckRequestTarget; checked where the
		// request is made all the same.
		return nil, errAuthority
	}
	// Cloning the shared header map costs one allocation but keeps the
	// transport free to mutate its own copy.
	req.Header = p.headers.Clone()
	for i, h := range p.tmpl.Headers {
		req.Header.Set(h.Name, u.hdrVals[i])
	}
	if u.trace != nil {
		// The clone's own slot: no new value slice.
		req.Header[traceparentKey][0] = u.trace.value()
	}
	return req, nil
}
