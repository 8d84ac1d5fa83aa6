package config

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// validateSuite checks one suite and its scenarios.
func (p *problems) validateSuite(path string, su *Suite, c *Config, opts LoadOptions) {
	if !namePattern.MatchString(su.Name) {
		p.addf(path, `name must be lower-case letters, digits, "_" or "-"`)
	}
	_, tzErr := loadLocation(su.TimeZone)
	if tzErr != nil {
		p.addf(path+".timezone", "%v", tzErr)
	}
	switch {
	case su.Schedule == "" && opts.RequireSchedule:
		p.addf(path+".schedule", `is required to serve (a cron spec such as "*/15 * * * *")`)
	case su.Schedule != "":
		tz := su.TimeZone
		if tzErr != nil {
			tz = "" // reported above; check the spec on its own
		}
		if _, err := ParseSchedule(su.Schedule, tz); err != nil {
			p.addf(path+".schedule", "%v", err)
		}
	}
	if su.Jitter < 0 {
		p.addf(path+".jitter", "must be ≥ 0, got %s", su.Jitter)
	}
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
		total += sc.Duration
		tooLong = tooLong || sc.Duration > c.Safety.MaxRunDuration
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
	if r := *sc.Abort.MaxErrorRatio; r < 0 || r > 1 {
		p.addf(path+".abort.max_error_ratio", "must be in (0, 1], or 0 to disable, got %v", r)
	}
	p.atLeast1(path+".abort.min_requests", sc.Abort.MinRequests)
}

// validateModel checks the closed (users) or open (rate) load model and
// the safety caps.
func (p *problems) validateModel(path string, sc *Scenario, s *Safety) {
	if sc.Duration < 0 {
		p.addf(path+".duration", "must be > 0, got %s", sc.Duration)
	} else if sc.Duration > s.MaxRunDuration {
		p.addf(path+".duration", "%s exceeds safety.max_run_duration (%s)", sc.Duration, s.MaxRunDuration)
	}
	switch {
	case sc.Rate < 0:
		p.addf(path+".rate", "must be > 0, got %v", sc.Rate)
		return
	case sc.Rate > 0 && sc.Users != 0:
		p.addf(path+".rate", "cannot be combined with users: choose the closed model (users) or the open model (rate)")
		return
	case sc.Rate > 0:
		p.validateOpen(path, sc, s)
		return
	}
	if sc.Users < 1 {
		if sc.Users == 0 && sc.Rate == 0 {
			p.addf(path+".users", "must be ≥ 1 (closed model), or set rate (open model)")
		} else if sc.Users < 0 {
			p.addf(path+".users", "must be ≥ 1, got %d", sc.Users)
		}
	} else if sc.Users > s.MaxUsers {
		p.addf(path+".users", "%d exceeds safety.max_users (%d)", sc.Users, s.MaxUsers)
	}
	switch {
	case sc.RequestsPerUser < 0:
		p.addf(path+".requests_per_user", "must be ≥ 1, got %d", sc.RequestsPerUser)
	case sc.RequestsPerUser == 0 && sc.Duration == 0:
		p.addf(path+".requests_per_user", "must be ≥ 1, or set duration")
	}
	if sc.ThinkTime < 0 {
		p.addf(path+".think_time", "must be ≥ 0, got %s", sc.ThinkTime)
	}
	if sc.MaxInFlight != 0 {
		p.addf(path+".max_in_flight", "applies only to the open model (rate)")
	}
}

// validateOpen checks an open-model scenario.
func (p *problems) validateOpen(path string, sc *Scenario, s *Safety) {
	if sc.Rate > s.MaxRate {
		p.addf(path+".rate", "%v exceeds safety.max_rate (%v)", sc.Rate, s.MaxRate)
	}
	if sc.Duration == 0 {
		p.addf(path+".duration", "is required with rate (open model)")
	}
	if sc.RequestsPerUser != 0 {
		p.addf(path+".requests_per_user", "applies only to the closed model (users)")
	}
	if sc.ThinkTime != 0 {
		p.addf(path+".think_time", "applies only to the closed model (users)")
	}
	switch {
	case sc.MaxInFlight < 0:
		p.addf(path+".max_in_flight", "must be ≥ 1, got %d", sc.MaxInFlight)
	case sc.MaxInFlight > s.MaxUsers && s.MaxUsers > 0:
		p.addf(path+".max_in_flight", "%d exceeds safety.max_users (%d)", sc.MaxInFlight, s.MaxUsers)
	}
}

// validateThresholds checks that rates are ratios and latencies positive.
func (p *problems) validateThresholds(path string, t *Thresholds) {
	ratio := func(key string, v *float64) {
		if v != nil && (*v < 0 || *v > 1 || math.IsNaN(*v)) {
			p.addf(path+"."+key, "must be a ratio in [0, 1], got %v", *v)
		}
	}
	latency := func(key string, v *time.Duration) {
		if v != nil && *v <= 0 {
			p.addf(path+"."+key, "must be > 0, got %s", *v)
		}
	}
	ratio("min_success_rate", t.MinSuccessRate)
	latency("max_avg_latency", t.MaxAvgLatency)
	latency("max_p95_latency", t.MaxP95Latency)
	latency("max_p99_latency", t.MaxP99Latency)
	ratio("min_cache_hit_rate", t.MinCacheHitRate)
}

// validateRequest checks the method, query order and templates, executing
// each template once with sample data to catch unknown fields.
func (p *problems) validateRequest(path string, sc *Scenario, su *Suite) {
	r := &sc.Request
	if !isToken(r.Method) {
		p.addf(path+".method", "must be an HTTP method such as GET or POST, got %q", r.Method)
	}
	if r.QueryOrder != QueryOrderSequential && r.QueryOrder != QueryOrderRandom {
		p.addf(path+".query_order", "must be %q or %q, got %q", QueryOrderSequential, QueryOrderRandom, r.QueryOrder)
	}
	sample := &TemplateData{RunID: "sample", Scenario: sc.Name, Suite: su.Name}
	if len(r.Queries) > 0 {
		sample.Query = r.Queries[0]
	}
	check := func(key, text string) string {
		t, err := compileTemplate(key, text)
		if err != nil {
			p.addf(path+"."+key, "bad template: %s", trimPrefix(err.Error(), key))
			return ""
		}
		var b strings.Builder
		if err := t.Execute(&b, sample); err != nil {
			p.addf(path+"."+key, "template fails on sample data: %s", trimTemplateErr(err))
			return ""
		}
		return b.String()
	}
	if out := check("path", r.Path); out != "" && (!strings.HasPrefix(out, "/") || strings.HasPrefix(out, "//")) {
		p.addf(path+".path", `must start with a single "/", got %q`, out)
	}
	for _, n := range sortedKeys(r.Headers) {
		if !isToken(n) {
			p.addf(path+".headers."+n, "header name must be an HTTP token")
			continue
		}
		if out := check("headers."+n, r.Headers[n]); strings.ContainsAny(out, "\r\n\x00") {
			p.addf(path+".headers."+n, "header value must not contain CR, LF or NUL")
		}
	}
	check("body", r.Body)
}

// trimPrefix drops "KEY: bad template: " from a compileTemplate error.
func trimPrefix(msg, key string) string {
	return strings.TrimPrefix(msg, key+": bad template: ")
}
