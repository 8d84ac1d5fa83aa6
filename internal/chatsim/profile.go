package chatsim

import (
	"fmt"
	"time"
)

// ProfileGuide names GuideProfile (chatsim --profile guide).
const ProfileGuide = "guide"

// GuideCacheTTL is GuideProfile's cache lifetime: longer than one run of
// the guide's five scenarios against it (about 100s), so the baseline's
// replies are still cached when the stress test asks again, and shorter
// than the gap to the next run of a schedule of 5 minutes or more, so that
// every run starts cold as the guide's did.
const GuideCacheTTL = 150 * time.Second

// GuideProfile returns options that retell the load-testing guide's example
// output when loadcron runs the guide's five scenarios with the demo's
// query list (config/demo.yaml) against it:
//
//   - uncached answers take 1.5–3s (2.25s ± 1/3), cached ones ~100ms;
//   - one request is served at a time, the others queue in arrival order
//     (the guide's "sequential processing"), so average latency grows with
//     the number of users;
//   - at most 45 requests wait: with 50 users the backlog overflows and
//     some requests get 503 at once (the guide's overload errors begin
//     near 50 users);
//   - past 20 waiting requests each further one slows the backend by 6 %
//     (an overloaded service thrashes), which pushes the stress test's
//     average past 10s (POOR, so a WARNING) while 20 users stay well under;
//   - streamed answers come 50ms per token fresh, 2ms per token cached.
//
// Measured shape (seeded, see the demo test): baseline 60 % hits rising to
// about 90 % at 50 users; averages of about 1, 2, 3.3, 6.5 and 13s; grades
// EXCELLENT, EXCELLENT, GOOD, ACCEPTABLE, POOR.
func GuideProfile() Options {
	return Options{
		UncachedLatency:     2250 * time.Millisecond,
		CachedLatency:       100 * time.Millisecond,
		Jitter:              1.0 / 3,
		MaxConcurrent:       1,
		Queue:               true,
		MaxQueue:            45,
		OverloadQueue:       20,
		OverloadSlowdown:    0.06,
		CacheTTL:            GuideCacheTTL,
		TokenInterval:       50 * time.Millisecond,
		CachedTokenInterval: 2 * time.Millisecond,
	}
}

// Profile returns the options of a named profile: "default"
// (DefaultOptions) or "guide" (GuideProfile).
func Profile(name string) (Options, error) {
	switch name {
	case "", "default":
		return DefaultOptions(), nil
	case ProfileGuide:
		return GuideProfile(), nil
	default:
		return Options{}, fmt.Errorf("unknown profile %q (want default or %s)", name, ProfileGuide)
	}
}

// Scaled returns o with every duration divided by factor: the same
// behaviour time-compressed, for tests. Counts and ratios are unchanged. A
// factor ≤ 0 returns o unchanged.
func (o Options) Scaled(factor float64) Options {
	if !(factor > 0) {
		return o
	}
	scale := func(d time.Duration) time.Duration { return time.Duration(float64(d) / factor) }
	o.UncachedLatency = scale(o.UncachedLatency)
	o.CachedLatency = scale(o.CachedLatency)
	o.CacheTTL = scale(o.CacheTTL)
	o.TokenInterval = scale(o.TokenInterval)
	o.CachedTokenInterval = scale(o.CachedTokenInterval)
	o.Faults.ExtraLatency = scale(o.Faults.ExtraLatency)
	return o
}
