package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strings"
	"text/template"
)

// TemplateData is what request templates (path, header values, body) see,
// fresh for each request.
type TemplateData struct {
	// User is the virtual user's index from 0 (the worker in the open model).
	User int
	// Iteration counts the user's own requests from 0.
	Iteration int
	// Request counts the scenario's requests from 0.
	Request int
	// RunID identifies the suite run.
	RunID string
	// Query is the query picked from request.queries for this request.
	Query string
	// Scenario and Suite are the names from config.
	Scenario string
	Suite    string
}

// Template is one compiled request template. A template without actions
// is static: Static returns its text and the engine can skip executing it.
type Template struct {
	text string
	tmpl *template.Template // nil when static
}

// Static returns the template's text and true when it has no actions.
func (t *Template) Static() (string, bool) { return t.text, t.tmpl == nil }

// String returns the template source.
func (t *Template) String() string { return t.text }

// Execute writes the template for d to w. It is safe for concurrent use.
func (t *Template) Execute(w io.Writer, d *TemplateData) error {
	if t.tmpl == nil {
		_, err := io.WriteString(w, t.text)
		return err
	}
	return t.tmpl.Execute(w, d)
}

// Header is a request header whose value is a template.
type Header struct {
	Name  string
	Value *Template
}

// CompiledRequest is a Request with its templates parsed once, so the
// engine executes them per request without re-parsing.
type CompiledRequest struct {
	// Method is the HTTP method (defaults applied).
	Method string
	// Path is appended to the target URL.
	Path *Template
	// Headers are sorted by name.
	Headers []Header
	// Body is nil when the request has no body.
	Body *Template
	// Queries, Random and Seed say how .Query is picked: Queries[n mod
	// len] for the scenario's n-th request, or at random from a source
	// seeded with Seed.
	Queries []string
	Random  bool
	Seed    int64
}

// templateFuncs are the functions request templates may call besides Go's
// builtins (urlquery escapes a query value): json encodes its argument as
// JSON ({{json .Query}} gives a quoted, escaped string), so bodies can
// embed queries safely; pathescape escapes one path segment
// (url.PathEscape: "red shoes" → "red%20shoes", "/" → "%2F").
var templateFuncs = template.FuncMap{"json": jsonFunc, "pathescape": url.PathEscape}

// jsonFunc encodes v as JSON without HTML escaping.
func jsonFunc(v any) (string, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}

// Compile parses the request's templates. Errors name the field
// ("path", "headers.X-Id", "body") and are not key-path prefixed.
func (r *Request) Compile() (*CompiledRequest, error) {
	c := &CompiledRequest{
		Method:  r.Method,
		Queries: r.Queries,
		Random:  r.QueryOrder == QueryOrderRandom,
		Seed:    r.Seed,
	}
	var err error
	if c.Path, err = compileTemplate("path", r.Path); err != nil {
		return nil, err
	}
	for _, name := range sortedKeys(r.Headers) {
		v, err := compileTemplate("headers."+name, r.Headers[name])
		if err != nil {
			return nil, err
		}
		c.Headers = append(c.Headers, Header{Name: name, Value: v})
	}
	if r.Body != "" {
		if c.Body, err = compileTemplate("body", r.Body); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// compileTemplate parses text; it is static when it holds no "{{".
func compileTemplate(name, text string) (*Template, error) {
	if !strings.Contains(text, "{{") {
		return &Template{text: text}, nil
	}
	t, err := template.New(name).Funcs(templateFuncs).Option("missingkey=error").Parse(text)
	if err != nil {
		return nil, fmt.Errorf("%s: bad template: %s", name, trimTemplateErr(err))
	}
	return &Template{text: text, tmpl: t}, nil
}

// trimTemplateErr turns text/template's `template: NAME:1:14: executing
// "NAME" at <.X>: …` into `line 1: at <.X>: …`: the name repeats the key
// path the caller already prints.
func trimTemplateErr(err error) string {
	msg := err.Error()
	rest, ok := strings.CutPrefix(msg, "template: ")
	if !ok {
		return msg
	}
	i := strings.Index(rest, ":")
	if i < 0 {
		return msg
	}
	rest = rest[i+1:] // "1:14: executing ..." or "1: function ..."
	line, rest, _ := strings.Cut(rest, ":")
	if col, after, ok := strings.Cut(rest, ":"); ok && isDigits(col) {
		rest = after
	}
	rest = strings.TrimSpace(rest)
	if strings.HasPrefix(rest, "executing ") {
		if j := strings.Index(rest, " at <"); j >= 0 {
			rest = rest[j+1:]
		}
	}
	return "line " + line + ": " + rest
}

// isDigits reports whether s is a non-empty run of ASCII digits.
func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}
