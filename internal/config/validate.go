package config

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// namePattern is what target and suite names must match: lower case, so
// LOADCRON_* variables (which are lower-cased) can address them.
var namePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// validate records every problem in the decoded, defaulted config.
func (p *problems) validate(c *Config, opts LoadOptions) {
	p.validateSafety(&c.Safety)
	p.validateGrades(&c.Grades)
	p.validateServer(&c.Server)
	p.validateHistory(&c.History)
	if len(c.Targets) == 0 {
		p.addf("targets", "must define at least one target")
	}
	for _, name := range sortedKeys(c.Targets) {
		p.validateTarget("targets."+name, c.Targets[name], &c.Safety)
	}
	if len(c.Suites) == 0 {
		p.addf("suites", "must define at least one suite")
	}
	for _, name := range sortedKeys(c.Suites) {
		p.validateSuite("suites."+name, c.Suites[name], c, opts)
	}
}

// validateSafety checks the global limits.
func (p *problems) validateSafety(s *Safety) {
	if len(s.AllowedHosts) == 0 {
		p.addf("safety.allowed_hosts", "must list at least one host")
	}
	for i, h := range s.AllowedHosts {
		if h == "" || strings.ContainsAny(h, "/:[]") && net.ParseIP(normHost(h)) == nil {
			p.addf(fmt.Sprintf("safety.allowed_hosts[%d]", i), "must be a host name or IP address without scheme or port, got %q", h)
		}
	}
	p.atLeast1("safety.max_users", s.MaxUsers)
	if s.MaxRate <= 0 {
		p.addf("safety.max_rate", "must be > 0, got %v", s.MaxRate)
	}
	p.atLeast1("safety.max_requests_per_run", s.MaxRequestsPerRun)
	p.positive("safety.max_run_duration", s.MaxRunDuration)
}

// validateGrades checks that the grade bounds are positive and increase.
func (p *problems) validateGrades(g *Grades) {
	p.positive("grades.excellent", g.Excellent)
	p.positive("grades.good", g.Good)
	p.positive("grades.acceptable", g.Acceptable)
	if !(g.Excellent < g.Good && g.Good < g.Acceptable) {
		p.addf("grades", "must increase: excellent (%s) < good (%s) < acceptable (%s)", g.Excellent, g.Good, g.Acceptable)
	}
}

// validateServer checks the daemon settings.
func (p *problems) validateServer(s *Server) {
	if _, _, err := net.SplitHostPort(s.ListenAddress); err != nil {
		p.addf("server.listen_address", "must be HOST:PORT (HOST may be empty), got %q", s.ListenAddress)
	}
	p.positive("server.shutdown_grace", s.ShutdownGrace)
}

// validateHistory checks the report retention settings.
func (p *problems) validateHistory(h *History) {
	p.atLeast1("history.max_runs", h.MaxRuns)
	p.positive("history.max_age", h.MaxAge)
}

// validateTarget checks one target; s gives the allowed hosts.
func (p *problems) validateTarget(path string, t *Target, s *Safety) {
	if !namePattern.MatchString(t.Name) {
		p.addf(path, `name must be lower-case letters, digits, "_" or "-"`)
	}
	p.validateTargetURL(path+".url", t.URL, s.AllowedHosts)
	p.positive(path+".timeout", t.Timeout)
	if t.MaxBodyBytes <= 0 {
		p.addf(path+".max_body_bytes", "must be > 0, got %d", t.MaxBodyBytes)
	}
	p.validateHeaders(path+".headers", t.Headers)
	h := &t.HealthCheck
	if !strings.HasPrefix(h.Path, "/") {
		p.addf(path+".health_check.path", `must start with "/", got %q`, h.Path)
	}
	p.positive(path+".health_check.timeout", h.Timeout)
	p.statusCodes(path+".health_check.expect_status", h.ExpectStatus)
	if (t.TLS.CertFile == "") != (t.TLS.KeyFile == "") {
		p.addf(path+".tls", "cert_file and key_file must be set together")
	}
	if t.CostPerUncachedRequest < 0 {
		p.addf(path+".cost_per_uncached_request", "must be ≥ 0, got %v", t.CostPerUncachedRequest)
	}
}

// validateTargetURL checks a target's base URL and that its host is allowed.
func (p *problems) validateTargetURL(path, raw string, allowed []string) {
	if raw == "" {
		p.addf(path, "is required")
		return
	}
	u, err := url.Parse(raw)
	switch {
	// Messages show the URL without password, query or fragment: those
	// may carry credentials, and errors reach logs and HTTP responses.
	case err != nil:
		p.addf(path, "is not a valid URL")
	case u.Scheme != "http" && u.Scheme != "https":
		p.addf(path, `must be an http:// or https:// URL, got %q`, safeURL(u))
	case u.Host == "" || u.Hostname() == "":
		p.addf(path, "must include a host, got %q", safeURL(u))
	case u.User != nil:
		p.addf(path, "must not contain credentials (send them in headers)")
	case u.RawQuery != "" || u.Fragment != "":
		p.addf(path, "must not have a query or fragment, got %q", safeURL(u))
	case !hostAllowed(u.Hostname(), allowed):
		p.addf(path, "host %q is not in safety.allowed_hosts %v", u.Hostname(), allowed)
	}
}

// safeURL is u without user info, query and fragment.
func safeURL(u *url.URL) string {
	c := *u
	c.User, c.RawQuery, c.Fragment, c.RawFragment = nil, "", "", ""
	return c.String()
}

// hostAllowed reports whether host is on the list: names compare
// case-insensitively, IPs by value, and "*.example.com" matches any
// subdomain of example.com.
func hostAllowed(host string, allowed []string) bool {
	host = normHost(host)
	ip := net.ParseIP(host)
	for _, a := range allowed {
		a = normHost(a)
		switch {
		case a == host:
			return true
		case ip != nil && ip.Equal(net.ParseIP(a)):
			return true
		case strings.HasPrefix(a, "*.") && strings.HasSuffix(host, a[1:]):
			return true
		}
	}
	return false
}

// normHost lower-cases a host and strips IPv6 brackets and a trailing dot.
func normHost(h string) string {
	h = strings.ToLower(strings.TrimSpace(h))
	h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
	return strings.TrimSuffix(h, ".")
}

// validateHeaders checks static header names and values.
func (p *problems) validateHeaders(path string, h map[string]string) {
	for _, name := range sortedKeys(h) {
		if !isToken(name) {
			p.addf(path+"."+name, "header name must be an HTTP token")
		}
		if strings.ContainsAny(h[name], "\r\n\x00") {
			p.addf(path+"."+name, "header value must not contain CR, LF or NUL")
		}
	}
}

// statusCodes checks a list of HTTP status codes.
func (p *problems) statusCodes(path string, codes []int) {
	for i, c := range codes {
		if c < 100 || c > 599 {
			p.addf(fmt.Sprintf("%s[%d]", path, i), "must be an HTTP status code (100–599), got %d", c)
		}
	}
}

// positive records a problem when d is not > 0.
func (p *problems) positive(path string, d time.Duration) {
	if d <= 0 {
		p.addf(path, "must be > 0, got %s", d)
	}
}

// atLeast1 records a problem when n < 1.
func (p *problems) atLeast1(path string, n int) {
	if n < 1 {
		p.addf(path, "must be ≥ 1, got %d", n)
	}
}

// isToken reports whether s is an RFC 9110 token (header name, method).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r > 0x7e || r <= ' ' || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, r) {
			return false
		}
	}
	return true
}
