package config

import (
	"strings"
	"testing"
)

// TestCompile checks static and templated parts of a compiled request.
func TestCompile(t *testing.T) {
	r := &Request{
		Method:     "POST",
		Path:       "/u/{{.User}}/i/{{.Iteration}}?q={{urlquery .Query}}",
		Headers:    map[string]string{"X-Static": "v", "X-Run": "{{.RunID}}-{{.Request}}"},
		Body:       `{"q": {{json .Query}}, "s": {{json .Scenario}}, "suite": "{{.Suite}}"}`,
		Queries:    []string{"a"},
		QueryOrder: QueryOrderRandom,
		Seed:       7,
	}
	c, err := r.Compile()
	if err != nil {
		t.Fatal(err)
	}
	d := &TemplateData{User: 2, Iteration: 3, Request: 9, RunID: "r", Query: `a "b" & c`, Scenario: "S<1>", Suite: "chat"}
	exec := func(tm *Template) string {
		var b strings.Builder
		if err := tm.Execute(&b, d); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	tests := []struct {
		name, got, want string
	}{
		{"path", exec(c.Path), "/u/2/i/3?q=a+%22b%22+%26+c"},                            // urlquery builtin
		{"header order", c.Headers[0].Name + "," + c.Headers[1].Name, "X-Run,X-Static"}, // sorted by name
		{"header value", exec(c.Headers[0].Value), "r-9"},                               // templated header
		{"body", exec(c.Body), `{"q": "a \"b\" & c", "s": "S<1>", "suite": "chat"}`},    // json, no HTML escaping
		{"static", exec(c.Headers[1].Value), "v"},                                       // static text
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %q, want %q", tt.name, tt.got, tt.want)
		}
	}
	if s, ok := c.Headers[1].Value.Static(); !ok || s != "v" {
		t.Errorf("Static() = %q, %t; want v, true", s, ok)
	}
	if _, ok := c.Path.Static(); ok {
		t.Errorf("templated path reported static")
	}
	if c.Method != "POST" || !c.Random || c.Seed != 7 || len(c.Queries) != 1 {
		t.Errorf("compiled = %+v", c)
	}
	if c2, _ := (&Request{Path: "/"}).Compile(); c2.Body != nil {
		t.Errorf("empty body compiled to %v, want nil", c2.Body)
	}
}

// TestCompileErrors checks the messages for templates that do not parse.
func TestCompileErrors(t *testing.T) {
	tests := []struct {
		name string
		req  Request
		want string
	}{
		// unclosed action in the path
		{"path", Request{Path: "/{{.User"}, "path: bad template: line 1: unclosed action"},
		// an unknown function in a header
		{"header", Request{Headers: map[string]string{"X-A": "{{nope .Query}}"}}, `headers.X-A: bad template: line 1: function "nope" not defined`},
		// a bad body on line 2
		{"body", Request{Body: "{\n{{end}}"}, "body: bad template: line 2: unexpected {{end}}"},
	}
	for _, tt := range tests {
		if _, err := tt.req.Compile(); err == nil || err.Error() != tt.want {
			t.Errorf("%s: error = %v, want %s", tt.name, err, tt.want)
		}
	}
}
