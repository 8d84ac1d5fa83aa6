// Package config defines loadcron's configuration: its types, defaults,
// strict decoding (YAML file, then LOADCRON_* environment, then flags) and
// validation that reports every problem at once with its key path.
package config

import "time"

// Config is a whole, validated loadcron configuration.
type Config struct {
	// Targets by name. Names are label values in metrics.
	Targets map[string]*Target `koanf:"targets"`
	// Suites by name. Each suite is one schedule and one report.
	Suites map[string]*Suite `koanf:"suites"`
	// Grades bounds the performance grades on average latency.
	Grades Grades `koanf:"grades"`
	// Safety holds the limits that keep loadcron from hurting a target.
	Safety Safety `koanf:"safety"`
	// Server configures the daemon (loadcron serve).
	Server Server `koanf:"server"`
	// History bounds the kept reports.
	History History `koanf:"history"`

	// File is the path the config was read from ("" when built in code).
	File string `koanf:"-"`
	// Hash is a short hex digest of the effective config, for
	// loadcron_config_info.
	Hash string `koanf:"-"`
}

// SuiteNames returns the names of the suites, sorted.
func (c *Config) SuiteNames() []string { return sortedKeys(c.Suites) }

// Target is a named HTTP API under test.
type Target struct {
	// Name is the map key under targets (filled in by Load).
	Name string `koanf:"-"`
	// URL is the base URL; scenario paths are resolved against it. Its host
	// must be on safety.allowed_hosts.
	URL string `koanf:"url"`
	// Headers are sent with every request to this target. Values are
	// secrets as far as logs and reports are concerned.
	Headers map[string]string `koanf:"headers"`
	// Timeout bounds each request, body included. Default 30s.
	Timeout time.Duration `koanf:"timeout"`
	// MaxBodyBytes caps the response body read per request; a longer body
	// is an error of kind "body". Default 1 MiB.
	MaxBodyBytes int64 `koanf:"max_body_bytes"`
	// HealthCheck is the pre-flight check before every run.
	HealthCheck HealthCheck `koanf:"health_check"`
	// TLS configures the client side of TLS.
	TLS TLS `koanf:"tls"`
	// CacheSignal says how a response tells that it came from cache.
	CacheSignal CacheSignal `koanf:"cache_signal"`
	// CostPerUncachedRequest is the estimated cost of one uncached
	// response, in any currency (guide: 0.06). Zero disables cost figures.
	CostPerUncachedRequest float64 `koanf:"cost_per_uncached_request"`
	// Client chooses the engine's HTTP client for this target:
	// ClientNetHTTP (Go's net/http, the default) or ClientHTTP1
	// (loadcron's own HTTP/1.1 client, cheaper per request).
	Client string `koanf:"client"`
	// Traceparent configures the W3C trace context header sent with each
	// request (traceparent.go).
	Traceparent Traceparent `koanf:"traceparent"`
}

// HTTP clients a target can choose (Target.Client).
const (
	// ClientNetHTTP is Go's net/http client: HTTP/2 over TLS when the
	// server offers it, gzip negotiation, keep-alive connections.
	ClientNetHTTP = "net/http"
	// ClientHTTP1 is loadcron's HTTP/1.1 client: one keep-alive
	// connection per virtual user, requests pre-rendered where static,
	// deadlines on the connection, no HTTP/2 and no gzip negotiation.
	ClientHTTP1 = "http1"
)

// HealthCheck is a GET to Path that must answer one of ExpectStatus.
type HealthCheck struct {
	// Enabled turns the pre-flight check on (default true).
	Enabled *bool `koanf:"enabled"`
	// Path is resolved against the target URL. Default "/health".
	Path string `koanf:"path"`
	// Timeout bounds the check. Default 5s.
	Timeout time.Duration `koanf:"timeout"`
	// ExpectStatus lists the healthy status codes. Default [200].
	ExpectStatus []int `koanf:"expect_status"`
}

// IsEnabled reports whether the health check runs (default true).
func (h HealthCheck) IsEnabled() bool { return h.Enabled == nil || *h.Enabled }

// TLS is the client TLS configuration for a target.
type TLS struct {
	CAFile             string `koanf:"ca_file"`
	CertFile           string `koanf:"cert_file"`
	KeyFile            string `koanf:"key_file"`
	ServerName         string `koanf:"server_name"`
	InsecureSkipVerify bool   `koanf:"insecure_skip_verify"`
}

// CacheSignal says how to tell a cached response. JSONField is checked
// first, then Header. With neither set, or neither present in a response,
// the response's cache state is "unknown".
type CacheSignal struct {
	// JSONField is a dotted path into a JSON object body ("cached",
	// "meta.cached"); the response is a hit when it holds true, a miss when
	// it holds false. Default "cached".
	JSONField string `koanf:"json_field"`
	// Header is a response header name ("X-Cache").
	Header string `koanf:"header"`
	// HeaderValue is the header value that means a hit (case-insensitive,
	// default "HIT"); any other value means a miss.
	HeaderValue string `koanf:"header_value"`
}

