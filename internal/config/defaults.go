package config

import (
	"net/http"
	"time"
)

// DefaultListenAddress is server.listen_address when unset (flag
// --web.listen-address overrides it). 8097 is not on Prometheus's default
// port allocation list.
const DefaultListenAddress = ":8097"

// DefaultHistoryDir is history.dir when unset (flag --data-dir).
const DefaultHistoryDir = "data"

// Values of request.query_order.
const (
	// QueryOrderSequential gives the scenario's request n queries[n mod len].
	QueryOrderSequential = "sequential"
	// QueryOrderRandom picks queries at random from a source seeded by seed.
	QueryOrderRandom = "random"
)

// Defaults, in one place. A zero or missing value means "use the default";
// fields where zero is meaningful are pointers in types.go.
const (
	defaultTimeout           = 30 * time.Second
	defaultMaxBodyBytes      = 1 << 20
	defaultHealthPath        = "/health"
	defaultHealthTimeout     = 5 * time.Second
	defaultCacheJSONField    = "cached"
	defaultCacheHeaderValue  = "HIT"
	defaultTimeZone          = "Local"
	defaultQueryOrder        = QueryOrderSequential
	defaultSeed              = 1
	defaultAbortErrorRatio   = 0.5
	defaultAbortMinRequests  = 100
	defaultMaxInFlight       = 1000
	defaultGradeExcellent    = 3 * time.Second
	defaultGradeGood         = 5 * time.Second
	defaultGradeAcceptable   = 10 * time.Second
	defaultMaxUsers          = 1000
	defaultMaxRate           = 1000
	defaultMaxRequestsPerRun = 100000
	defaultMaxRunDuration    = 30 * time.Minute
	defaultShutdownGrace     = 10 * time.Second
	defaultHistoryMaxRuns    = 100
	defaultHistoryMaxAge     = 7 * 24 * time.Hour
	defaultHealthStatus      = http.StatusOK
)

// defaultAllowedHosts are the hosts targets may use when safety.allowed_hosts
// is not set: loopback only.
var defaultAllowedHosts = []string{"127.0.0.1", "::1", "localhost"}

// applyDefaults fills every unset optional field. Safety comes first:
// scenario defaults (max_in_flight) depend on it.
func applyDefaults(c *Config) {
	s := &c.Safety
	if s.AllowedHosts == nil {
		s.AllowedHosts = append([]string(nil), defaultAllowedHosts...)
	}
	setZero(&s.MaxUsers, defaultMaxUsers)
	setZero(&s.MaxRate, defaultMaxRate)
	setZero(&s.MaxRequestsPerRun, defaultMaxRequestsPerRun)
	setZero(&s.MaxRunDuration, defaultMaxRunDuration)

	setZero(&c.Grades.Excellent, defaultGradeExcellent)
	setZero(&c.Grades.Good, defaultGradeGood)
	setZero(&c.Grades.Acceptable, defaultGradeAcceptable)

	setZero(&c.Server.ListenAddress, DefaultListenAddress)
	setZero(&c.Server.ShutdownGrace, defaultShutdownGrace)

	setZero(&c.History.Dir, DefaultHistoryDir)
	setZero(&c.History.MaxRuns, defaultHistoryMaxRuns)
	setZero(&c.History.MaxAge, defaultHistoryMaxAge)

	for name, t := range c.Targets {
		if t == nil {
			t = &Target{}
			c.Targets[name] = t
		}
		t.Name = name
		setZero(&t.Timeout, defaultTimeout)
		setZero(&t.MaxBodyBytes, defaultMaxBodyBytes)
		h := &t.HealthCheck
		if h.Enabled == nil {
			h.Enabled = ptr(true)
		}
		setZero(&h.Path, defaultHealthPath)
		setZero(&h.Timeout, defaultHealthTimeout)
		if len(h.ExpectStatus) == 0 {
			h.ExpectStatus = []int{defaultHealthStatus}
		}
		setZero(&t.CacheSignal.JSONField, defaultCacheJSONField)
		setZero(&t.CacheSignal.HeaderValue, defaultCacheHeaderValue)
	}

	for name, su := range c.Suites {
		if su == nil {
			su = &Suite{}
			c.Suites[name] = su
		}
		su.Name = name
		setZero(&su.TimeZone, defaultTimeZone)
		for _, sc := range su.Scenarios {
			if sc != nil {
				scenarioDefaults(sc, s)
			}
		}
	}
}

// scenarioDefaults fills one scenario's optional fields.
func scenarioDefaults(sc *Scenario, s *Safety) {
	if sc.Critical == nil {
		sc.Critical = ptr(true)
	}
	if sc.IsOpen() && sc.Users == 0 && s.MaxUsers > 0 {
		// In-flight requests are the open model's concurrency: cap them
		// like users.
		setZero(&sc.MaxInFlight, min(defaultMaxInFlight, s.MaxUsers))
	}
	r := &sc.Request
	if r.Method == "" {
		r.Method = http.MethodGet
		if r.Body != "" {
			r.Method = http.MethodPost
		}
	}
	setZero(&r.QueryOrder, defaultQueryOrder)
	setZero(&r.Seed, defaultSeed)
	if sc.Abort.MaxErrorRatio == nil {
		sc.Abort.MaxErrorRatio = ptr(defaultAbortErrorRatio)
	}
	setZero(&sc.Abort.MinRequests, defaultAbortMinRequests)
}

// setZero sets *p to def when *p is the zero value.
func setZero[T comparable](p *T, def T) {
	var zero T
	if *p == zero {
		*p = def
	}
}

// ptr returns a pointer to v.
func ptr[T any](v T) *T { return &v }
