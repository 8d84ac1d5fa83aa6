package config

import (
	"fmt"
	"strconv"
	"strings"
)

// validateRequest checks the method, query order and templates. Each
// template is parsed, then executed for user 0 with every listed query
// (or once without queries), and every rendering must make a valid
// request: a path and query a URL allows, header values without control
// characters. Templates that depend on .User, .Iteration or .Request can
// still render something else later; the engine checks every request
// again before it sends it (and refuses it under the error kind
// "disallowed").
func (p *problems) validateRequest(path string, sc *Scenario, su *Suite) {
	r := &sc.Request
	if !isToken(r.Method) {
		p.addf(path+".method", "must be an HTTP method such as GET or POST (an RFC 9110 token), got %q", r.Method)
	}
	if r.QueryOrder != QueryOrderSequential && r.QueryOrder != QueryOrderRandom {
		p.addf(path+".query_order", "must be %q or %q, got %q", QueryOrderSequential, QueryOrderRandom, r.QueryOrder)
	}
	queries := r.Queries
	if len(queries) == 0 {
		queries = []string{""}
	}
	sample := func(i int) *TemplateData {
		return &TemplateData{RunID: "20060102T150405Z-abcdef", Scenario: sc.Name, Suite: su.Name, Query: queries[i], Request: i}
	}
	// forQuery names the query a rendering used, when there is a list.
	forQuery := func(i int, secret bool) string {
		switch {
		case len(r.Queries) == 0:
			return ""
		case secret:
			return fmt.Sprintf(" for queries[%d]", i)
		}
		return fmt.Sprintf(" for queries[%d] %s", i, strconv.Quote(r.Queries[i]))
	}
	// render executes key's template for every query and returns the
	// first problem check finds in a rendering ("" when none).
	render := func(key, text string, secret bool, check func(string) string) {
		t, err := compileTemplate(key, text)
		if err != nil {
			p.addf(path+"."+key, "bad template: %s", trimPrefix(err.Error(), key))
			return
		}
		var b strings.Builder
		for i := range queries {
			b.Reset()
			if err := t.Execute(&b, sample(i)); err != nil {
				p.addf(path+"."+key, "template fails%s: %s", forQuery(i, secret), trimTemplateErr(err))
				return
			}
			if check == nil {
				continue
			}
			if msg := check(b.String()); msg != "" {
				if secret {
					p.addf(path+"."+key, "renders an invalid value%s: %s", forQuery(i, secret), msg)
				} else {
					p.addf(path+"."+key, "renders %q%s: %s", b.String(), forQuery(i, secret), msg)
				}
				return
			}
			if _, static := t.Static(); static {
				return // the same text for every query
			}
		}
	}
	render("path", r.Path, false, CheckRequestTarget)
	for _, n := range sortedKeys(r.Headers) {
		if !isToken(n) {
			p.addf(path+".headers."+n, "header name must be an HTTP token (letters, digits and !#$%%&'*+-.^_`|~)")
			continue
		}
		render("headers."+n, r.Headers[n], IsSecret(n), CheckHeaderValue)
	}
	render("body", r.Body, false, nil)
}

// CheckHeaderValue reports what is wrong with a header value, or "":
// RFC 9110 allows visible characters, spaces and tabs, nothing else below
// 0x20 and no DEL. The engine checks rendered header values with it too.
func CheckHeaderValue(v string) string {
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < ' ' && c != '\t') || c == 0x7f {
			return fmt.Sprintf("header value has %s at byte %d (CR, LF, NUL and other control characters are not allowed)", describeByte(c), i)
		}
	}
	return ""
}
