package loadgen

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/loadcron/loadcron/internal/config"
)

// DisallowedError is a request loadcron refused to send: its connection
// would have gone to an address that does not belong to a host on
// safety.allowed_hosts, or its rendered path could have changed the host
// or was not valid HTTP. Such requests are counted under the error kind
// "disallowed" and never reach the network. The message holds no query
// values or header values.
type DisallowedError struct {
	Reason string
}

// Error implements error: "refused by loadcron: " and the reason.
func (e *DisallowedError) Error() string { return "refused by loadcron: " + e.Reason }

// isDisallowed reports whether err is (or wraps) a DisallowedError.
func isDisallowed(err error) bool {
	var d *DisallowedError
	return errors.As(err, &d)
}

// resolver resolves host names at dial time (a variable for tests).
var resolver interface {
	LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error)
} = net.DefaultResolver

// newDialer returns the dialer every connection of the engine (both HTTP
// clients and the health check) goes through. It is where the allowlist
// is enforced, whatever built the address: the host must be on allowed
// (nil means the default, loopback only), and names are resolved here, at
// dial time, and the connection is made to the resolved IP itself, so a
// name cannot resolve one way for a check and another way for the
// connection. IP literals are compared by value.
func newDialer(allowed []string) dialFunc {
	if allowed == nil {
		allowed = config.DefaultAllowedHosts()
	}
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, &DisallowedError{Reason: fmt.Sprintf("address %q is not host:port", addr)}
		}
		if !config.HostAllowed(host, allowed) {
			return nil, &DisallowedError{Reason: fmt.Sprintf("host %q is not in safety.allowed_hosts %v", host, allowed)}
		}
		var ips []net.IP
		literal := net.ParseIP(host)
		if literal != nil {
			ips = []net.IP{literal}
		} else {
			addrs, err := resolver.LookupIPAddr(ctx, host)
			if err != nil {
				return nil, err // a *net.DNSError: kind dns
			}
			for _, a := range addrs {
				ips = append(ips, a.IP)
			}
		}
		var firstErr error
		for _, ip := range ips {
			if literal == nil && (ip.IsUnspecified() || ip.IsMulticast()) {
				// A name resolving to 0.0.0.0 or :: would reach the local
				// host on Linux: never what an allowed name should mean.
				firstErr = cmpErr(firstErr, &DisallowedError{Reason: fmt.Sprintf("host %q resolved to %s", host, ip)})
				continue
			}
			conn, err := d.DialContext(ctx, network, net.JoinHostPort(ip.String(), port))
			if err == nil {
				return conn, nil
			}
			firstErr = cmpErr(firstErr, err)
			if ctx.Err() != nil {
				break
			}
		}
		if firstErr == nil {
			firstErr = &net.DNSError{Err: "no addresses", Name: host, IsNotFound: true}
		}
		return nil, firstErr
	}
}

// cmpErr keeps the first error.
func cmpErr(first, err error) error {
	if first != nil {
		return first
	}
	return err
}
