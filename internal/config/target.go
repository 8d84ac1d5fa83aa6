package config

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// CheckRequestTarget reports what is wrong with a rendered request path
// (the origin-form request-target of RFC 9112: "/path?query"), or "" when
// it may be sent as it is. The engine appends it to the target's URL, so
// it must start with a single "/" (anything else could name another host)
// and hold only characters a URL allows: a space or a quote in a query
// would otherwise go on the wire verbatim and make an invalid request
// line. An empty path is valid: the request goes to the target URL
// itself. The message says where the bad character is and how to escape it.
func CheckRequestTarget(s string) string {
	switch {
	case s == "":
		return "" // the target URL itself
	case !strings.HasPrefix(s, "/"):
		return `must start with "/" (it is appended to the target URL)`
	case strings.HasPrefix(s, "//"):
		return `must start with a single "/" ("//host" would name another host)`
	}
	inQuery := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '?':
			inQuery = true
		case c == '%':
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return fmt.Sprintf(`has "%%" not followed by two hex digits at byte %d (write %%25 for a literal "%%"; %s)`, i, escapeHint(inQuery))
			}
		case c == '#':
			return fmt.Sprintf(`has "#" at byte %d: a fragment is never sent (%s)`, i, escapeHint(inQuery))
		case !urlChar(c):
			return fmt.Sprintf("has %s at byte %d, which a URL does not allow (%s)", describeByte(c), i, escapeHint(inQuery))
		}
	}
	return ""
}

// escapeHint tells how to escape a value in the path or in the query.
func escapeHint(inQuery bool) string {
	if inQuery {
		return "escape query values: use {{urlquery .Query}}"
	}
	return "escape path segments: use {{pathescape .Query}}"
}

// describeByte names a byte for messages.
func describeByte(c byte) string {
	switch {
	case c == ' ':
		return "a space"
	case c < ' ' || c == 0x7f:
		return fmt.Sprintf("the control character %s", strconv.QuoteRune(rune(c)))
	case c >= 0x80:
		return "a non-ASCII byte"
	}
	return fmt.Sprintf("%q", string(c))
}

// urlChar reports whether c may appear unescaped in a path or query:
// RFC 3986 unreserved, sub-delims, ":", "@", "/" and "?".
func urlChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("-._~!$&'()*+,;=:@/?", c) >= 0
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// checkTargetURL says what is wrong with a target's base URL, naming the
// part (scheme, host, port, path) and its value, or "" when it is fine.
// Values are shown without user info, query or fragment: those may carry
// credentials, and errors reach logs and HTTP responses.
func checkTargetURL(raw string, allowed []string) string {
	if raw == "" {
		return "is required"
	}
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return fmt.Sprintf(`must start with "http://" or "https://", got %q`, RedactURL(raw))
	}
	if scheme != "http" && scheme != "https" {
		return fmt.Sprintf(`scheme must be "http" or "https", got %q in %q`, scheme, RedactURL(raw))
	}
	authority, _, _ := strings.Cut(rest, "/")
	authority, _, _ = strings.Cut(authority, "?")
	authority, _, _ = strings.Cut(authority, "#")
	if strings.Contains(authority, "@") {
		return "must not contain credentials (user:password@); send them in headers"
	}
	u, err := url.Parse(raw)
	if err != nil {
		var ue *url.Error
		msg := err.Error()
		if e, ok := err.(*url.Error); ok {
			ue = e
			msg = ue.Err.Error() // without the URL, which may hold secrets
		}
		return fmt.Sprintf("is not a valid URL: %s, in %q", msg, RedactURL(raw))
	}
	host := u.Hostname()
	switch {
	case host == "":
		return fmt.Sprintf("host is missing in %q", safeURL(u))
	case u.Port() != "" || strings.HasSuffix(u.Host, ":"):
		if n, err := strconv.Atoi(u.Port()); err != nil || n < 1 || n > 65535 {
			return fmt.Sprintf("port must be a number from 1 to 65535, got %q in %q", u.Port(), safeURL(u))
		}
	}
	if strings.ContainsAny(host, " %") || (strings.Contains(host, ":") && !strings.HasPrefix(u.Host, "[")) {
		return fmt.Sprintf("host %q is not a host name or IP address, in %q", host, safeURL(u))
	}
	if u.RawQuery != "" || u.Fragment != "" || u.ForceQuery {
		return fmt.Sprintf("must not have a query or fragment (put them in request.path), got %q", safeURL(u))
	}
	// The path as written (url.Parse would escape a space silently).
	rawPath := strings.TrimPrefix(rest, authority)
	rawPath, _, _ = strings.Cut(rawPath, "?")
	rawPath, _, _ = strings.Cut(rawPath, "#")
	if msg := CheckRequestTarget(rawPath); msg != "" {
		return fmt.Sprintf("path %q is not a valid URL path: %s", rawPath, msg)
	}
	if !HostAllowed(host, allowed) {
		return fmt.Sprintf("host %q is not in safety.allowed_hosts %v", host, allowed)
	}
	return ""
}

// RedactURL cuts a URL (one that may not even parse) down to what cannot
// be a secret, for messages: no query, no fragment, no user info (the
// authority's part before an "@").
func RedactURL(raw string) string {
	s, _, _ := strings.Cut(raw, "?")
	s, _, _ = strings.Cut(s, "#")
	if scheme, rest, ok := strings.Cut(s, "://"); ok {
		if at := strings.LastIndex(rest, "@"); at >= 0 {
			if slash := strings.Index(rest, "/"); slash < 0 || at < slash {
				rest = rest[at+1:]
			}
		}
		s = scheme + "://" + rest
	}
	return s
}
