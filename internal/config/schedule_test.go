package config

import (
	"testing"
	"time"
)

// TestParseSchedule checks next fire times for accepted specs, with
// literal times.
func TestParseSchedule(t *testing.T) {
	from := time.Date(2025, 11, 13, 11, 7, 30, 0, time.UTC)
	tests := []struct {
		spec, tz string
		want     time.Time
	}{
		// five fields, every 15 minutes
		{"*/15 * * * *", "UTC", time.Date(2025, 11, 13, 11, 15, 0, 0, time.UTC)},
		// optional leading seconds field
		{"45 */5 * * * *", "UTC", time.Date(2025, 11, 13, 11, 10, 45, 0, time.UTC)},
		// six fields: every 10 seconds
		{"*/10 * * * * *", "UTC", time.Date(2025, 11, 13, 11, 7, 40, 0, time.UTC)},
		// 09:00 in Berlin is 08:00 UTC (CET, UTC+1): already past, so tomorrow
		{"0 9 * * *", "Europe/Berlin", time.Date(2025, 11, 14, 8, 0, 0, 0, time.UTC)},
		// descriptor
		{"@hourly", "UTC", time.Date(2025, 11, 13, 12, 0, 0, 0, time.UTC)},
		// @every counts from the given time
		{"@every 15m", "", from.Add(15 * time.Minute)},
		// the time zone applies to the fields: 21:00 in Tokyo is 12:00 UTC
		{"0 21 * * *", "Asia/Tokyo", time.Date(2025, 11, 13, 12, 0, 0, 0, time.UTC)},
		// a CRON_TZ prefix works when timezone is left at Local
		{"CRON_TZ=Asia/Tokyo 0 21 * * *", "Local", time.Date(2025, 11, 13, 12, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		s, err := ParseSchedule(tt.spec, tt.tz)
		if err != nil {
			t.Errorf("ParseSchedule(%q, %q): %v", tt.spec, tt.tz, err)
			continue
		}
		if got := s.Next(from); !got.Equal(tt.want) {
			t.Errorf("ParseSchedule(%q, %q).Next = %s, want %s", tt.spec, tt.tz, got.UTC(), tt.want)
		}
	}
}

// TestParseScheduleErrors checks rejected specs and their messages.
func TestParseScheduleErrors(t *testing.T) {
	tests := []struct {
		spec, tz, want string
	}{
		// too few fields
		{"* * *", "", `invalid cron spec "* * *": expected 5 to 6 fields, found 3: [* * *]`},
		// out of range
		{"0 25 * * *", "", `invalid cron spec "0 25 * * *": end of range (25) above maximum (23): 25`},
		// a date that never comes
		{"0 0 30 2 *", "UTC", `cron spec "0 0 30 2 *" never fires`},
		// cron would round this up to 1s silently
		{"@every 10ms", "", `cron spec "@every 10ms": @every needs at least 1s`},
		// unknown zone
		{"@hourly", "Nowhere/Land", `unknown time zone "Nowhere/Land"`},
		// a TZ prefix without a spec (the library would panic)
		{"TZ=UTC", "", `empty cron spec`},
		// two time zones
		{"CRON_TZ=UTC @hourly", "Asia/Tokyo", `spec "CRON_TZ=UTC @hourly" sets its own time zone and timezone is "Asia/Tokyo": keep one`},
		// empty
		{"", "", `empty cron spec`},
	}
	for _, tt := range tests {
		if _, err := ParseSchedule(tt.spec, tt.tz); err == nil || err.Error() != tt.want {
			t.Errorf("ParseSchedule(%q, %q) error = %v, want %s", tt.spec, tt.tz, err, tt.want)
		}
	}
}
