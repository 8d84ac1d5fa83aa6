package config

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// validateSuite checks one suite and its scenarios.
func (p *problems) validateSuite(path string, su *Suite, c *Config) {
	if !namePattern.MatchString(su.Name) {
		p.addf(path, `name must be lower-case letters, digits, "_" or "-"`)
	}
	_, tzErr := loadLocation(su.TimeZone)
	if tzErr != nil {
		p.addf(path+".timezone", "%v", tzErr)
	}
	// A suite without a schedule is valid: run runs it, serve keeps it
	// for the trigger API only (TriggerOnly).
	if su.Schedule != "" {
		tz := su.TimeZone
		if tzErr != nil {
			tz = "" // reported above; check the spec on its own
		}
		if _, err := ParseSchedule(su.Schedule, tz); err != nil {
			p.addf(path+".schedule", "%v", err)
		}
	}
	p.durIn(path+".jitter", su.Jitter, true, ceilJitter, "", "")
	if len(su.Scenarios) == 0 {
		p.addf(path+".scenarios", "must list at least one scenario")
		return
	}

	seen := map[string]int{}
	var planned float64
	var total time.Duration
	tooLong := false
	for i, sc := range su.Scenarios {
		sp := fmt.Sprintf("%s.scenarios[%d]", path, i)
		if sc == nil {
			p.addf(sp, "must not be empty")
			continue
		}
		if sc.Name != "" {
			if j, dup := seen[sc.Name]; dup {
				p.addf(sp+".name", "duplicate scenario name %q (also scenarios[%d])", sc.Name, j)
			} else {
				seen[sc.Name] = i
			}
		}
		p.validateScenario(sp, sc, su, c)
		planned += plannedRequests(sc)
		total += sc.Length()
		tooLong = tooLong || sc.Length() > c.Safety.MaxRunDuration
	}
	if limit := c.Safety.MaxRequestsPerRun; limit > 0 && planned > float64(limit) {
		p.addf(path, "plans %.0f requests per run, more than safety.max_requests_per_run (%d)", planned, limit)
	}
	if limit := c.Safety.MaxRunDuration; !tooLong && limit > 0 && total > limit {
		p.addf(path, "scenario durations add up to %s, more than safety.max_run_duration (%s)", total, limit)
	}
}

// plannedRequests is how many requests a scenario will send, where that
// is known in advance (0 for a closed-model run bounded only by time).
func plannedRequests(sc *Scenario) float64 {
	if sc.IsOpen() {
		if len(sc.Stages) > 0 {
			return float64(sc.PlannedOpenRequests())
		}
		return math.Ceil(sc.Rate * sc.Duration.Seconds())
	}
	if sc.Users > 0 && sc.RequestsPerUser > 0 {
		return float64(sc.Users) * float64(sc.RequestsPerUser)
	}
	return 0
}

// validateScenario checks one scenario of suite su.
func (p *problems) validateScenario(path string, sc *Scenario, su *Suite, c *Config) {
	if strings.TrimSpace(sc.Name) == "" {
		p.addf(path+".name", "is required")
	}
	switch t := sc.Target; {
	case t == "":
		p.addf(path+".target", "is required")
	case c.Targets[t] == nil:
		p.addf(path+".target", "unknown target %q (known: %s)", t, strings.Join(sortedKeys(c.Targets), ", "))
	}
	p.validateModel(path, sc, &c.Safety)
	p.validateRequest(path+".request", sc, su)
	p.statusCodes(path+".checks.status", sc.Checks.Status)
	p.validateThresholds(path+".thresholds", &sc.Thresholds)
	p.validateStream(path, sc, c)
	if r := *sc.Abort.MaxErrorRatio; r < 0 || r > 1 {
		p.addf(path+".abort.max_error_ratio", "must be in (0, 1], or 0 to disable, got %s", formatFloat(r))
	}
	p.intIn(path+".abort.min_requests", int64(sc.Abort.MinRequests), 1, int64(c.Safety.MaxRequestsPerRun), "safety.max_requests_per_run", "100")
}

