package config

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// namePattern is what target and suite names must match: lower case, so
// LOADCRON_* variables (which are lower-cased) can address them.
var namePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// validate records every problem in the decoded, defaulted config.
func (p *problems) validate(c *Config) {
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
		p.validateSuite("suites."+name, c.Suites[name], c)
	}
	p.validateFiles(c)
}

// validateSafety checks the global limits and their hard ceilings.
func (p *problems) validateSafety(s *Safety) {
	if len(s.AllowedHosts) == 0 {
		p.addf("safety.allowed_hosts", "must list at least one host")
	}
	for i, h := range s.AllowedHosts {
		if h == "" || strings.ContainsAny(h, "/:[]@?#% ") && net.ParseIP(normHost(h)) == nil {
			p.addf(fmt.Sprintf("safety.allowed_hosts[%d]", i), "must be a host name or IP address without scheme, port or path, got %q", h)
		}
	}
	p.intIn("safety.max_users", int64(s.MaxUsers), 1, ceilMaxUsers, "", "1000")
	if s.MaxRate <= 0 || s.MaxRate > ceilMaxRate {
		msg := fmt.Sprintf("must be > 0 and ≤ %d, got %s", ceilMaxRate, formatFloat(s.MaxRate))
		if s.MaxRate == 0 {
			msg += fmt.Sprintf(unsetForDefault, "1000")
		}
		p.addf("safety.max_rate", "%s", msg)
	}
	p.intIn("safety.max_requests_per_run", int64(s.MaxRequestsPerRun), 1, ceilMaxRequestsPerRun, "", "100000")
	p.durIn("safety.max_run_duration", s.MaxRunDuration, false, ceilMaxRunDuration, "", "30m")
}

// validateGrades checks that the grade bounds are positive and increase.
func (p *problems) validateGrades(g *Grades) {
	p.durIn("grades.excellent", g.Excellent, false, ceilLatency, "", "3s")
	p.durIn("grades.good", g.Good, false, ceilLatency, "", "5s")
	p.durIn("grades.acceptable", g.Acceptable, false, ceilLatency, "", "10s")
	if !(g.Excellent < g.Good && g.Good < g.Acceptable) {
		p.addf("grades", "must increase: excellent (%s) < good (%s) < acceptable (%s)", g.Excellent, g.Good, g.Acceptable)
	}
}

// validateServer checks the daemon settings.
func (p *problems) validateServer(s *Server) {
	if msg := CheckListenAddress(s.ListenAddress); msg != "" {
		p.addf("server.listen_address", "%s", msg)
	}
	p.durIn("server.shutdown_grace", s.ShutdownGrace, false, ceilShutdown, "", "10s")
	p.linkBase("server.external_url", s.ExternalURL)
	p.linkBase("server.grafana_url", s.GrafanaURL)
}

// linkBase checks an optional base URL that links are built on: absolute
// http(s) with a host, no credentials, query or fragment.
func (p *problems) linkBase(path, raw string) {
	if raw == "" {
		return
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		p.addf(path, "is not a valid URL: %q", RedactURL(raw))
	case u.Scheme != "http" && u.Scheme != "https":
		p.addf(path, `must be an absolute http:// or https:// URL, got %q`, safeURL(u))
	case u.Host == "" || u.Hostname() == "":
		p.addf(path, "must include a host, got %q", safeURL(u))
	case u.User != nil:
		p.addf(path, "must not contain credentials")
	case u.RawQuery != "" || u.Fragment != "" || u.ForceQuery:
		p.addf(path, "must not have a query or fragment, got %q", safeURL(u))
	}
}

// CheckListenAddress returns what is wrong with a HOST:PORT listen
// address ("" when nothing is): the form, the host, the port's range.
// server.listen_address and --web.listen-address are checked with it.
func CheckListenAddress(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Sprintf("must be HOST:PORT (HOST may be empty, e.g. \":8097\" or \"127.0.0.1:8097\"), got %q", addr)
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 0 || n > 65535 {
		return fmt.Sprintf("port must be a number from 0 to 65535, got %q in %q", port, addr)
	}
	if host != "" && net.ParseIP(host) == nil && !isHostName(host) {
		return fmt.Sprintf("host must be an IP address or a host name, got %q in %q", host, addr)
	}
	return ""
}