// Suite is an ordered list of scenarios with one schedule and one report.
type Suite struct {
	// Name is the map key under suites (filled in by Load).
	Name string `koanf:"-"`
	// Schedule is a cron spec (seconds field optional, descriptors such as
	// @hourly and @every 15m allowed). Ignored by run. Without one, serve
	// runs the suite only when triggered (API, run_on_start).
	Schedule string `koanf:"schedule"`
	// TimeZone for the schedule, an IANA name. Default "Local".
	TimeZone string `koanf:"timezone"`
	// Jitter delays each scheduled start by a random duration up to this.
	Jitter time.Duration `koanf:"jitter"`
	// Scenarios run in order. File-only (not overridable from env).
	Scenarios []*Scenario `koanf:"scenarios"`
}

// TriggerOnly reports whether the suite has no schedule: the daemon runs
// it only when triggered.
func (s *Suite) TriggerOnly() bool { return s.Schedule == "" }

// Scenario is one load profile against one target.
type Scenario struct {
	// Name is shown in reports and is the scenario label in metrics.
	Name string `koanf:"name"`
	// Target names an entry of targets.
	Target string `koanf:"target"`
	// Critical scenarios fail the suite when they miss a threshold; others
	// only warn. Default true.
	Critical *bool `koanf:"critical"`

	// Closed model: Users virtual users, each sending RequestsPerUser
	// requests back to back (or for Duration when RequestsPerUser is 0).
	Users           int           `koanf:"users"`
	RequestsPerUser int           `koanf:"requests_per_user"`
	ThinkTime       time.Duration `koanf:"think_time"`

	// Open model: Rate requests per second for Duration, with at most
	// MaxInFlight requests outstanding (default 1000 capped by safety).
	Rate        float64 `koanf:"rate"`
	MaxInFlight int     `koanf:"max_in_flight"`

	// Duration bounds a closed-model duration run, or is the length of an
	// open-model run.
	Duration time.Duration `koanf:"duration"`

	// RampUp (closed model) starts the Users evenly over this time instead
	// of all at once; it counts towards Duration.
	RampUp time.Duration `koanf:"ramp_up"`
	// Stages shape the load over time instead of Users/Rate and Duration:
	// each stage moves the number of users (closed model) or the rate
	// (open model) linearly from the previous stage's target (0 before
	// the first) to its own over its duration. See ramp.go.
	Stages []Stage `koanf:"stages"`

	// Request is the request template.
	Request Request `koanf:"request"`
	// Checks decide whether a response counts as a success.
	Checks Checks `koanf:"checks"`
	// Thresholds are the success criteria; each is optional.
	Thresholds Thresholds `koanf:"thresholds"`
	// Abort stops a scenario early against a broken target.
	Abort Abort `koanf:"abort"`
}

// IsCritical reports whether the scenario is critical (default true).
func (s *Scenario) IsCritical() bool { return s.Critical == nil || *s.Critical }

// IsOpen reports whether the scenario uses the open (rate) model: a rate,
// or stages of rates.
func (s *Scenario) IsOpen() bool {
	return s.Rate > 0 || (len(s.Stages) > 0 && s.Stages[0].Rate != nil)
}

// Request is a request template. Path, header values and Body are Go
// text/template strings executed per request with TemplateData.
type Request struct {
	// Method defaults to GET, or POST when Body is set.
	Method  string            `koanf:"method"`
	Path    string            `koanf:"path"`
	Headers map[string]string `koanf:"headers"`
	Body    string            `koanf:"body"`
	// Queries is a list the template sees as .Query, picked per request.
	Queries []string `koanf:"queries"`
	// QueryOrder is "sequential" (default: request n gets Queries[n mod
	// len], counted across the scenario) or "random".
	QueryOrder string `koanf:"query_order"`
	// Seed makes random order reproducible. Default 1.
	Seed int64 `koanf:"seed"`
	// Stream reads the response as a stream of events: "sse" (server-sent
	// events), "ndjson" (one JSON value per line) or "chunked" (each burst
	// of bytes that arrives together). "" (default): a plain response.
	Stream string `koanf:"stream"`
	// StreamIdleTimeout fails a stream (error kind timeout) when no byte
	// arrives for this long. Default 10s; only with Stream.
	StreamIdleTimeout time.Duration `koanf:"stream_idle_timeout"`
}

