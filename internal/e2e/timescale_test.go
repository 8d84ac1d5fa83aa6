package e2e

import (
	"fmt"
	"math"
	"os"
	"regexp"
	"time"

	"github.com/prometheus/common/model"
)

// The rules are tuned for a suite that runs every 15 minutes: `for: 2m` on
// up, a 7-day latency baseline evaluated every 5 minutes. An e2e stack
// runs its suites every few seconds, so it compresses time by
//
//	scale = 15m / schedule     (300 for the drills' 3s, 450 for the soak's 2s)
//
// and rewrites, mechanically and only, these durations of the rule file:
//
//   - the value of every `for:` key (rule pending time);
//   - the value of every `interval:` key (a group's evaluation interval);
//   - every duration inside `[...]` in PromQL: range-vector windows, and
//     both the range and the resolution of a subquery `[range:step]`;
//   - the duration after every `offset`.
//
// Each becomes d / scale rounded up to a whole second, at least 1s (at
// 300: 2m → 1s, 5m → 1s, 7d → 34m). Everything else — expressions,
// numeric thresholds (the schedule interval in LoadcronRunsOverdue is the
// generator's parameter, rendered for the stack's own schedule), labels,
// annotations — stays byte for byte as generated. TestRuleTimingRewrite
// checks that the rewrite equals this transformation applied to the parsed
// PromQL of every rule.

// scaleFor is the time compression of a stack whose suites run every
// schedule.
func scaleFor(schedule time.Duration) int {
	return int(15 * time.Minute / schedule)
}

// durPattern is a Prometheus duration such as 5m, 1h30m or 7d.
const durPattern = `(?:[0-9]+(?:ms|[smhdwy]))+`

var (
	keyDuration    = regexp.MustCompile(`(?m)^(\s*(?:for|interval):[ \t]*)(` + durPattern + `)([ \t]*(?:#.*)?)$`)
	rangeDuration  = regexp.MustCompile(`\[(` + durPattern + `)(?::(` + durPattern + `)?)?\]`)
	offsetDuration = regexp.MustCompile(`\boffset(\s+)(` + durPattern + `)`)
)

// scaleDuration returns d / scale, rounded up to a whole second and at
// least 1s.
func scaleDuration(d time.Duration, scale int) time.Duration {
	s := math.Ceil(d.Seconds() / float64(scale))
	return time.Duration(max(s, 1)) * time.Second
}

// scaleText scales a duration written in Prometheus syntax.
func scaleText(s string, by int) (string, error) {
	d, err := model.ParseDuration(s)
	if err != nil {
		return "", err
	}
	return model.Duration(scaleDuration(time.Duration(d), by)).String(), nil
}

// rewriteRuleTiming returns the rule file text with its timing scaled down
// by by (see scaleFor) and how many durations it rewrote.
func rewriteRuleTiming(text string, by int) (string, int, error) {
	var firstErr error
	n := 0
	scale := func(s string) string {
		out, err := scaleText(s, by)
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
func rewriteRuleFile(src, dst string, by int) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	out, n, err := rewriteRuleTiming(string(b), by)
	if err != nil {
		return fmt.Errorf("%s: %w", src, err)
	}
	if n == 0 {
		return fmt.Errorf("%s: no duration to rewrite", src)
	}
	return os.WriteFile(dst, []byte(out), 0o644)
}
