package config

import (
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// scheduleParser accepts five fields, an optional leading seconds field,
// and descriptors such as @hourly and @every 15m.
var scheduleParser = cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// ParseSchedule parses a suite's cron spec in time zone tz (an IANA name;
// "" or "Local" for the local zone). A spec may instead carry its own
// "CRON_TZ=Zone " prefix when tz is "" or "Local". The daemon uses this;
// validation calls it too, so a spec that loads also schedules.
func ParseSchedule(spec, tz string) (cron.Schedule, error) {
	loc, err := loadLocation(tz)
	if err != nil {
		return nil, err
	}
	spec = strings.TrimSpace(spec)
	if rest, zone, ok := cutTZ(spec); ok {
		if tz != "" && tz != defaultTimeZone {
			return nil, fmt.Errorf("spec %q sets its own time zone and timezone is %q: keep one", spec, tz)
		}
		if loc, err = loadLocation(zone); err != nil {
			return nil, err
		}
		spec = rest
	}
	if spec == "" {
		return nil, fmt.Errorf("empty cron spec")
	}
	if every, ok := strings.CutPrefix(spec, "@every "); ok {
		// cron silently rounds anything under a second (even negative or
		// zero) up to one second.
		if d, err := time.ParseDuration(strings.TrimSpace(every)); err == nil && d < time.Second {
			return nil, fmt.Errorf("cron spec %q: @every needs at least 1s", spec)
		}
	}
	sched, err := scheduleParser.Parse(spec)
	if err != nil {
		return nil, fmt.Errorf("invalid cron spec %q: %w", spec, err)
	}
	if s, ok := sched.(*cron.SpecSchedule); ok {
		s.Location = loc
		// Fields that can never match together (30 February) make Next
		// return the zero time: cron would never run the suite.
		if s.Next(time.Now()).IsZero() {
			return nil, fmt.Errorf("cron spec %q never fires", spec)
		}
	}
	return sched, nil
}

// loadLocation is time.LoadLocation with "" meaning Local and an error
// message fit for config problems.
func loadLocation(tz string) (*time.Location, error) {
	if tz == "" || tz == defaultTimeZone {
		return time.Local, nil
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q", tz)
	}
	return loc, nil
}

// cutTZ splits "CRON_TZ=Zone rest" (or "TZ=…") into rest and Zone. The
// cron library slices out of range on a prefix without a space, so the
// prefix is handled here.
func cutTZ(spec string) (rest, zone string, ok bool) {
	for _, prefix := range []string{"CRON_TZ=", "TZ="} {
		if after, found := strings.CutPrefix(spec, prefix); found {
			zone, rest, _ = strings.Cut(after, " ")
			return strings.TrimSpace(rest), zone, true
		}
	}
	return spec, "", false
}
