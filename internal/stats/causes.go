package stats

import (
	"bytes"
	"cmp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/loadcron/loadcron/internal/result"
)

// Bounds of the error causes kept per scenario run.
const (
	// MaxCauses is the most causes a Summary lists.
	MaxCauses = 10
	// MaxCauseBytes and MaxExampleBytes bound Cause.Cause and
	// Cause.Example (cut at a rune boundary, "…" appended).
	MaxCauseBytes   = 160
	MaxExampleBytes = 320
	// shardCauses is how many distinct causes one shard keeps; failures
	// of further causes are counted as omitted. Larger than MaxCauses so
	// that the top causes of the whole run are exact even when shards
	// see them in different orders.
	shardCauses = 32
	// redacted replaces secret values (config.RedactedValue; not imported
	// to keep stats free of config's redaction rules).
	redacted = "<redacted>"
)

// causeKey is what identifies a cause: its kind and its text.
type causeKey struct {
	kind result.Kind
	text string
}

// causeEntry is one cause counted by a shard.
type causeEntry struct {
	causeKey
	count   int64
	example string
}

// causeText builds the identifying text of a failure (see Cause). It runs
// only for failures, and allocates.
func (c *Collector) causeText(r *result.Result) string {
	var b strings.Builder
	switch r.Kind {
	case result.KindHTTP4xx, result.KindHTTP5xx:
		b.WriteString(strconv.Itoa(r.Code))
		b.WriteByte(' ')
		writeRequest(&b, r)
	case result.KindCheck:
		writeCheck(&b, r)
	case result.KindBody:
		if r.Err != nil {
			b.WriteString("body read: ")
			b.WriteString(normalizeError(r.Err.Error()))
		} else {
			b.WriteString("body over max_body_bytes ")
			b.WriteString(strconv.FormatInt(r.BodyLimit, 10))
		}
	default:
		if r.Err != nil {
			b.WriteString(normalizeError(r.Err.Error()))
		} else {
			b.WriteString(r.Kind.String())
		}
	}
	return truncate(c.redact(b.String()), MaxCauseBytes)
}

// causeExample builds the example of a new cause: the text plus the
// request, status, size and body start that make it concrete.
func (c *Collector) causeExample(r *result.Result, text string) string {
	var b strings.Builder
	b.WriteString(text)
	switch r.Kind {
	case result.KindHTTP4xx, result.KindHTTP5xx:
		// The text already names the request.
	case result.KindBody:
		b.WriteString(" — ")
		writeRequest(&b, r)
		b.WriteString(" → ")
		b.WriteString(strconv.Itoa(r.Code))
		b.WriteString(", ")
		b.WriteString(strconv.FormatInt(r.Bytes, 10))
		b.WriteString(" bytes read")
	default:
		if r.Method != "" || r.Path != "" {
			b.WriteString(" — ")
			writeRequest(&b, r)
			if r.Code != 0 {
				b.WriteString(" → ")
				b.WriteString(strconv.Itoa(r.Code))
			}
		}
	}
	if body := bytes.TrimSpace(r.Body[:min(len(r.Body), result.BodyExampleBytes)]); len(body) > 0 {
		b.WriteString(": ")
		writePrintable(&b, body)
	}
	return truncate(c.redact(b.String()), MaxExampleBytes)
}

// writeRequest writes "METHOD /path" (path without query, control
// characters escaped).
func writeRequest(b *strings.Builder, r *result.Result) {
	b.WriteString(r.Method)
	if r.Path != "" {
		b.WriteByte(' ')
		path, _, _ := strings.Cut(r.Path, "?") // the engine passes no query; be sure
		writePrintable(b, []byte(path))
	}
}

// writeCheck writes which check failed and what was found.
func writeCheck(b *strings.Builder, r *result.Result) {
	switch r.Check {
	case result.CheckStatus:
		b.WriteString("status ")
		b.WriteString(strconv.Itoa(r.Code))
		b.WriteString(" not in ")
		b.WriteString(r.Expect)
	case result.CheckJSONField:
		b.WriteString("json_field ")
		b.WriteString(r.Expect)
		b.WriteString(" missing")
	case result.CheckBodyContains:
		b.WriteString("body_contains ")
		b.WriteString(strconv.Quote(truncate(r.Expect, 60)))
		b.WriteString(" not found")
	case result.CheckTemplate:
		b.WriteString("request_template: ")
		if r.Err != nil {
			b.WriteString(r.Err.Error())
		}
	default:
		b.WriteString("check failed")
	}
}

// writePrintable writes p as text: invalid UTF-8 and control characters
// (newlines included) become U+FFFD and spaces, so an example stays one
// readable line whatever the target sent.
func writePrintable(b *strings.Builder, p []byte) {
	for len(p) > 0 {
		r, size := utf8.DecodeRune(p)
		switch {
		case r == utf8.RuneError && size <= 1:
			b.WriteRune(utf8.RuneError)
		case r < 0x20 || r == 0x7f:
			b.WriteByte(' ')
		default:
			b.Write(p[:size])
		}
		p = p[size:]
	}
}

