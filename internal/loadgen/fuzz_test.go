package loadgen

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/loadcron/loadcron/internal/config"
)

// FuzzJSONLookup runs the allocation-free JSON path lookup that the
// json_field check and the cache signal use on arbitrary bodies and paths.
// It must never panic or read out of bounds; a value it finds in a valid
// document is itself valid JSON; and in a valid document without escapes
// or duplicate keys it agrees with encoding/json on whether the path
// exists.
func FuzzJSONLookup(f *testing.F) {
	f.Add([]byte(`{"cached": true, "reply": "hi"}`), "cached")
	f.Add([]byte(`{"meta": {"cached": false}, "x": [1, {"a": 2}]}`), "meta.cached")
	f.Add([]byte(`{"a": "\"}", "b": {"c": null}}`), "b.c")
	f.Add([]byte(`  {"a":1,"a":{"b":2}}`), "a.b")
	f.Add([]byte(`{"a": [`), "a")
	f.Add([]byte(`{"a": 1e999, "b": -0.0}`), "b")
	f.Add([]byte(`[{"a": 1}]`), "a")
	f.Fuzz(func(t *testing.T, body []byte, dotted string) {
		path := strings.Split(dotted, ".")
		v, found := jsonLookup(body, path)
		if found {
			if len(v) == 0 || !bytes.Contains(body, v) {
				t.Fatalf("found %q, not a part of the body", v)
			}
		}
		if !json.Valid(body) {
			return
		}
		if found && !json.Valid(v) {
			t.Fatalf("found %q in a valid document, not valid JSON", v)
		}
		// encoding/json unescapes keys and replaces invalid UTF-8 with
		// U+FFFD; jsonLookup compares raw bytes (config paths are plain
		// names). Compare only where the two must agree.
		if bytes.IndexByte(body, '\\') >= 0 || !utf8.Valid(body) || !utf8.ValidString(dotted) || hasDuplicateKeys(body) {
			return
		}
		var doc any
		if err := json.Unmarshal(body, &doc); err != nil {
			return
		}
		want := true
		for _, p := range path {
			m, ok := doc.(map[string]any)
			if !ok {
				want = false
				break
			}
			if doc, ok = m[p]; !ok {
				want = false
				break
			}
		}
		if dotted == "" {
			want = found // an empty path never matches; nothing to compare
		}
		if found != want {
			t.Fatalf("path %q in %s: found %v, encoding/json says %v", dotted, body, found, want)
		}
	})
}

// hasDuplicateKeys reports whether some object in the valid JSON document
// b repeats a key (encoding/json keeps the last, jsonLookup the first).
func hasDuplicateKeys(b []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(b))
	type frame struct {
		keys   map[string]bool
		object bool
		key    bool // the next string token is a key
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{':
				if top != nil && top.object {
					top.key = true
				}
				stack = append(stack, &frame{keys: map[string]bool{}, object: true, key: true})
				continue
			case '[':
				if top != nil && top.object {
					top.key = true
				}
				stack = append(stack, &frame{})
				continue
			default:
				stack = stack[:len(stack)-1]
				continue
			}
		case string:
			if top != nil && top.object && top.key {
				if top.keys[v] {
					return true
				}
				top.keys[v] = true
				top.key = false
				continue
			}
		}
		if top != nil && top.object {
			top.key = true
		}
	}
}

// FuzzRequestBuild renders arbitrary path and header templates with
// arbitrary queries into requests for both HTTP clients, without sending
// them. Whatever the templates render, a request that is built goes to the
// target's scheme, host and port, with a valid request line and header
// values; everything else is refused before it is built.
func FuzzRequestBuild(f *testing.F) {
	f.Add("/api/search?q={{urlquery .Query}}", "red shoes", "{{.Query}}")
	f.Add("{{.Query}}", "@127.0.0.2:9/x", "x")
	f.Add("{{.Query}}", "http://127.0.0.2:9/x", "")
	f.Add("{{.Query}}", "//127.0.0.2/x", "a\r\nX-Evil: 1")
	f.Add("/{{pathescape .Query}}", "a/b c", "{{json .Query}}")
	f.Add("/x?{{.Query}}", "a#b", "{{printf \"%s\" .Query}}")
	f.Add("/{{.Query}}", "%zz", "\x7f")
	f.Add("", "", "")
	f.Fuzz(func(t *testing.T, path, query, header string) {
		for _, client := range []string{config.ClientNetHTTP, config.ClientHTTP1} {
			tgt := &config.Target{Name: "t", URL: "http://127.0.0.1:1/base", Client: client, Timeout: 1, MaxBodyBytes: 1}
			sc := &config.Scenario{Name: "s", Target: "t", Users: 1, RequestsPerUser: 1, Request: config.Request{
				Method: "GET", Path: path, Queries: []string{query}, Headers: map[string]string{"X-Q": header},
			}}
			plan, err := newRequestPlan(&Spec{Suite: "s", RunID: "r", UserAgent: "ua", Target: tgt, Scenario: sc})
			if err != nil {
				continue // a template that does not compile, or a bad static path
			}
			u := plan.forUser(0)
			if client == config.ClientHTTP1 {
				b, err := u.appendH1(nil)
				if err != nil {
					continue
				}
				checkH1Request(t, b)
				continue
			}
			req, err := u.next(context.Background())
			if err != nil {
				continue
			}
			if req.URL.Scheme != "http" || req.URL.Host != "127.0.0.1:1" || !strings.HasPrefix(req.URL.Path, "/base") {
				t.Fatalf("path %q query %q: request to %s://%s%s", path, query, req.URL.Scheme, req.URL.Host, req.URL.Path)
			}
			if msg := config.CheckRequestTarget(req.URL.RequestURI()); msg != "" {
				t.Fatalf("request-target %q: %s", req.URL.RequestURI(), msg)
			}
			for _, vs := range req.Header {
				for _, v := range vs {
					if msg := config.CheckHeaderValue(v); msg != "" {
						t.Fatalf("header value %q: %s", v, msg)
					}
				}
			}
			// net/http must accept it as it is (no silent rewrite needed).
			var buf bytes.Buffer
			if err := req.Write(&buf); err != nil {
				t.Fatalf("net/http cannot write the request: %v", err)
			}
			checkH1Request(t, buf.Bytes())
		}
	})
}

// checkH1Request parses raw as an HTTP/1.1 request and checks that it
// is one request, for the target's host, with a valid request-target.
func checkH1Request(t *testing.T, raw []byte) {
	t.Helper()
	line, _, _ := bytes.Cut(raw, []byte("\r\n"))
	if n := bytes.Count(line, []byte(" ")); n != 2 {
		t.Fatalf("request line %q has %d spaces", line, n)
	}
	req, err := http.ReadRequest(newBufReader(raw))
	if err != nil {
		t.Fatalf("not a valid request: %v\n%q", err, raw)
	}
	if req.Host != "127.0.0.1:1" || !strings.HasPrefix(req.URL.Path, "/base") {
		t.Fatalf("request for host %q path %q", req.Host, req.URL.Path)
	}
	if msg := config.CheckRequestTarget(req.RequestURI); msg != "" {
		t.Fatalf("request-target %q: %s", req.RequestURI, msg)
	}
	_, _ = io.Copy(io.Discard, req.Body)
}

func newBufReader(b []byte) *bufio.Reader { return bufio.NewReader(bytes.NewReader(b)) }
