package config

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/go-viper/mapstructure/v2"
)

var durationType = reflect.TypeFor[time.Duration]()

// decodeInto checks raw (the merged koanf map) against the Config type,
// recording every unknown key, wrong type and bad duration in p, and then
// decodes what is left into cfg. Strings that came from the environment or
// overrides (p.sources) may spell numbers, booleans, durations and
// comma-separated lists; YAML values must have the right type.
func (p *problems) decodeInto(raw map[string]any, cfg *Config) {
	norm, _ := p.walk(reflect.TypeFor[Config](), raw, "", "")
	p.decoded = len(p.list)
	m, _ := norm.(map[string]any)
	if m == nil {
		return
	}
	// The walk has normalised every value to the field's own type, so a
	// strict decoder (no weak typing, unused keys are errors) must succeed;
	// an error here is a bug in walk, reported rather than hidden.
	dec, err := mapstructure.NewDecoder(&mapstructure.DecoderConfig{
		TagName:     "koanf",
		ErrorUnused: true,
		Result:      cfg,
	})
	if err == nil {
		err = dec.Decode(m)
	}
	if err != nil {
		p.addf("", "internal decode error: %v", err)
		p.decoded = len(p.list)
	}
}

// walk checks raw against type t at path (for messages) and key (the koanf
// key, for sources). It returns the normalised value and false when raw
// must be left out (null, or an error was recorded).
func (p *problems) walk(t reflect.Type, raw any, path, key string) (any, bool) {
	if raw == nil {
		return nil, false // YAML null: leave the field unset
	}
	_, fromText := p.sources[key]
	s, isString := raw.(string)
	fromText = fromText && isString

	switch {
	case t.Kind() == reflect.Pointer:
		return p.walk(t.Elem(), raw, path, key)
	case t == durationType:
		switch v := raw.(type) {
		case time.Duration:
			return v, true
		case string:
			if d, err := time.ParseDuration(strings.TrimSpace(v)); err == nil {
				return d, true
			}
		}
		return p.wrong(path, key, `must be a duration such as "3s" or "1m30s"`, raw)
	case t.Kind() == reflect.Struct:
		return p.walkStruct(t, raw, path, key)
	case t.Kind() == reflect.Map:
		m, ok := raw.(map[string]any)
		if !ok {
			return p.wrong(path, key, "must be a map", raw)
		}
		out := make(map[string]any, len(m))
		for _, k := range sortedKeys(m) {
			v, ok := p.walk(t.Elem(), m[k], join(path, k), join(key, k))
			if !ok && deref(t.Elem()).Kind() == reflect.Struct {
				// Keep the name (targets.chat: null, or a bad value), so
				// references to it do not fail as well.
				v, ok = map[string]any{}, true
			}
			if ok {
				out[k] = v
			}
		}
		return out, true
	case t.Kind() == reflect.Slice:
		return p.walkSlice(t, raw, path, key, fromText)
	}

	if fromText {
		raw = parseText(t, s)
	}
	switch t.Kind() {
	case reflect.String:
		if isString {
			return s, true
		}
		return p.wrong(path, key, "must be a string", raw)
	case reflect.Bool:
		if b, ok := raw.(bool); ok {
			return b, true
		}
		return p.wrong(path, key, "must be true or false", raw)
	case reflect.Int, reflect.Int64:
		if n, ok := asInt(raw); ok {
			return reflect.ValueOf(n).Convert(t).Interface(), true
		}
		return p.wrong(path, key, "must be an integer", raw)
	case reflect.Float64:
		f, ok := asFloat(raw)
		switch {
		case !ok:
			return p.wrong(path, key, "must be a number", raw)
		case math.IsNaN(f) || math.IsInf(f, 0):
			// One rule for every float key: NaN compares false with
			// every limit, so it would switch range checks and caps off.
			return p.wrong(path, key, "must be a finite number", raw)
		}
		return f, true
	}
	p.addf(path, "unsupported field type %s", t)
	return nil, false
}

// walkStruct checks a map against the koanf-tagged fields of struct t.
func (p *problems) walkStruct(t reflect.Type, raw any, path, key string) (any, bool) {
	m, ok := raw.(map[string]any)
	if !ok {
		return p.wrong(path, key, "must be a map of keys", raw)
	}
	fields := make(map[string]reflect.Type, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		if tag := f.Tag.Get("koanf"); tag != "" && tag != "-" {
			fields[tag] = f.Type
		}
	}
	out := make(map[string]any, len(m))
	for _, k := range sortedKeys(m) {
		ft, known := fields[k]
		if !known {
			msg := "unknown key"
			if s := suggest(k, fields); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			}
			// The whole subtree is unknown: name a variable that set it.
			if src := p.sourceUnder(join(key, k)); src != "" {
				msg += " (from " + src + ")"
			}
			p.addAt(join(path, k), "", "%s", msg)
			continue
		}
		if v, ok := p.walk(ft, m[k], join(path, k), join(key, k)); ok {
			out[k] = v
			// Present keys are not defaulted: an explicit 0 is checked as
			// a 0, never silently replaced (see defaults.go).
			p.present[join(path, k)] = true
		}
	}
	return out, true
}