// normalizeError removes what makes the same failure read differently on
// every request: the local side of a connection ("127.0.0.1:54321->" in
// "read tcp 127.0.0.1:54321->127.0.0.1:8003: …", an ephemeral port) and
// the query of any URL in the text.
func normalizeError(s string) string {
	for {
		i := strings.Index(s, "->")
		if i < 0 {
			break
		}
		start := strings.LastIndexByte(s[:i], ' ') + 1
		s = s[:start] + s[i+2:]
	}
	return stripQueries(s)
}

// stripQueries removes "?…" from every URL ("scheme://…") in s, up to the
// next space or quote.
func stripQueries(s string) string {
	from := 0
	for {
		i := strings.Index(s[from:], "://")
		if i < 0 {
			return s
		}
		i += from
		end := i + strings.IndexAny(s[i:]+" ", " \"'")
		if q := strings.IndexByte(s[i:end], '?'); q >= 0 {
			s = s[:i+q] + s[end:]
			end = i + q
		}
		from = end
	}
}

// truncate cuts s to at most n bytes at a rune boundary, marking the cut
// with "…".
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// redact replaces every secret value with <redacted>.
func (c *Collector) redact(s string) string {
	if c.secrets == nil {
		return s
	}
	return c.secrets.Replace(s)
}

// newSecretReplacer replaces each value (and, for "Scheme token" values
// such as "Bearer abc", the token alone) with <redacted>. Longer values go
// first so a secret that contains another is replaced whole.
func newSecretReplacer(values []string) *strings.Replacer {
	var olds []string
	for _, v := range values {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		olds = append(olds, v)
		if _, tok, ok := strings.Cut(v, " "); ok && strings.TrimSpace(tok) != "" {
			olds = append(olds, strings.TrimSpace(tok))
		}
	}
	if len(olds) == 0 {
		return nil
	}
	slices.SortFunc(olds, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	olds = slices.Compact(olds)
	pairs := make([]string, 0, 2*len(olds))
	for _, o := range olds {
		pairs = append(pairs, o, redacted)
	}
	return strings.NewReplacer(pairs...)
}

// recordCause counts a failure under its cause. It is called outside the
// shard's lock (building the text allocates) and takes it only to count.
// When the shard sees the cause for the first time it builds the example
// and, if the collector has not reported the cause yet, calls the
// OnNewCause hook.
func (s *shard) recordCause(c *Collector, r *result.Result) {
	key := causeKey{kind: r.Kind, text: c.causeText(r)}

	s.mu.Lock()
	if e := s.findCause(key); e != nil {
		e.count++
		s.mu.Unlock()
		return
	}
	full := len(s.causes) >= shardCauses
	if full {
		s.causesOmitted++
	}
	s.mu.Unlock()
	if full {
		return
	}

	example := c.causeExample(r, key.text)
	s.mu.Lock()
	if e := s.findCause(key); e != nil {
		// Another worker of this shard added it meanwhile.
		e.count++
		s.mu.Unlock()
		return
	}
	if len(s.causes) >= shardCauses {
		s.causesOmitted++
		s.mu.Unlock()
		return
	}
	s.causes = append(s.causes, causeEntry{causeKey: key, count: 1, example: example})
	s.mu.Unlock()

	c.reportNew(key, example)
}

func (s *shard) findCause(k causeKey) *causeEntry {
	for i := range s.causes {
		if s.causes[i].causeKey == k {
			return &s.causes[i]
		}
	}
	return nil
}

// reportNew calls the OnNewCause hook once per cause and collector, for
// at most MaxCauses causes (a target that fails in a new way on every
// request must not flood the log).
func (c *Collector) reportNew(k causeKey, example string) {
	if c.onNewCause == nil {
		return
	}
	c.seenMu.Lock()
	_, seen := c.seen[k]
	report := !seen && len(c.seen) < MaxCauses
	if report {
		c.seen[k] = struct{}{}
	}
	c.seenMu.Unlock()
	if report {
		c.onNewCause(Cause{Kind: k.kind.String(), Cause: k.text, Count: 1, Example: example})
	}
}

// mergeCauses sums the shards' causes (callers hold each shard's lock in
// turn and pass their entries) into the Summary's list: most frequent
// first (then by kind and text, for a stable order), at most MaxCauses;
// the rest is added to omitted.
func mergeCauses(all map[causeKey]*causeEntry, omitted int64) ([]Cause, int64) {
	if len(all) == 0 {
		return nil, omitted
	}
	list := make([]*causeEntry, 0, len(all))
	for _, e := range all {
		list = append(list, e)
	}
	slices.SortFunc(list, func(a, b *causeEntry) int {
		if c := cmp.Compare(b.count, a.count); c != 0 {
			return c
		}
		if c := cmp.Compare(a.kind, b.kind); c != 0 {
			return c
		}
		return cmp.Compare(a.text, b.text)
	})
	out := make([]Cause, 0, min(len(list), MaxCauses))
	for i, e := range list {
		if i >= MaxCauses {
			omitted += e.count
			continue
		}
		out = append(out, Cause{Kind: e.kind.String(), Cause: e.text, Count: e.count, Example: e.example})
	}
	return out, omitted
}
