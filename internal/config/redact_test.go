package config

import "testing"

// TestRedact checks which names are secret.
func TestRedact(t *testing.T) {
	tests := []struct {
		name string
		want string
	}{
		{"Authorization", RedactedValue},       // bearer tokens
		{"proxy-authorization", RedactedValue}, // any case
		{"Cookie", RedactedValue},              // sessions
		{"X-Api-Key", RedactedValue},           // *key*
		{"X-Auth-Token", RedactedValue},        // *token*
		{"client_secret", RedactedValue},       // *secret*
		{"Content-Type", "v"},                  // ordinary header
		{"X-Loadcron-Run", "v"},                // ordinary header
	}
	for _, tt := range tests {
		if got := Redact(tt.name, "v"); got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestConfigRedacted checks that Redacted hides secrets without touching
// the original.
func TestConfigRedacted(t *testing.T) {
	cfg, err := Load("testdata/valid.yaml", LoadOptions{Env: []string{
		"LOADCRON_TARGETS__CHAT__HEADERS__X_TENANT=acme",
		"LOADCRON_SERVER__TRIGGER_TOKEN=t0k",
	}})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Suites["chat"].Scenarios[0].Request.Headers = map[string]string{"Authorization": "Bearer x", "Accept": "text/plain"}
	r := cfg.Redacted()
	got := []string{
		r.Targets["chat"].Headers["x_tenant"],
		r.Server.TriggerToken,
		r.Suites["chat"].Scenarios[0].Request.Headers["Authorization"],
		r.Suites["chat"].Scenarios[0].Request.Headers["Accept"],
		cfg.Targets["chat"].Headers["x_tenant"],
		cfg.Server.TriggerToken,
		cfg.Suites["chat"].Scenarios[0].Request.Headers["Authorization"],
	}
	want := []string{RedactedValue, RedactedValue, RedactedValue, "text/plain", "acme", "t0k", "Bearer x"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("value %d = %q, want %q", i, got[i], want[i])
		}
	}
}
