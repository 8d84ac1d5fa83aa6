package config

import (
	"fmt"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// numericKeys lists every numeric key of config/README.md with the value
// just over its documented range, whether an explicit zero is valid, and
// the model of the base scenario it is tried in. TestNumbersRule checks
// that this list and the README agree.
var numericKeys = map[string]struct {
	over   any
	zeroOK bool
	open   bool // try it in an open-model scenario
	stream bool // try it in a streamed scenario (request.stream: sse)
	list   bool // a list of integers: each value is tried as a one-item list
}{
	"targets.chat.timeout":                                    {over: "31m"},
	"targets.chat.max_body_bytes":                             {over: 1 << 30},
	"targets.chat.health_check.timeout":                       {over: "31m"},
	"targets.chat.cost_per_uncached_request":                  {over: 2e6, zeroOK: true},
	"suites.chat.jitter":                                      {over: "25h", zeroOK: true},
	"suites.chat.scenarios[0].users":                          {over: 1001},
	"suites.chat.scenarios[0].requests_per_user":              {over: 100001, zeroOK: false},
	"suites.chat.scenarios[0].think_time":                     {over: "31m", zeroOK: true},
	"suites.chat.scenarios[0].ramp_up":                        {over: "31m"},
	"suites.chat.scenarios[0].rate":                           {over: 1001, open: true},
	"suites.chat.scenarios[0].max_in_flight":                  {over: 1001, open: true},
	"suites.chat.scenarios[0].duration":                       {over: "31m", open: true},
	"suites.chat.scenarios[0].request.seed":                   {over: nil, zeroOK: true},
	"suites.chat.scenarios[0].thresholds.min_success_rate":    {over: 1.01, zeroOK: true},
	"suites.chat.scenarios[0].thresholds.max_avg_latency":     {over: "25h"},
	"suites.chat.scenarios[0].thresholds.max_p95_latency":     {over: "25h"},
	"suites.chat.scenarios[0].thresholds.max_p99_latency":     {over: "25h"},
	"suites.chat.scenarios[0].thresholds.min_cache_hit_rate":  {over: 1.01, zeroOK: true},
	"suites.chat.scenarios[0].abort.max_error_ratio":          {over: 1.01, zeroOK: true},
	"suites.chat.scenarios[0].request.stream_idle_timeout":    {over: "31s", stream: true},
	"suites.chat.scenarios[0].thresholds.max_p95_first_event": {over: "25h", stream: true},
	"suites.chat.scenarios[0].thresholds.max_p95_event_gap":   {over: "25h", stream: true},
	"suites.chat.scenarios[0].abort.min_requests":             {over: 100001},
	"grades.excellent":                                        {over: "25h"},
	"grades.good":                                             {over: "25h"},
	"grades.acceptable":                                       {over: "25h"},
	"safety.max_users":                                        {over: 100001},
	"safety.max_rate":                                         {over: 100001},
	"safety.max_requests_per_run":                             {over: 100000001},
	"safety.max_run_duration":                                 {over: "25h"},
	"server.shutdown_grace":                                   {over: "2h"},
	"history.max_runs":                                        {over: 100001},
	"history.max_age":                                         {over: "8761h"},
	"targets.chat.health_check.expect_status":                 {over: 600, list: true},
	"suites.chat.scenarios[0].checks.status":                  {over: 600, list: true},
}

// readmeNumericKeys returns the full key paths of config/README.md's key
// tables whose type is int, number, ratio or duration.
func readmeNumericKeys(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("../../config/README.md")
	if err != nil {
		t.Fatal(err)
	}
	prefixes := map[string]string{
		"targets.<name>": "targets.chat.", "suites.<name>": "suites.chat.",
		"suites.<name>.scenarios[i]": "suites.chat.scenarios[0].",
		"grades":                     "grades.", "safety": "safety.", "server": "server.", "history": "history.",
	}
	heading := regexp.MustCompile("^### `([^`]+)`")
	row := regexp.MustCompile("^\\| `([a-z_.]+)` \\| (\\[?[a-z]+\\]?) \\|")
	var keys []string
	prefix := ""
	for line := range strings.SplitSeq(string(b), "\n") {
		if m := heading.FindStringSubmatch(line); m != nil {
			prefix = prefixes[m[1]]
			continue
		}
		if m := row.FindStringSubmatch(line); m != nil && prefix != "" {
			switch m[2] {
			case "int", "number", "ratio", "duration", "[int]":
				keys = append(keys, prefix+m[1])
			}
		}
	}
	return keys
}

// numbersBase is a valid config; the key under test is set into it.
func numbersBase(open bool) map[string]any {
	sc := map[string]any{"name": "a", "target": "chat", "users": 1, "requests_per_user": 1}
	if open {
		sc = map[string]any{"name": "a", "target": "chat", "rate": 10, "duration": "1s"}
	}
	return map[string]any{
		"targets": map[string]any{"chat": map[string]any{"url": "http://127.0.0.1:8003"}},
		"suites":  map[string]any{"chat": map[string]any{"scenarios": []any{sc}}},
	}
}

// setPath sets a dotted key path (with "[0]" list indexes) in m.
func setPath(m map[string]any, path string, v any) {
	parts := strings.Split(path, ".")
	cur := m
	for _, p := range parts[:len(parts)-1] {
		name, idx, isList := strings.Cut(p, "[")
		if isList {
			i, _ := strconv.Atoi(strings.TrimSuffix(idx, "]"))
			cur = cur[name].([]any)[i].(map[string]any)
			continue
		}
		next, ok := cur[name].(map[string]any)
		if !ok {
			next = map[string]any{}
			cur[name] = next
		}
		cur = next
	}
	cur[parts[len(parts)-1]] = v
}

// TestNumbersRule sets every numeric key of config/README.md, in YAML, to
// NaN, +Inf, -Inf, a negative value, zero and a value over its documented
// range, and checks that each is refused with a message naming the key
// path and the value (zero is accepted exactly where it is documented).
func TestNumbersRule(t *testing.T) {
	readme := readmeNumericKeys(t)
	if len(readme) < 20 {
		t.Fatalf("found only %d numeric keys in config/README.md: did the tables change shape?", len(readme))
	}
	for _, k := range readme {
		if _, ok := numericKeys[k]; !ok {
			t.Errorf("config/README.md documents numeric key %s; add it to numericKeys", k)
		}
	}
	isDur := func(k string) bool { _, s := numericKeys[k].over.(string); return s }
	for _, key := range sortedKeys(numericKeys) {
		spec := numericKeys[key]
		type try struct {
			name  string
			value any
			ok    bool
			shown string // what the message must show of the value
		}
		neg, zero := any(-1), any(0)
		if isDur(key) {
			neg, zero = "-1s", "0s"
		}
		tries := []try{
			{"nan", math.NaN(), false, ".nan"},
			{"+inf", math.Inf(1), false, ".inf"},
			{"-inf", math.Inf(-1), false, "-.inf"},
			{"negative", neg, key == "suites.chat.scenarios[0].request.seed", "-1"},
			{"zero", zero, spec.zeroOK, "0"},
		}
		if spec.over != nil {
			tries = append(tries, try{"over", spec.over, false, fmt.Sprint(spec.over)})
		}
		for _, tr := range tries {
			t.Run(key+"="+tr.name, func(t *testing.T) {
				m := numbersBase(spec.open)
				if spec.stream {
					setPath(m, "suites.chat.scenarios[0].request.stream", "sse")
				}
				v := tr.value
				if spec.list {
					v = []any{v}
				}
				setPath(m, key, v)
				if key == "suites.chat.scenarios[0].requests_per_user" && tr.name == "zero" {
					// zero is valid only with a duration; without one it is refused
					tr.ok = false
				}
				data, err := yaml.Marshal(m)
				if err != nil {
					t.Fatal(err)
				}
				_, err = Parse(data, "n.yaml", LoadOptions{})
				switch {
				case tr.ok && err != nil:
					t.Fatalf("%s: %v rejected: %v\n%s", key, tr.value, err, data)
				case tr.ok:
					return
				case err == nil:
					t.Fatalf("%s: %v accepted\n%s", key, tr.value, data)
				}
				msg := err.Error()
				named := key
				if spec.list {
					named += "[0]"
				}
				if !strings.Contains(msg, "n.yaml: "+named+": ") {
					t.Errorf("%s=%v: the message does not name the key:\n%s", key, tr.value, msg)
				}
				if !strings.Contains(msg, tr.shown) {
					t.Errorf("%s=%v: the message does not show the value %q:\n%s", key, tr.value, tr.shown, msg)
				}
			})
		}
	}
}
