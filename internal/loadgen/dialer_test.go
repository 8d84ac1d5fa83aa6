package loadgen

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// fakeResolver answers fixed addresses per name and counts lookups.
type fakeResolver struct {
	addrs   map[string][]string
	lookups atomic.Int64
}

func (f *fakeResolver) LookupIPAddr(_ context.Context, host string) ([]net.IPAddr, error) {
	f.lookups.Add(1)
	var out []net.IPAddr
	for _, a := range f.addrs[host] {
		out = append(out, net.IPAddr{IP: net.ParseIP(a)})
	}
	if len(out) == 0 {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	return out, nil
}

// TestDialerResolvesAtDialTime: the dialer checks the name against the
// allowlist before any lookup, resolves an allowed name itself when it
// connects and connects to that address; a name that resolves to the
// unspecified address (reaching the local host) is refused; IP literals
// are compared by value.
func TestDialerResolvesAtDialTime(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
	fake := &fakeResolver{addrs: map[string][]string{
		"staging.test": {"127.0.0.1"},
		"zero.test":    {"0.0.0.0"},
		"evil.test":    {"127.0.0.1"},
	}}
	old := resolver
	resolver = fake
	defer func() { resolver = old }()
	dial := newDialer([]string{"staging.test", "zero.test", "::1", "127.0.0.1"})

	tests := []struct {
		name, host string
		lookups    int64
		want       string // "" = connects; else part of the error
	}{
		// an allowed name, resolved by the dialer, connects to its address
		{"allowed name", "staging.test", 1, ""},
		// a name not on the list is refused before any lookup
		{"unlisted name", "evil.test", 0, `host "evil.test" is not in safety.allowed_hosts`},
		// an allowed name resolving to 0.0.0.0 would reach the local host
		{"unspecified", "zero.test", 1, `host "zero.test" resolved to 0.0.0.0`},
		// IP literals compare by value, whatever their spelling
		{"ipv4 literal", "127.0.0.1", 0, ""},
		{"unlisted literal", "127.0.0.2", 0, `host "127.0.0.2" is not in safety.allowed_hosts`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := fake.lookups.Load()
			conn, err := dial(context.Background(), "tcp", net.JoinHostPort(tt.host, port))
			if got := fake.lookups.Load() - before; got != tt.lookups {
				t.Errorf("%d lookups, want %d", got, tt.lookups)
			}
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				conn.Close()
				return
			}
			var d *DisallowedError
			if err == nil || !errors.As(err, &d) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want a DisallowedError with %q", err, tt.want)
			}
		})
	}
}