// walkSlice checks a list; text from the environment is split on commas.
func (p *problems) walkSlice(t reflect.Type, raw any, path, key string, fromText bool) (any, bool) {
	var items []any
	switch v := raw.(type) {
	case []any:
		items = v
	case string:
		if !fromText {
			return p.wrong(path, key, "must be a list", raw)
		}
		for part := range strings.SplitSeq(v, ",") {
			if part = strings.TrimSpace(part); part != "" {
				items = append(items, part)
			}
		}
	default:
		if rv := reflect.ValueOf(raw); rv.Kind() == reflect.Slice {
			// A typed override such as []string{"a", "b"}.
			for i := range rv.Len() {
				items = append(items, rv.Index(i).Interface())
			}
			break
		}
		if _, isMap := raw.(map[string]any); isMap && p.hasSourceUnder(key) {
			p.bad[path] = true
			p.addAt(path, "", "must be a list, got a map (a list cannot be indexed from LOADCRON_* variables; set it in the file, or as one comma-separated value) (from %s)", p.sourceUnder(key))
			return nil, false
		}
		return p.wrong(path, key, "must be a list", raw)
	}
	out := make([]any, 0, len(items))
	for i, item := range items {
		k := key + "." + strconv.Itoa(i)
		if fromText {
			// Each part of a comma-separated value inherits its source.
			p.sources[k] = p.sources[key]
		}
		v, ok := p.walk(t.Elem(), item, fmt.Sprintf("%s[%d]", path, i), k)
		if !ok {
			v = reflect.Zero(t.Elem()).Interface() // keep indexes stable
		}
		out = append(out, v)
	}
	return out, true
}

// deref returns the element type of pointer types.
func deref(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// wrong records a type error at path and marks the path bad. The value
// is shown unless the key may hold a secret (headers, tokens): errors
// reach logs and the /-/reload response.
func (p *problems) wrong(path, key, want string, raw any) (any, bool) {
	p.bad[path] = true
	got := describe(raw)
	if secretPath(path) {
		got = kindOf(raw)
	}
	p.addAt(path, key, "%s, got %s", want, got)
	return nil, false
}

// hasSourceUnder reports whether some key below key came from the
// environment or an override.
func (p *problems) hasSourceUnder(key string) bool {
	for k := range p.sources {
		if strings.HasPrefix(k, key+".") {
			return true
		}
	}
	return false
}

// sourceUnder names the first source (in key order) of key or a key below
// it, or "".
func (p *problems) sourceUnder(key string) string {
	for _, k := range sortedKeys(p.sources) {
		if k == key || strings.HasPrefix(k, key+".") {
			return p.sources[k]
		}
	}
	return ""
}

// parseText turns text from the environment into the scalar kind of t,
// leaving it a string when it does not parse (the caller then reports it).
func parseText(t reflect.Type, s string) any {
	s = strings.TrimSpace(s)
	switch t.Kind() {
	case reflect.Bool:
		if b, err := strconv.ParseBool(s); err == nil {
			return b
		}
	case reflect.Int, reflect.Int64:
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n
		}
	case reflect.Float64:
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return f
		}
	}
	return s
}

// asInt accepts the integer types a YAML parser or an override produces.
func asInt(raw any) (int64, bool) {
	switch v := raw.(type) {
	case int:
		return int64(v), true
	case int64:
		return v, true
	case int32:
		return int64(v), true
	case uint64:
		if v <= math.MaxInt64 {
			return int64(v), true
		}
	case uint:
		if uint64(v) <= math.MaxInt64 {
			return int64(v), true
		}
	}
	return 0, false
}

// asFloat accepts integers and floats.
func asFloat(raw any) (float64, bool) {
	if f, ok := raw.(float64); ok {
		return f, true
	}
	if f, ok := raw.(float32); ok {
		return float64(f), true
	}
	if n, ok := asInt(raw); ok {
		return float64(n), true
	}
	return 0, false
}

// describe names a raw value's YAML type and value for messages.
// secretPath reports whether a key path may hold a secret: any header
// value (targets' headers are all treated as secret, request headers by
// name) or a key whose name looks secret (token, password, …).
func secretPath(path string) bool {
	for _, part := range strings.Split(path, ".") {
		if part == "headers" || IsSecret(part) {
			return true
		}
	}
	return false
}

// kindOf names raw's type without its value.
func kindOf(raw any) string {
	switch raw.(type) {
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case float64, float32:
		return "a number"
	case []any:
		return "a list"
	case map[string]any:
		return "a map"
	}
	if _, ok := asInt(raw); ok {
		return "an integer"
	}
	return fmt.Sprintf("%T", raw)
}

func describe(raw any) string {
	switch v := raw.(type) {
	case string:
		return fmt.Sprintf("string %q", v)
	case bool:
		return fmt.Sprintf("boolean %t", v)
	case float64:
		return "number " + formatFloat(v)
	case float32:
		return "number " + formatFloat(float64(v))
	case []any:
		return "a list"
	case map[string]any:
		return "a map"
	case time.Duration:
		return fmt.Sprintf("duration %s", v)
	}
	if n, ok := asInt(raw); ok {
		return fmt.Sprintf("integer %d", n)
	}
	return fmt.Sprintf("%T", raw)
}

// formatFloat spells a float for messages; non-finite values use YAML's
// spelling (.nan, .inf, -.inf), the way a user would have written them.
func formatFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return ".nan"
	case math.IsInf(f, 1):
		return ".inf"
	case math.IsInf(f, -1):
		return "-.inf"
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// join appends a map key to a dotted path.
func join(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

// suggest returns the known key closest to k when it is a likely typo.
func suggest(k string, fields map[string]reflect.Type) string {
	best, bestDist := "", len(k)/3+2
	for _, f := range sortedKeys(fields) {
		if d := editDistance(k, f); d < bestDist {
			best, bestDist = f, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
