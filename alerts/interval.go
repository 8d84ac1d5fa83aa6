package alerts

import (
	"errors"
	"time"

	"github.com/loadcron/loadcron/internal/config"
)

// LongestInterval is the longest gap between two consecutive scheduled
// runs of any suite of cfg over the week from now, plus the suite's
// jitter: the interval LoadcronRunsOverdue must allow. Suites without a
// schedule (trigger only) are skipped; it is an error if none has one.
func LongestInterval(cfg *config.Config, now time.Time) (time.Duration, error) {
	var longest time.Duration
	for _, name := range cfg.SuiteNames() {
		su := cfg.Suites[name]
		if su.TriggerOnly() {
			continue
		}
		sched, err := config.ParseSchedule(su.Schedule, su.TimeZone)
		if err != nil {
			return 0, err
		}
		// A week of fire times covers every daily and weekly pattern; the
		// count bound keeps @every 1s cheap.
		prev := sched.Next(now)
		for range 20000 {
			next := sched.Next(prev)
			if next.IsZero() {
				break
			}
			longest = max(longest, next.Sub(prev)+su.Jitter)
			if next.Sub(now) > 7*24*time.Hour {
				break
			}
			prev = next
		}
	}
	if longest == 0 {
		return 0, errors.New("no suite has a schedule that fires twice")
	}
	return longest, nil
}