// validateModel checks the closed (users) or open (rate) load model and
// the safety caps.
func (p *problems) validateModel(path string, sc *Scenario, s *Safety) {
	if p.bad[path+".rate"] || p.bad[path+".users"] {
		return // reported by the decoder; the model is unknown
	}
	if len(sc.Stages) > 0 || p.present[path+".stages"] {
		p.validateStages(path, sc, s)
		return
	}
	if sc.RampUp != 0 || p.present[path+".ramp_up"] {
		switch {
		case sc.Rate > 0:
			p.addf(path+".ramp_up", "applies only to the closed model (users); ramp a rate with stages")
		case sc.Duration > 0 && sc.RampUp > sc.Duration:
			p.addf(path+".ramp_up", "must be ≤ duration (%s), got %s", shortDur(sc.Duration), shortDur(sc.RampUp))
		default:
			p.durIn(path+".ramp_up", sc.RampUp, false, s.MaxRunDuration, maxRunDurationKy, "")
		}
	}
	if sc.Duration != 0 || p.present[path+".duration"] {
		p.durIn(path+".duration", sc.Duration, false, s.MaxRunDuration, maxRunDurationKy, "")
	}
	switch {
	case sc.Rate < 0:
		p.addf(path+".rate", "must be > 0 and ≤ safety.max_rate (%s), got %s", formatFloat(s.MaxRate), formatFloat(sc.Rate))
		return
	case sc.Rate > 0 && sc.Users != 0:
		p.addf(path+".rate", "cannot be combined with users: choose the closed model (users) or the open model (rate)")
		return
	case sc.Rate > 0:
		p.validateOpen(path, sc, s)
		return
	case p.present[path+".rate"]:
		p.addf(path+".rate", "must be > 0 and ≤ safety.max_rate (%s), got 0 (leave it unset for the closed model)", formatFloat(s.MaxRate))
		return
	}
	switch {
	case sc.Users == 0:
		p.addf(path+".users", "must be ≥ 1 (closed model), or set rate (open model)")
	default:
		p.intIn(path+".users", int64(sc.Users), 1, int64(s.MaxUsers), "safety.max_users", "")
	}
	switch {
	case sc.RequestsPerUser == 0 && sc.Duration == 0:
		p.addf(path+".requests_per_user", "must be ≥ 1, or set duration")
	case sc.RequestsPerUser != 0:
		p.intIn(path+".requests_per_user", int64(sc.RequestsPerUser), 1, int64(s.MaxRequestsPerRun), "safety.max_requests_per_run", "")
	}
	p.validateModelKeys(path, sc, s, false)
}

// validateStages checks a ramping profile: stages replace users or rate,
// duration, requests_per_user and ramp_up; every stage has a duration and
// one target, users in every stage or rate in every stage.
func (p *problems) validateStages(path string, sc *Scenario, s *Safety) {
	for _, key := range []string{"users", "rate", "duration", "requests_per_user", "ramp_up"} {
		if p.present[path+"."+key] {
			p.addf(path+"."+key, "cannot be combined with stages: the stages set the load and how long it lasts")
		}
	}
	if len(sc.Stages) == 0 {
		p.addf(path+".stages", "must list at least one stage, or be left out")
		return
	}
	open := sc.Stages[0].Rate != nil
	peak, allOK := 0.0, true
	for i, st := range sc.Stages {
		sp := fmt.Sprintf("%s.stages[%d]", path, i)
		p.durIn(sp+".duration", st.Duration, false, s.MaxRunDuration, maxRunDurationKy, "")
		if p.bad[sp+".users"] || p.bad[sp+".rate"] {
			allOK = false // reported by the decoder
			continue
		}
		allOK = allOK && (st.Users == nil) != (st.Rate == nil) && (st.Rate != nil) == open
		switch {
		case st.Users != nil && st.Rate != nil:
			p.addf(sp+".rate", "cannot be combined with users: a stage targets users (closed model) or a rate (open model)")
			continue
		case st.Users == nil && st.Rate == nil:
			p.addf(sp, "must set users (closed model) or rate (open model)")
			continue
		case (st.Rate != nil) != open:
			if open {
				p.addf(sp+".users", "stages[0] sets a rate: every stage must set rate, none users")
			} else {
				p.addf(sp+".rate", "stages[0] sets users: every stage must set users, none rate")
			}
			continue
		case st.Users != nil:
			p.intIn(sp+".users", int64(*st.Users), 0, int64(s.MaxUsers), "safety.max_users", "")
		default:
			if r := *st.Rate; r < 0 || r > s.MaxRate {
				p.addf(sp+".rate", "must be ≥ 0 and ≤ safety.max_rate (%s), got %s", formatFloat(s.MaxRate), formatFloat(r))
			}
		}
		peak = max(peak, st.target())
	}
	if peak == 0 && allOK {
		p.addf(path+".stages", "every stage targets 0: no load would be sent")
	}
	if total := sc.Length(); s.MaxRunDuration > 0 && total > s.MaxRunDuration {
		p.addf(path+".stages", "stage durations add up to %s, more than safety.max_run_duration (%s)", shortDur(total), shortDur(s.MaxRunDuration))
	}
	p.validateModelKeys(path, sc, s, open)
}

