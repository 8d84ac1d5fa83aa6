package loadgen

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/loadcron/loadcron/internal/config"
)

// requestPlan renders the requests of one scenario. Templates are compiled
// by config and executed per request into a per-user buffer; static parts
// (no template actions) are rendered once.
type requestPlan struct {
	method string
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
	method := tmpl.Method
	if method == "" {
		method = http.MethodGet
		if spec.Scenario.Request.Body != "" {
			method = http.MethodPost
		}
	}
	var staticURL string
	if path, ok := tmpl.Path.Static(); ok {
		staticURL = strings.TrimSuffix(spec.Target.URL, "/") + path
	}
	return &requestPlan{
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
	}, nil
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
	u := &userRequests{plan: p, user: user}
	if p.random {
		u.rnd = rand.New(rand.NewPCG(uint64(p.seed), uint64(user)))
	}
	return u
}

// next builds the user's next request.
func (u *userRequests) next(ctx context.Context) (*http.Request, error) {
	p := u.plan
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
	url := p.staticURL
	if url == "" {
		path, err := u.render(p.tmpl.Path, &u.path)
		if err != nil {
			return nil, err
		}
		url = p.base + path
	}
	var body io.Reader
	if p.tmpl.Body != nil {
		u.body.Reset()
		if err := p.tmpl.Body.Execute(&u.body, &u.data); err != nil {
			return nil, err
		}
		u.rd.Reset(u.body.Bytes())
		body = &u.rd
	}
	req, err := http.NewRequestWithContext(ctx, p.method, url, body)
	if err != nil {
		return nil, err
	}
	// Cloning the shared header map costs one allocation but keeps the
	// transport free to mutate its own copy.
	req.Header = p.headers.Clone()
	for _, h := range p.tmpl.Headers {
		v, err := u.render(h.Value, &u.hdr)
		if err != nil {
			return nil, err
		}
		req.Header.Set(h.Name, v)
	}
	return req, nil
}
