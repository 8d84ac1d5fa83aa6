package config_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/loadcron/loadcron/internal/config"
)

// TestStreamDefaults checks the defaults of the streaming keys and of the
// traceparent switches.
func TestStreamDefaults(t *testing.T) {
	tests := []struct {
		stream, timeout string
		wantEnd         string
		wantIdle        time.Duration
	}{
		// SSE ends with data: [DONE]; idle timeout 10s under the default 30s timeout
		{"sse", "", "[DONE]", 10 * time.Second},
		// NDJSON and chunked end at a clean end of the body
		{"ndjson", "", "eof", 10 * time.Second},
		{"chunked", "", "eof", 10 * time.Second},
		// a request timeout under 10s caps the idle timeout
		{"sse", "4s", "[DONE]", 4 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.stream+tt.timeout, func(t *testing.T) {
			timeout := ""
			if tt.timeout != "" {
				timeout = "\n    timeout: " + tt.timeout
			}
			yaml := fmt.Sprintf(`
targets:
  chat:
    url: http://127.0.0.1:8003%s
suites:
  chat:
    scenarios:
      - {name: a, target: chat, users: 1, requests_per_user: 1, request: {stream: %s}}
`, timeout, tt.stream)
			cfg, err := config.Parse([]byte(yaml), "t.yaml", config.LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			sc := cfg.Suites["chat"].Scenarios[0]
			if !sc.IsStream() || sc.Checks.StreamEnd != tt.wantEnd || sc.Request.StreamIdleTimeout != tt.wantIdle {
				t.Errorf("stream %q: end %q, idle %s; want %q, %s", sc.Request.Stream, sc.Checks.StreamEnd, sc.Request.StreamIdleTimeout, tt.wantEnd, tt.wantIdle)
			}
			tp := cfg.Targets["chat"].Traceparent
			if !tp.IsEnabled() || !tp.IsSampled() {
				t.Errorf("traceparent %+v: want enabled and sampled by default", tp)
			}
		})
	}
}
