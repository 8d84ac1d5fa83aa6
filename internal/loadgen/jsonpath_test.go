package loadgen

import (
	"net/http"
	"strings"
	"testing"

	"github.com/loadcron/loadcron/internal/config"
	"github.com/loadcron/loadcron/internal/result"
)

func TestJSONLookup(t *testing.T) {
	tests := []struct {
		name  string
		body  string
		path  string
		want  string
		found bool
	}{
		// the chat API's shape: a top-level boolean
		{"top-level true", `{"reply":"x","cached":true}`, "cached", "true", true},
		// whitespace everywhere
		{"spaces", " {\n \"cached\" :\tfalse } ", "cached", "false", true},
		// nested object path
		{"nested", `{"meta":{"cache":{"hit":true}},"cached":false}`, "meta.cache.hit", "true", true},
		// sibling values of every type are skipped
		{"skip siblings", `{"a":[1,{"cached":1}],"b":"c\"ached","c":null,"d":{"x":[]},"cached":true}`, "cached", "true", true},
		// a key inside a nested object is not a top-level match
		{"not top-level", `{"meta":{"cached":true}}`, "cached", "", false},
		// missing key
		{"missing", `{"reply":"x"}`, "cached", "", false},
		// path through a non-object
		{"through scalar", `{"meta":3}`, "meta.cached", "", false},
		// arrays are not objects
		{"array body", `[{"cached":true}]`, "cached", "", false},
		// string value returned raw, quotes included
		{"string value", `{"cached":"yes"}`, "cached", `"yes"`, true},
		// garbage and truncated bodies never panic
		{"garbage", `<html>oops</html>`, "cached", "", false},
		{"truncated", `{"reply":"abc`, "cached", "", false},
		{"truncated value", `{"cached":`, "cached", "", false},
		{"empty", ``, "cached", "", false},
		{"escaped key", `{"cach\"ed":true}`, "cached", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := jsonLookup([]byte(tt.body), strings.Split(tt.path, "."))
			if ok != tt.found || string(got) != tt.want {
				t.Errorf("jsonLookup(%q, %q) = %q, %v; want %q, %v", tt.body, tt.path, got, ok, tt.want, tt.found)
			}
		})
	}
}

func TestCacheSignal(t *testing.T) {
	tests := []struct {
		name   string
		signal config.CacheSignal
		header http.Header
		body   string
		want   result.Cache
	}{
		// JSON field true / false
		{"json hit", config.CacheSignal{JSONField: "cached"}, nil, `{"cached":true}`, result.CacheHit},
		{"json miss", config.CacheSignal{JSONField: "cached"}, nil, `{"cached":false}`, result.CacheMiss},
		// nested JSON field
		{"json nested", config.CacheSignal{JSONField: "meta.cached"}, nil, `{"meta":{"cached":true}}`, result.CacheHit},
		// missing field and no header configured
		{"json missing", config.CacheSignal{JSONField: "cached"}, nil, `{"reply":"x"}`, result.CacheUnknown},
		// non-boolean values do not count as a signal
		{"json string", config.CacheSignal{JSONField: "cached"}, nil, `{"cached":"true"}`, result.CacheUnknown},
		{"json number", config.CacheSignal{JSONField: "cached"}, nil, `{"cached":1}`, result.CacheUnknown},
		{"json null", config.CacheSignal{JSONField: "cached"}, nil, `{"cached":null}`, result.CacheUnknown},
		// garbage body
		{"garbage", config.CacheSignal{JSONField: "cached"}, nil, "\x00\xff{{{", result.CacheUnknown},
		// header match, case-insensitive value, default value HIT
		{"header hit", config.CacheSignal{Header: "X-Cache"}, http.Header{"X-Cache": {"hit"}}, "", result.CacheHit},
		{"header miss", config.CacheSignal{Header: "x-cache"}, http.Header{"X-Cache": {"MISS"}}, "", result.CacheMiss},
		{"header absent", config.CacheSignal{Header: "X-Cache"}, http.Header{}, "", result.CacheUnknown},
		{"header custom value", config.CacheSignal{Header: "X-Cache-Status", HeaderValue: "served-from-cache"}, http.Header{"X-Cache-Status": {"Served-From-Cache"}}, "", result.CacheHit},
		// JSON field wins over the header; header is the fallback
		{"json over header", config.CacheSignal{JSONField: "cached", Header: "X-Cache"}, http.Header{"X-Cache": {"HIT"}}, `{"cached":false}`, result.CacheMiss},
		{"header fallback", config.CacheSignal{JSONField: "cached", Header: "X-Cache"}, http.Header{"X-Cache": {"HIT"}}, `not json`, result.CacheHit},
		// no signal configured
		{"none", config.CacheSignal{}, http.Header{"X-Cache": {"HIT"}}, `{"cached":true}`, result.CacheUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := newInspector(&config.Target{CacheSignal: tt.signal}, &config.Checks{})
			if got := in.cache(tt.header, []byte(tt.body)); got != tt.want {
				t.Errorf("cache = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestChecks(t *testing.T) {
	tests := []struct {
		name   string
		checks config.Checks
		code   int
		body   string
		want   result.Kind
	}{
		// default: any 2xx
		{"2xx ok", config.Checks{}, 204, "", result.KindNone},
		{"4xx", config.Checks{}, 404, "", result.KindHTTP4xx},
		{"5xx", config.Checks{}, 503, "", result.KindHTTP5xx},
		// a 3xx that is not accepted is a check failure (no redirects followed)
		{"3xx", config.Checks{}, 302, "", result.KindCheck},
		// an explicitly accepted 404
		{"accepted 404", config.Checks{Status: []int{200, 404}}, 404, "", result.KindNone},
		// a 200 not in an explicit list
		{"200 not listed", config.Checks{Status: []int{201}}, 200, "", result.KindCheck},
		// json_field must exist and be non-null
		{"json ok", config.Checks{JSONField: "reply"}, 200, `{"reply":"hi"}`, result.KindNone},
		{"json missing", config.Checks{JSONField: "reply"}, 200, `{"error":"x"}`, result.KindCheck},
		{"json null", config.Checks{JSONField: "reply"}, 200, `{"reply":null}`, result.KindCheck},
		// substring
		{"contains", config.Checks{BodyContains: "ok"}, 200, `all ok`, result.KindNone},
		{"not contains", config.Checks{BodyContains: "ok"}, 200, `nope`, result.KindCheck},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := newInspector(&config.Target{}, &tt.checks)
			got, check, expect := in.check(tt.code, []byte(tt.body))
			if got != tt.want {
				t.Errorf("check = %v, want %v", got, tt.want)
			}
			if (got == result.KindNone) != (check == result.CheckNone && expect == "") {
				t.Errorf("kind %v with check %v expecting %q", got, check, expect)
			}
		})
	}
}

func BenchmarkInspect(b *testing.B) {
	in := newInspector(&config.Target{CacheSignal: config.CacheSignal{JSONField: "cached"}}, &config.Checks{JSONField: "reply"})
	body := []byte(`{"reply":"Our refund policy allows returns within 30 days.","conversation_id":"c-1","cached":true,"latency_ms":2}`)
	b.ReportAllocs()
	for b.Loop() {
		if k, _, _ := in.check(200, body); k != result.KindNone || in.cache(nil, body) != result.CacheHit {
			b.Fatal("wrong")
		}
	}
}
