package loadgen

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/loadcron/loadcron/internal/config"
)

// TestHealthMessages: an unhealthy target's message says the full URL
// checked, what came back (status, start of the body) or the error, and
// which keys to change (issue 8 §3).
func TestHealthMessages(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/health":
			w.Write([]byte("ok"))
		case "/down":
			http.Error(w, "redis unreachable", http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	refused := "http://" + closedAddr(t)

	target := func(url, path string) *config.Target {
		return &config.Target{Name: "chat", URL: url, HealthCheck: config.HealthCheck{
			Path: path, Timeout: 2 * time.Second, ExpectStatus: []int{200}}}
	}
	tests := []struct {
		name string
		t    *config.Target
		want []string // parts of the message, in order
	}{
		// healthy: no message
		{"healthy", target(srv.URL, "/health"), nil},
		// a status that is not expected, with the start of the body
		{"status", target(srv.URL, "/down"), []string{
			"GET " + srv.URL + "/down: answered 503 Service Unavailable, want one of [200] (targets.chat.health_check.expect_status)",
			`body: "redis unreachable\n"`,
			"add 503 to targets.chat.health_check.expect_status, or set targets.chat.health_check.path (now \"/down\")",
			"targets.chat.health_check.enabled: false",
		}},
		// nothing listens
		{"refused", target(refused, "/health"), []string{
			"GET " + refused + "/health: no response: connection:", "connection refused",
			"set targets.chat.health_check.path (now \"/health\")", "targets.chat.health_check.enabled: false",
		}},
		// a host that is not allowed never gets the health check either
		{"disallowed", target("http://127.0.0.2:1", "/health"), []string{
			"GET http://127.0.0.2:1/health: no response: disallowed: refused by loadcron: host \"127.0.0.2\" is not in safety.allowed_hosts",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := CheckHealth(context.Background(), tt.t, nil, "loadcron/test", "run")
			if tt.want == nil {
				if !h.Healthy || h.Error != "" {
					t.Fatalf("healthy %v error %q", h.Healthy, h.Error)
				}
				return
			}
			if h.Healthy {
				t.Fatal("healthy")
			}
			rest := h.Error
			for _, w := range tt.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("message lacks %q (in order):\n%s", w, h.Error)
				}
				rest = rest[i+len(w):]
			}
		})
	}
}
