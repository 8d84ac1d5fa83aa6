package config

import (
	"fmt"
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

// DefaultAllowedHosts returns a copy of safety.allowed_hosts' default.
func DefaultAllowedHosts() []string { return append([]string(nil), defaultAllowedHosts...) }

// applyDefaults fills every optional field that was not set. A key that
// was set keeps its value, zero included, and validation judges it: an
// explicit "timeout: 0s" is an error, never a silent 30s. Where zero
// means something (cost 0 = off, abort ratio 0 = disabled, jitter and
// think time 0) config/README.md says so. Empty strings still mean the
// default. Safety comes first: scenario defaults (max_in_flight) depend
// on it.
func applyDefaults(c *Config, set func(path string) bool) {
	def := func(path string) bool { return !set(path) }
	s := &c.Safety
	if s.AllowedHosts == nil {
		s.AllowedHosts = append([]string(nil), defaultAllowedHosts...)
	}
	defaultIf(def("safety.max_users"), &s.MaxUsers, defaultMaxUsers)
	defaultIf(def("safety.max_rate"), &s.MaxRate, defaultMaxRate)
	defaultIf(def("safety.max_requests_per_run"), &s.MaxRequestsPerRun, defaultMaxRequestsPerRun)
	defaultIf(def("safety.max_run_duration"), &s.MaxRunDuration, defaultMaxRunDuration)

	defaultIf(def("grades.excellent"), &c.Grades.Excellent, defaultGradeExcellent)
	defaultIf(def("grades.good"), &c.Grades.Good, defaultGradeGood)
	defaultIf(def("grades.acceptable"), &c.Grades.Acceptable, defaultGradeAcceptable)

	setZero(&c.Server.ListenAddress, DefaultListenAddress)
	defaultIf(def("server.shutdown_grace"), &c.Server.ShutdownGrace, defaultShutdownGrace)

	setZero(&c.History.Dir, DefaultHistoryDir)
	defaultIf(def("history.max_runs"), &c.History.MaxRuns, defaultHistoryMaxRuns)
	defaultIf(def("history.max_age"), &c.History.MaxAge, defaultHistoryMaxAge)

	for name, t := range c.Targets {
		if t == nil {
			t = &Target{}
			c.Targets[name] = t
		}
		t.Name = name
		tp := "targets." + name + "."
		defaultIf(def(tp+"timeout"), &t.Timeout, defaultTimeout)
		defaultIf(def(tp+"max_body_bytes"), &t.MaxBodyBytes, defaultMaxBodyBytes)
		setZero(&t.Client, ClientNetHTTP)
		h := &t.HealthCheck
		if h.Enabled == nil {
			h.Enabled = ptr(true)
		}
		setZero(&h.Path, defaultHealthPath)
		defaultIf(def(tp+"health_check.timeout"), &h.Timeout, defaultHealthTimeout)
		if h.ExpectStatus == nil {
			h.ExpectStatus = []int{defaultHealthStatus}
		}
		// An explicit json_field: "" turns the JSON signal off (header only).
		defaultIf(def(tp+"cache_signal.json_field"), &t.CacheSignal.JSONField, defaultCacheJSONField)
		setZero(&t.CacheSignal.HeaderValue, defaultCacheHeaderValue)
		traceparentDefaults(&t.Traceparent)
	}

	for name, su := range c.Suites {
		if su == nil {
			su = &Suite{}
			c.Suites[name] = su
		}
		su.Name = name
		setZero(&su.TimeZone, defaultTimeZone)
		for i, sc := range su.Scenarios {
			if sc != nil {
				prefix := fmt.Sprintf("suites.%s.scenarios[%d].", name, i)
				scenarioDefaults(sc, s, prefix, def)
				streamDefaults(sc, c.Targets[sc.Target], prefix, def)
			}
		}
	}
}

// scenarioDefaults fills one scenario's unset fields; prefix is its key
// path with a trailing dot.
func scenarioDefaults(sc *Scenario, s *Safety, prefix string, def func(string) bool) {
	if sc.Critical == nil {
		sc.Critical = ptr(true)
	}
	if sc.IsOpen() && sc.Users == 0 && s.MaxUsers > 0 {
		// In-flight requests are the open model's concurrency: cap them
		// like users.
		defaultIf(def(prefix+"max_in_flight"), &sc.MaxInFlight, min(defaultMaxInFlight, s.MaxUsers))
	}
	r := &sc.Request
	if r.Method == "" {
		r.Method = http.MethodGet
		if r.Body != "" {
			r.Method = http.MethodPost
		}
	}
	setZero(&r.QueryOrder, defaultQueryOrder)
	defaultIf(def(prefix+"request.seed"), &r.Seed, defaultSeed)
	if sc.Abort.MaxErrorRatio == nil {
		sc.Abort.MaxErrorRatio = ptr(defaultAbortErrorRatio)
	}
	// Like max_in_flight, the default bows to the safety cap it must not
	// exceed: with max_requests_per_run 40, an unset min_requests is 40,
	// not an error about a value nobody wrote.
	defaultIf(def(prefix+"abort.min_requests"), &sc.Abort.MinRequests, max(1, min(defaultAbortMinRequests, s.MaxRequestsPerRun)))
}

// defaultIf sets *p to def when unset is true.
func defaultIf[T any](unset bool, p *T, def T) {
	if unset {
		*p = def
	}
}

// setZero sets *p to def when *p is the zero value (strings: empty means
// the default).
func setZero[T comparable](p *T, def T) {
	var zero T
	if *p == zero {
		*p = def
	}
}

// ptr returns a pointer to v.
func ptr[T any](v T) *T { return &v }