// validateOpen checks an open-model scenario.
func (p *problems) validateOpen(path string, sc *Scenario, s *Safety) {
	if sc.Rate > s.MaxRate {
		p.addf(path+".rate", "must be > 0 and ≤ safety.max_rate (%s), got %s", formatFloat(s.MaxRate), formatFloat(sc.Rate))
	}
	if sc.Duration == 0 && !p.present[path+".duration"] {
		p.addf(path+".duration", "is required with rate (open model)")
	}
	if sc.RequestsPerUser != 0 || p.present[path+".requests_per_user"] {
		p.addf(path+".requests_per_user", "applies only to the closed model (users)")
	}
	p.validateModelKeys(path, sc, s, true)
}

// validateModelKeys checks the two keys that belong to one load model,
// with or without stages: think_time (closed model, a pause within
// safety.max_run_duration) and max_in_flight (open model, 1 to
// safety.max_users); each is an error in the other model.
func (p *problems) validateModelKeys(path string, sc *Scenario, s *Safety, open bool) {
	if open {
		if sc.ThinkTime != 0 || p.present[path+".think_time"] {
			p.addf(path+".think_time", "applies only to the closed model (users)")
		}
		p.intIn(path+".max_in_flight", int64(sc.MaxInFlight), 1, int64(s.MaxUsers), "safety.max_users", "min(1000, safety.max_users)")
		return
	}
	p.durIn(path+".think_time", sc.ThinkTime, true, s.MaxRunDuration, maxRunDurationKy, "")
	if sc.MaxInFlight != 0 || p.present[path+".max_in_flight"] {
		p.addf(path+".max_in_flight", "applies only to the open model (rate)")
	}
}

// validateThresholds checks that rates are ratios and latencies positive.
func (p *problems) validateThresholds(path string, t *Thresholds) {
	ratio := func(key string, v *float64) {
		if v != nil {
			p.ratio(path+"."+key, *v)
		}
	}
	latency := func(key string, v *time.Duration) {
		if v != nil {
			p.durIn(path+"."+key, *v, false, ceilLatency, "", "")
		}
	}
	ratio("min_success_rate", t.MinSuccessRate)
	latency("max_avg_latency", t.MaxAvgLatency)
	latency("max_p95_latency", t.MaxP95Latency)
	latency("max_p99_latency", t.MaxP99Latency)
	ratio("min_cache_hit_rate", t.MinCacheHitRate)
	latency("max_p95_first_event", t.MaxP95FirstEvent)
	latency("max_p95_event_gap", t.MaxP95EventGap)
}

// trimPrefix drops "KEY: bad template: " from a compileTemplate error.
func trimPrefix(msg, key string) string {
	return strings.TrimPrefix(msg, key+": bad template: ")
}
