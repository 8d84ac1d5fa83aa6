package config

import (
	"fmt"
	"strings"
	"time"
)

// The numbers rule, in one place: every numeric key has a documented range
// (config/README.md, column "allowed"), floats must be finite (decode.go
// rejects NaN and ±Inf before validation sees them), ratios lie in [0, 1],
// and an explicit zero is checked like any other value (defaults.go fills
// only keys that were not set). The helpers below phrase every range
// message the same way: what is allowed, then the value that was given.

// Hard ceilings of the safety caps themselves, so that a typo cannot
// switch a cap off by making it astronomically large.
const (
	ceilMaxUsers          = 100_000
	ceilMaxRate           = 100_000
	ceilMaxRequestsPerRun = 100_000_000
	ceilMaxRunDuration    = 24 * time.Hour
	// ceilMaxBodyBytes bounds the per-worker body buffer (256 MiB).
	ceilMaxBodyBytes = 256 << 20
	// ceilLatency bounds grades and latency thresholds.
	ceilLatency = 24 * time.Hour
	// ceilJitter bounds a suite's start jitter.
	ceilJitter       = 24 * time.Hour
	ceilShutdown     = time.Hour
	ceilHistoryRuns  = 100_000
	ceilHistoryAge   = 365 * 24 * time.Hour
	ceilCostPerMiss  = 1_000_000
	ceilStatusCode   = 599
	floorStatusCode  = 100
	unsetForDefault  = " (leave it unset for the default %s)"
	maxRunDurationKy = "safety.max_run_duration"
)

// durIn records a problem unless lo < d ≤ hi (lo excluded: every bounded
// duration must be > 0 unless zeroOK). hiName names the key hi comes from
// ("" for a fixed ceiling); def, if not "", is the default to mention when
// d is an explicit zero.
func (p *problems) durIn(path string, d time.Duration, zeroOK bool, hi time.Duration, hiName, def string) {
	lo := "> 0"
	if zeroOK {
		lo = "≥ 0"
	}
	bad := d < 0 || (d == 0 && !zeroOK) || d > hi
	if !bad || hi <= 0 {
		return // fine, or the cap itself is wrong (reported there)
	}
	limit := shortDur(hi)
	if hiName != "" {
		limit = fmt.Sprintf("%s (%s)", hiName, shortDur(hi))
	}
	msg := fmt.Sprintf("must be %s and ≤ %s, got %s", lo, limit, shortDur(d))
	if d == 0 && def != "" {
		msg += fmt.Sprintf(unsetForDefault, def)
	}
	p.addf(path, "%s", msg)
}

// intIn records a problem unless lo ≤ n ≤ hi; hiName and def as in durIn.
func (p *problems) intIn(path string, n, lo, hi int64, hiName, def string) {
	if n >= lo && n <= hi || hi < lo {
		return // fine, or the cap itself is wrong (reported there)
	}
	limit := fmt.Sprint(hi)
	if hiName != "" {
		limit = fmt.Sprintf("%s (%d)", hiName, hi)
	}
	msg := fmt.Sprintf("must be from %d to %s, got %d", lo, limit, n)
	if n == 0 && def != "" {
		msg += fmt.Sprintf(unsetForDefault, def)
	}
	p.addf(path, "%s", msg)
}

// ratio records a problem unless 0 ≤ v ≤ 1 (v is finite: decode checked).
func (p *problems) ratio(path string, v float64) {
	if v < 0 || v > 1 {
		p.addf(path, "must be a ratio in [0, 1], got %s", formatFloat(v))
	}
}

// shortDur prints a duration without trailing zero units: 24h, 30m, 1m30s.
func shortDur(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
