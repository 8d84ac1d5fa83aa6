package config

import "strings"

// RedactedValue replaces secret values in logs and reports.
const RedactedValue = "<redacted>"

// secretWords mark a header (or key) name as secret when it contains one.
var secretWords = []string{"authorization", "auth", "cookie", "token", "key", "secret", "password", "session"}

// IsSecret reports whether a header or key name carries a secret:
// Authorization, Cookie, and any name containing auth, token, key,
// secret, password or session (case-insensitive).
func IsSecret(name string) bool {
	n := strings.ToLower(name)
	for _, w := range secretWords {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// Redact returns value, or RedactedValue when name is secret (see IsSecret).
func Redact(name, value string) string {
	if IsSecret(name) {
		return RedactedValue
	}
	return value
}

// Redacted returns a copy of c that is safe to log or print: target
// header values (all treated as secret), secret request headers and the
// trigger token are replaced with RedactedValue. Only the redacted maps and
// structs are copied; the rest is shared with c and must not be modified.
func (c *Config) Redacted() *Config {
	out := *c
	if out.Server.TriggerToken != "" {
		out.Server.TriggerToken = RedactedValue
	}
	out.Targets = make(map[string]*Target, len(c.Targets))
	for name, t := range c.Targets {
		tc := *t
		tc.Headers = redactMap(t.Headers, func(string) bool { return true })
		out.Targets[name] = &tc
	}
	out.Suites = make(map[string]*Suite, len(c.Suites))
	for name, su := range c.Suites {
		sc := *su
		sc.Scenarios = make([]*Scenario, len(su.Scenarios))
		for i, s := range su.Scenarios {
			if s == nil {
				continue
			}
			cp := *s
			cp.Request.Headers = redactMap(s.Request.Headers, IsSecret)
			sc.Scenarios[i] = &cp
		}
		out.Suites[name] = &sc
	}
	return &out
}

// redactMap copies m, replacing the values of keys for which secret holds.
func redactMap(m map[string]string, secret func(string) bool) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		if secret(k) {
			v = RedactedValue
		}
		out[k] = v
	}
	return out
}
