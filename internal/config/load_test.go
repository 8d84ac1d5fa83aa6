package config

import (
	"os"
	"reflect"
	"testing"
	"time"
)

// TestEnvOverrides checks that LOADCRON_* variables set keys, with "__"
// nesting and text parsed to the field's type.
func TestEnvOverrides(t *testing.T) {
	tests := []struct {
		name  string
		env   []string
		check func(*Config) any
		want  any
	}{
		// a target URL can be pointed elsewhere (on an allowed host)
		{"url", []string{"LOADCRON_TARGETS__CHAT__URL=http://localhost:9000"},
			func(c *Config) any { return c.Targets["chat"].URL }, "http://localhost:9000"},
		// an integer
		{"int", []string{"LOADCRON_SAFETY__MAX_USERS=50"},
			func(c *Config) any { return c.Safety.MaxUsers }, 50},
		// a duration
		{"duration", []string{"LOADCRON_TARGETS__CHAT__TIMEOUT=2s"},
			func(c *Config) any { return c.Targets["chat"].Timeout }, 2 * time.Second},
		// a boolean
		{"bool", []string{"LOADCRON_SERVER__RUN_ON_START=true"},
			func(c *Config) any { return c.Server.RunOnStart }, true},
		// a float
		{"float", []string{"LOADCRON_TARGETS__CHAT__COST_PER_UNCACHED_REQUEST=0.06"},
			func(c *Config) any { return c.Targets["chat"].CostPerUncachedRequest }, 0.06},
		// single underscores stay inside a key name
		{"single underscore", []string{"LOADCRON_SERVER__TRIGGER_TOKEN=s3cret"},
			func(c *Config) any { return c.Server.TriggerToken }, "s3cret"},
		// a header (secret) set from the environment; names are lower-cased
		{"header", []string{"LOADCRON_TARGETS__CHAT__HEADERS__AUTHORIZATION=Bearer x"},
			func(c *Config) any { return c.Targets["chat"].Headers }, map[string]string{"authorization": "Bearer x"}},
		// a comma-separated list, and a URL on a host it allows
		{"list", []string{"LOADCRON_SAFETY__ALLOWED_HOSTS=127.0.0.1, staging.local", "LOADCRON_TARGETS__CHAT__URL=http://staging.local"},
			func(c *Config) any { return c.Safety.AllowedHosts }, []string{"127.0.0.1", "staging.local"}},
		// a whole new target, by name
		{"new target", []string{"LOADCRON_TARGETS__OTHER__URL=http://127.0.0.1:1"},
			func(c *Config) any { return c.Targets["other"].Timeout }, 30 * time.Second},
		// variables without the prefix are ignored
		{"no prefix", []string{"TARGETS__CHAT__URL=http://x", "HOME=/root"},
			func(c *Config) any { return c.Targets["chat"].URL }, "http://127.0.0.1:8003"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Load("testdata/valid.yaml", LoadOptions{Env: tt.env})
			if err != nil {
				t.Fatal(err)
			}
			if got := tt.check(cfg); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

// TestEnvErrors checks that bad environment values are reported with the
// key path and the variable's name.
func TestEnvErrors(t *testing.T) {
	const f = "testdata/valid.yaml: "
	tests := []struct {
		name string
		env  []string
		want string
	}{
		// a duration that does not parse
		{"duration", []string{"LOADCRON_TARGETS__CHAT__TIMEOUT=abc"},
			f + `targets.chat.timeout: must be a duration such as "3s" or "1m30s", got string "abc" (from LOADCRON_TARGETS__CHAT__TIMEOUT)`},
		// an integer that does not parse
		{"int", []string{"LOADCRON_SAFETY__MAX_USERS=many"},
			f + `safety.max_users: must be an integer, got string "many" (from LOADCRON_SAFETY__MAX_USERS)`},
		// a URL outside the allowed hosts
		{"host", []string{"LOADCRON_TARGETS__CHAT__URL=https://prod.example.com"},
			f + `targets.chat.url: host "prod.example.com" is not in safety.allowed_hosts [127.0.0.1 ::1 localhost] (from LOADCRON_TARGETS__CHAT__URL)`},
		// a variable that names no key
		{"unknown", []string{"LOADCRON_SERVR__LISTEN_ADDRESS=:1"},
			f + `servr: unknown key (did you mean "server"?) (from LOADCRON_SERVR__LISTEN_ADDRESS)`},
		// lists cannot be indexed from the environment
		{"list index", []string{"LOADCRON_SUITES__CHAT__SCENARIOS__0__USERS=3"},
			f + `suites.chat.scenarios: must be a list, got a map (a list cannot be indexed from LOADCRON_* variables; set it in the file, or as one comma-separated value) (from LOADCRON_SUITES__CHAT__SCENARIOS__0__USERS)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load("testdata/valid.yaml", LoadOptions{Env: tt.env})
			if err == nil || err.Error() != tt.want {
				t.Errorf("error\n got: %v\nwant: %s", err, tt.want)
			}
		})
	}
}

// TestOverrides checks flag overrides: they come last, strings are parsed
// like env values and typed values are taken as they are.
func TestOverrides(t *testing.T) {
	cfg, err := Load("testdata/valid.yaml", LoadOptions{
		Env: []string{"LOADCRON_SERVER__LISTEN_ADDRESS=127.0.0.1:1111"},
		Overrides: map[string]any{
			"server.listen_address": "127.0.0.1:2222",
			"history.dir":           "/var/lib/loadcron",
			"history.max_runs":      7,
			"safety.max_users":      "20",
			"server.shutdown_grace": 3 * time.Second,
			"safety.allowed_hosts":  []string{"127.0.0.1"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := []any{cfg.Server.ListenAddress, cfg.History.Dir, cfg.History.MaxRuns, cfg.Safety.MaxUsers, cfg.Server.ShutdownGrace, cfg.Safety.AllowedHosts}
	want := []any{"127.0.0.1:2222", "/var/lib/loadcron", 7, 20, 3 * time.Second, []string{"127.0.0.1"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}

	_, err = Load("testdata/valid.yaml", LoadOptions{Overrides: map[string]any{"safety.max_users": "lots"}})
	const wantErr = `testdata/valid.yaml: safety.max_users: must be an integer, got string "lots" (from override safety.max_users)`
	if err == nil || err.Error() != wantErr {
		t.Errorf("error\n got: %v\nwant: %s", err, wantErr)
	}
}

// TestFreshLoad checks that a load does not inherit an earlier one's keys.
func TestFreshLoad(t *testing.T) {
	env := []string{"LOADCRON_TARGETS__CHAT__URL=http://localhost:9"}
	if _, err := Load("testdata/valid.yaml", LoadOptions{Env: env}); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load("testdata/valid.yaml", LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Targets["chat"].URL; got != "http://127.0.0.1:8003" {
		t.Errorf("URL = %q after a load without env", got)
	}
}

// TestDefaults checks every default on a minimal config.
func TestDefaults(t *testing.T) {
	cfg, err := Load("testdata/valid.yaml", LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tg, su := cfg.Targets["chat"], cfg.Suites["chat"]
	sc := su.Scenarios[0]
	checks := []struct {
		name      string
		got, want any
	}{
		{"target name", tg.Name, "chat"},
		{"suite name", su.Name, "chat"},
		{"timeout", tg.Timeout, 30 * time.Second},
		{"max_body_bytes", tg.MaxBodyBytes, int64(1 << 20)},
		{"health enabled", tg.HealthCheck.IsEnabled(), true},
		{"health path", tg.HealthCheck.Path, "/health"},
		{"health timeout", tg.HealthCheck.Timeout, 5 * time.Second},
		{"health status", tg.HealthCheck.ExpectStatus, []int{200}},
		{"json_field", tg.CacheSignal.JSONField, "cached"},
		{"header_value", tg.CacheSignal.HeaderValue, "HIT"},
		{"timezone", su.TimeZone, "Local"},
		{"critical", sc.IsCritical(), true},
		{"method", sc.Request.Method, "GET"},
		{"query_order", sc.Request.QueryOrder, "sequential"},
		{"seed", sc.Request.Seed, int64(1)},
		{"abort ratio", *sc.Abort.MaxErrorRatio, 0.5},
		{"abort min", sc.Abort.MinRequests, 100},
		{"grades", cfg.Grades, Grades{3 * time.Second, 5 * time.Second, 10 * time.Second}},
		{"allowed_hosts", cfg.Safety.AllowedHosts, []string{"127.0.0.1", "::1", "localhost"}},
		{"max_users", cfg.Safety.MaxUsers, 1000},
		{"max_rate", cfg.Safety.MaxRate, 1000.0},
		{"max_requests_per_run", cfg.Safety.MaxRequestsPerRun, 100000},
		{"max_run_duration", cfg.Safety.MaxRunDuration, 30 * time.Minute},
		{"listen_address", cfg.Server.ListenAddress, ":8097"},
		{"shutdown_grace", cfg.Server.ShutdownGrace, 10 * time.Second},
		{"history dir", cfg.History.Dir, "data"},
		{"max_runs", cfg.History.MaxRuns, 100},
		{"max_age", cfg.History.MaxAge, 168 * time.Hour},
		{"file", cfg.File, "testdata/valid.yaml"},
		{"hash length", len(cfg.Hash), 12},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %#v, want %#v", c.name, c.got, c.want)
		}
	}
}

// TestOpenModelDefaults checks the open model's max_in_flight default,
// capped by safety.max_users, and POST as the default with a body.
func TestOpenModelDefaults(t *testing.T) {
	const doc = `
targets: {chat: {url: "http://127.0.0.1:1"}}
safety: {max_users: 300}
suites:
  chat:
    scenarios:
      - {name: open, target: chat, rate: 50, duration: 2s, request: {body: "x"}}
`
	cfg, err := Parse([]byte(doc), "inline", LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sc := cfg.Suites["chat"].Scenarios[0]
	if sc.MaxInFlight != 300 || sc.Request.Method != "POST" || !sc.IsOpen() {
		t.Errorf("max_in_flight = %d, method = %s, open = %t; want 300, POST, true", sc.MaxInFlight, sc.Request.Method, sc.IsOpen())
	}
}

// TestParseEmbedded checks Parse, the hash's stability and that an IPv6
// loopback target is allowed.
func TestParseEmbedded(t *testing.T) {
	data, err := os.ReadFile("testdata/ipv6_allowed.yaml")
	if err != nil {
		t.Fatal(err)
	}
	a, err := Parse(data, "embedded.yaml", LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Parse(data, "other-name.yaml", LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c, err := Parse(data, "embedded.yaml", LoadOptions{Env: []string{"LOADCRON_HISTORY__MAX_RUNS=5"}})
	if err != nil {
		t.Fatal(err)
	}
	if a.File != "embedded.yaml" {
		t.Errorf("File = %q", a.File)
	}
	if a.Hash != b.Hash {
		t.Errorf("hash depends on the file name: %s vs %s", a.Hash, b.Hash)
	}
	if a.Hash == c.Hash {
		t.Errorf("hash %s did not change with the config", a.Hash)
	}
}

// TestHostAllowed covers the host comparison rules.
func TestHostAllowed(t *testing.T) {
	allowed := []string{"LocalHost", "::1", "*.staging.example.com", "10.0.0.1"}
	tests := []struct {
		host string
		want bool
	}{
		{"localhost", true},                // case-insensitive
		{"localhost.", true},               // trailing dot
		{"0:0:0:0:0:0:0:1", true},          // IPv6 compared by value
		{"api.staging.example.com", true},  // wildcard subdomain
		{"staging.example.com", false},     // wildcard needs a subdomain
		{"evilstaging.example.com", false}, // suffix must be a whole label
		{"10.0.0.1", true},                 // IPv4
		{"10.0.0.2", false},                // other IPv4
		{"example.com", false},             // not listed
	}
	for _, tt := range tests {
		if got := HostAllowed(tt.host, allowed); got != tt.want {
			t.Errorf("HostAllowed(%q) = %t, want %t", tt.host, got, tt.want)
		}
	}
}

// TestEnvUnknownLeaf checks that an unknown section variable is named
// once, and that a variable without "__" (never a key) is ignored.
func TestEnvUnknownLeaf(t *testing.T) {
	_, err := Load("testdata/valid.yaml", LoadOptions{Env: []string{"LOADCRON_FOO__BAR=1"}})
	const want = `testdata/valid.yaml: foo: unknown key (from LOADCRON_FOO__BAR)`
	if err == nil || err.Error() != want {
		t.Errorf("error\n got: %v\nwant: %s", err, want)
	}
	if _, err := Load("testdata/valid.yaml", LoadOptions{Env: []string{"LOADCRON_FOO=1"}}); err != nil {
		t.Errorf("LOADCRON_FOO (no __) should be ignored: %v", err)
	}
}