// isHostName reports whether s is a plausible DNS name (letters, digits,
// "-", "_" and dots).
func isHostName(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' || r == '_') {
			return false
		}
	}
	return true
}

// validateHistory checks the report retention settings.
func (p *problems) validateHistory(h *History) {
	p.intIn("history.max_runs", int64(h.MaxRuns), 1, ceilHistoryRuns, "", "100")
	p.durIn("history.max_age", h.MaxAge, false, ceilHistoryAge, "", "168h")
}

// validateTarget checks one target; s gives the allowed hosts and the
// run-time cap that bounds its timeouts.
func (p *problems) validateTarget(path string, t *Target, s *Safety) {
	if !namePattern.MatchString(t.Name) {
		p.addf(path, `name must be lower-case letters, digits, "_" or "-"`)
	}
	p.validateTargetURL(path+".url", t.URL, s.AllowedHosts)
	p.durIn(path+".timeout", t.Timeout, false, s.MaxRunDuration, maxRunDurationKy, "30s")
	p.intIn(path+".max_body_bytes", t.MaxBodyBytes, 1, ceilMaxBodyBytes, "", "1048576")
	p.validateHeaders(path+".headers", t.Headers)
	h := &t.HealthCheck
	if !strings.HasPrefix(h.Path, "/") || strings.HasPrefix(h.Path, "//") {
		p.addf(path+".health_check.path", `must start with a single "/", got %q`, h.Path)
	} else if msg := CheckRequestTarget(h.Path); msg != "" {
		p.addf(path+".health_check.path", "%q %s", h.Path, msg)
	}
	p.durIn(path+".health_check.timeout", h.Timeout, false, s.MaxRunDuration, maxRunDurationKy, "5s")
	if len(h.ExpectStatus) == 0 {
		p.addf(path+".health_check.expect_status", "must list at least one status code (leave it unset for the default [200])")
	}
	p.statusCodes(path+".health_check.expect_status", h.ExpectStatus)
	if (t.TLS.CertFile == "") != (t.TLS.KeyFile == "") {
		p.addf(path+".tls", "cert_file and key_file must be set together")
	}
	if c := t.CostPerUncachedRequest; c < 0 || c > ceilCostPerMiss {
		p.addf(path+".cost_per_uncached_request", "must be ≥ 0 (0 turns cost figures off) and ≤ %d, got %s", ceilCostPerMiss, formatFloat(c))
	}
	if t.Client != ClientNetHTTP && t.Client != ClientHTTP1 {
		p.addf(path+".client", "must be %q or %q, got %q", ClientNetHTTP, ClientHTTP1, t.Client)
	}
}

// validateTargetURL checks a target's base URL and that its host is allowed.
func (p *problems) validateTargetURL(path, raw string, allowed []string) {
	if msg := checkTargetURL(raw, allowed); msg != "" {
		p.addf(path, "%s", msg)
	}
}

// safeURL is u without user info, query and fragment.
func safeURL(u *url.URL) string {
	c := *u
	c.User, c.RawQuery, c.Fragment, c.RawFragment = nil, "", "", ""
	return c.String()
}

// HostAllowed reports whether host (a name or an IP, brackets optional) is
// on the list: names compare case-insensitively, IPs by value, and
// "*.example.com" matches any subdomain of example.com. The engine's
// dialer uses it for every connection.
func HostAllowed(host string, allowed []string) bool {
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

// validateHeaders checks static header names and values (the values by
// the rule the engine applies, CheckHeaderValue; the message never echoes
// a value).
func (p *problems) validateHeaders(path string, h map[string]string) {
	for _, name := range sortedKeys(h) {
		if !isToken(name) {
			p.addf(path+"."+name, "header name must be an HTTP token")
		}
		if msg := CheckHeaderValue(h[name]); msg != "" {
			p.addf(path+"."+name, "%s", msg)
		}
	}
}

// statusCodes checks a list of HTTP status codes.
func (p *problems) statusCodes(path string, codes []int) {
	for i, c := range codes {
		if c < floorStatusCode || c > ceilStatusCode {
			p.addf(fmt.Sprintf("%s[%d]", path, i), "must be an HTTP status code (100–599), got %d", c)
		}
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
