package e2e

import (
	"fmt"
	"math"
	"os"
	"regexp"
	"time"

	"github.com/prometheus/common/model"
)

// The shipped rules (alerts/loadcron.rules.yml) are tuned for a suite that
// runs every 15 minutes: `for:` of 5–30 minutes, counter windows of an
// hour, a 6-hour throughput median, a 7-day latency baseline. The e2e runs
// its suite every 5 seconds, so it compresses time by
//
//	timeScale = 15m / 5s = 180
//
// and rewrites, mechanically and only, these durations of the rule file:
//
//   - the value of every `for:` key (rule pending time);
//   - the value of every `interval:` key (a group's evaluation interval);
//   - every duration inside `[...]` in PromQL: range-vector windows, and
//     both the range and the resolution of a subquery `[range:step]`;
//   - the duration after every `offset`.
//
// Each becomes d / timeScale rounded up to a whole second, at least 1s
// (5m → 2s, 15m → 5s, 30m → 10s, 1h → 20s, 6h → 2m, 1d → 8m, 7d → 56m).
// Everything else — expressions, numeric thresholds (including the
// seconds compared with time() in LoadcronRunsOverdue), labels,
// annotations — stays byte for byte as shipped. TestRuleTimingRewrite
// checks that the rewrite equals this transformation applied to the parsed
// PromQL of every rule.
const timeScale = 180

// durPattern is a Prometheus duration such as 5m, 1h30m or 7d.
const durPattern = `(?:[0-9]+(?:ms|[smhdwy]))+`

var (
	keyDuration    = regexp.MustCompile(`(?m)^(\s*(?:for|interval):[ \t]*)(` + durPattern + `)([ \t]*(?:#.*)?)$`)
	rangeDuration  = regexp.MustCompile(`\[(` + durPattern + `)(?::(` + durPattern + `)?)?\]`)
	offsetDuration = regexp.MustCompile(`\boffset(\s+)(` + durPattern + `)`)
)

// scaleDuration returns d / timeScale, rounded up to a whole second and at
// least 1s.
func scaleDuration(d time.Duration) time.Duration {
	s := math.Ceil(d.Seconds() / timeScale)
	return time.Duration(max(s, 1)) * time.Second
}

// scaleText scales a duration written in Prometheus syntax.
func scaleText(s string) (string, error) {
	d, err := model.ParseDuration(s)
	if err != nil {
		return "", err
	}
	return model.Duration(scaleDuration(time.Duration(d))).String(), nil
}

// rewriteRuleTiming returns the rule file text with its timing scaled down
// (see timeScale) and how many durations it rewrote.
func rewriteRuleTiming(text string) (string, int, error) {
	var firstErr error
	n := 0
	scale := func(s string) string {
		out, err := scaleText(s)
		if err != nil {
			if firstErr == nil {
				firstErr = fmt.Errorf("duration %q: %w", s, err)
			}
			return s
		}
		n++
		return out
	}
	text = keyDuration.ReplaceAllStringFunc(text, func(m string) string {
		g := keyDuration.FindStringSubmatch(m)
		return g[1] + scale(g[2]) + g[3]
	})
	text = rangeDuration.ReplaceAllStringFunc(text, func(m string) string {
		g := rangeDuration.FindStringSubmatch(m)
		out := "[" + scale(g[1])
		if len(m) > len(g[1])+2 { // a subquery: [range:] or [range:step]
			out += ":"
			if g[2] != "" {
				out += scale(g[2])
			}
		}
		return out + "]"
	})
	text = offsetDuration.ReplaceAllStringFunc(text, func(m string) string {
		g := offsetDuration.FindStringSubmatch(m)
		return "offset" + g[1] + scale(g[2])
	})
	return text, n, firstErr
}

// rewriteRuleFile writes the rewritten copy of the rule file src to dst.
func rewriteRuleFile(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	out, n, err := rewriteRuleTiming(string(b))
	if err != nil {
		return fmt.Errorf("%s: %w", src, err)
	}
	if n == 0 {
		return fmt.Errorf("%s: no duration to rewrite", src)
	}
	return os.WriteFile(dst, []byte(out), 0o644)
}
