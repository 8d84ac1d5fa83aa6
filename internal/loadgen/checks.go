package loadgen

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"

	"github.com/loadcron/loadcron/internal/config"
	"github.com/loadcron/loadcron/internal/result"
)

// inspector decides, per response, whether it passed the scenario's checks
// and what the target's cache-hit signal said. Built once per scenario; its
// methods do not allocate.
type inspector struct {
	status       []int // accepted codes; empty means any 2xx
	jsonField    []string
	bodyContains []byte

	cacheField  []string
	cacheHeader string
	cacheValue  string
	cacheValueB []byte

	// What each check expects, as a failure's cause shows it; built once
	// so a failed check costs no formatting here.
	statusExpect, jsonFieldExpect, bodyContainsExpect string
}

func newInspector(t *config.Target, c *config.Checks) *inspector {
	in := &inspector{
		status:      c.Status,
		cacheHeader: http.CanonicalHeaderKey(t.CacheSignal.Header),
		cacheValue:  t.CacheSignal.HeaderValue,
	}
	if c.JSONField != "" {
		in.jsonField = strings.Split(c.JSONField, ".")
	}
	if c.BodyContains != "" {
		in.bodyContains = []byte(c.BodyContains)
	}
	if t.CacheSignal.JSONField != "" {
		in.cacheField = strings.Split(t.CacheSignal.JSONField, ".")
	}
	if in.cacheValue == "" {
		in.cacheValue = "HIT"
	}
	in.cacheValueB = []byte(in.cacheValue)
	in.statusExpect = "2xx"
	if len(c.Status) > 0 {
		in.statusExpect = strings.ReplaceAll(fmt.Sprint(c.Status), " ", ", ")
	}
	in.jsonFieldExpect = c.JSONField
	in.bodyContainsExpect = c.BodyContains
	return in
}

// check returns KindNone when the response passes, else the failure kind,
// the check that failed and what it expected (a string built once).
func (in *inspector) check(code int, body []byte) (result.Kind, result.Check, string) {
	if !in.statusOK(code) {
		return statusKind(code), result.CheckStatus, in.statusExpect
	}
	if in.jsonField != nil {
		v, ok := jsonLookup(body, in.jsonField)
		if !ok || string(v) == "null" {
			return result.KindCheck, result.CheckJSONField, in.jsonFieldExpect
		}
	}
	if in.bodyContains != nil && !bytes.Contains(body, in.bodyContains) {
		return result.KindCheck, result.CheckBodyContains, in.bodyContainsExpect
	}
	return result.KindNone, result.CheckNone, ""
}

func (in *inspector) statusOK(code int) bool {
	if len(in.status) == 0 {
		return code >= 200 && code < 300
	}
	for _, s := range in.status {
		if s == code {
			return true
		}
	}
	return false
}

// cache reads the cache-hit signal: the JSON field first (true → hit,
// false → miss, anything else or absent → not decided), then the header.
func (in *inspector) cache(h http.Header, body []byte) result.Cache {
	if c := in.cacheBody(body); c != result.CacheUnknown {
		return c
	}
	if in.cacheHeader != "" {
		if vs, ok := h[in.cacheHeader]; ok && len(vs) > 0 {
			if strings.EqualFold(strings.TrimSpace(vs[0]), in.cacheValue) {
				return result.CacheHit
			}
			return result.CacheMiss
		}
	}
	return result.CacheUnknown
}

// cacheRaw is cache for the HTTP/1.1 client, which hands over the cache
// header's value (ok when the response had the header) instead of a map.
func (in *inspector) cacheRaw(value []byte, ok bool, body []byte) result.Cache {
	if c := in.cacheBody(body); c != result.CacheUnknown {
		return c
	}
	if in.cacheHeader != "" && ok {
		if bytes.EqualFold(bytes.TrimSpace(value), in.cacheValueB) {
			return result.CacheHit
		}
		return result.CacheMiss
	}
	return result.CacheUnknown
}

// cacheBody reads the JSON field of the cache signal.
func (in *inspector) cacheBody(body []byte) result.Cache {
	if in.cacheField != nil {
		if v, ok := jsonLookup(body, in.cacheField); ok {
			switch string(v) {
			case "true":
				return result.CacheHit
			case "false":
				return result.CacheMiss
			}
		}
	}
	return result.CacheUnknown
}