// Checks decide whether a response is a success.
type Checks struct {
	// Status lists the accepted status codes. Default: any 2xx.
	Status []int `koanf:"status"`
	// JSONField is a dotted path that must exist (non-null) in a JSON
	// object body.
	JSONField string `koanf:"json_field"`
	// BodyContains is a substring the body must contain.
	BodyContains string `koanf:"body_contains"`
	// StreamEnd is how a stream says it is complete: the data (SSE: or
	// the event name) of its end event, or "eof" for a clean end of the
	// body. A stream that ends otherwise is an error of kind body.
	// Default "[DONE]" for sse, "eof" for ndjson and chunked; only with
	// request.stream.
	StreamEnd string `koanf:"stream_end"`
}

// Thresholds are a scenario's success criteria. Nil means not configured.
// Minimums pass when value >= limit, maximums when value <= limit.
type Thresholds struct {
	MinSuccessRate  *float64       `koanf:"min_success_rate"`
	MaxAvgLatency   *time.Duration `koanf:"max_avg_latency"`
	MaxP95Latency   *time.Duration `koanf:"max_p95_latency"`
	MaxP99Latency   *time.Duration `koanf:"max_p99_latency"`
	MinCacheHitRate *float64       `koanf:"min_cache_hit_rate"`
	// MaxP95FirstEvent and MaxP95EventGap bound the P95 time to first event
	// and the P95 gap between events of streamed responses (only with
	// request.stream).
	MaxP95FirstEvent *time.Duration `koanf:"max_p95_first_event"`
	MaxP95EventGap   *time.Duration `koanf:"max_p95_event_gap"`
}

// Abort stops a scenario early: once at least MinRequests have completed
// and the error ratio exceeds MaxErrorRatio. MaxErrorRatio 0 disables it.
// Defaults: 0.5 after 100 requests.
type Abort struct {
	MaxErrorRatio *float64 `koanf:"max_error_ratio"`
	MinRequests   int      `koanf:"min_requests"`
}

// Grades are the upper bounds (exclusive) of average latency for each
// grade; anything at or above Acceptable is POOR. Defaults 3s, 5s, 10s.
type Grades struct {
	Excellent  time.Duration `koanf:"excellent"`
	Good       time.Duration `koanf:"good"`
	Acceptable time.Duration `koanf:"acceptable"`
}

// Safety holds the limits checked at load and reload.
type Safety struct {
	// AllowedHosts lists host names or IPs (no port) targets may use.
	// Default: 127.0.0.1, ::1, localhost.
	AllowedHosts []string `koanf:"allowed_hosts"`
	// MaxUsers caps users of any scenario. Default 1000.
	MaxUsers int `koanf:"max_users"`
	// MaxRate caps the open-model rate of any scenario. Default 1000.
	MaxRate float64 `koanf:"max_rate"`
	// MaxRequestsPerRun caps the requests one suite run may plan. Default
	// 100000.
	MaxRequestsPerRun int `koanf:"max_requests_per_run"`
	// MaxRunDuration bounds one suite run; a run past it is canceled.
	// Default 30m.
	MaxRunDuration time.Duration `koanf:"max_run_duration"`
}

// Server configures the daemon.
type Server struct {
	// ListenAddress for /metrics, the API and the status page.
	ListenAddress string `koanf:"listen_address"`
	// TriggerToken enables POST /api/v1/suites/{suite}/run. Secret.
	TriggerToken string `koanf:"trigger_token"`
	// TriggerTokenFile is read for the token when TriggerToken is empty.
	TriggerTokenFile string `koanf:"trigger_token_file"`
	// ConcurrentSuites lets different suites run at the same time (default
	// false: one at a time, queued).
	ConcurrentSuites bool `koanf:"concurrent_suites"`
	// RunOnStart runs every suite once at start-up.
	RunOnStart bool `koanf:"run_on_start"`
	// ShutdownGrace is how long in-flight runs may go on after SIGTERM
	// before they are canceled. Default 10s.
	ShutdownGrace time.Duration `koanf:"shutdown_grace"`
	// ExternalURL is the URL people and alerts reach the daemon at (behind
	// a proxy, say "https://ops.example/loadcron"); the status page and the
	// API make their links absolute with it. Default "": relative links.
	ExternalURL string `koanf:"external_url"`
	// GrafanaURL is the base URL of the Grafana that has the dashboards of
	// dashboards/ ("https://grafana.example"); the status page, the run
	// page and the API link to them. Default "": no dashboard links.
	GrafanaURL string `koanf:"grafana_url"`
}

// History bounds the reports kept in memory and on disk.
type History struct {
	// Dir is where reports are written. Default "data".
	Dir string `koanf:"dir"`
	// MaxRuns kept. Default 100.
	MaxRuns int `koanf:"max_runs"`
	// MaxAge of kept reports. Default 168h (7 days).
	MaxAge time.Duration `koanf:"max_age"`
}
