package config

import (
	"errors"
	"strings"
	"testing"
)

// TestLoadAllErrorsAtOnce checks that every problem in one file is
// reported, each as a *ValidationError, in key-path order.
func TestLoadAllErrorsAtOnce(t *testing.T) {
	const file = "testdata/all_errors.yaml"
	_, err := Load(file, LoadOptions{})
	want := []string{
		`suites.chat.scenarios[0].users: must be an integer, got string "ten"`,
		`suites.chat.scenarios[1].name: duplicate scenario name "a" (also scenarios[0])`,
		`suites.chat.scenarios[1].users: must be from 1 to safety.max_users (1000), got -3`,
		`suites.chat.scenarios[2].request.body: bad template: line 1: unclosed action`,
		`suites.chat.scenarios[2].target: unknown target "nope" (known: chat, prod)`,
		`suites.chat.scenarios[2].thresholds.min_cache_hit_rate: must be a ratio in [0, 1], got 2`,
		`suites.chat.schedule: invalid cron spec "61 * * * *": end of range (61) above maximum (59): 61`,
		`targets.chat.timeout: must be a duration such as "3s" or "1m30s", got integer 30`,
		`targets.chat.timout: unknown key (did you mean "timeout"?)`,
		`targets.prod.url: host "api.example.com" is not in safety.allowed_hosts [127.0.0.1 ::1 localhost]`,
	}
	for i := range want {
		want[i] = file + ": " + want[i]
	}
	if got := err.Error(); got != strings.Join(want, "\n") {
		t.Errorf("error\n got: %s\nwant: %s", got, strings.Join(want, "\n"))
	}
	errs := AsValidationErrors(err)
	if len(errs) != len(want) {
		t.Fatalf("AsValidationErrors: %d errors, want %d", len(errs), len(want))
	}
	if e := errs[0]; e.File != file || e.Path != "suites.chat.scenarios[0].users" || e.Msg != `must be an integer, got string "ten"` {
		t.Errorf("first error = %+v", *e)
	}
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Path == "" {
		t.Errorf("errors.As(*ValidationError) failed on %v", err)
	}
}

// TestSuiteWithoutSchedule: a suite without a schedule is valid (run
// runs it; serve keeps it for the trigger API) and says so.
func TestSuiteWithoutSchedule(t *testing.T) {
	cfg, err := Load("testdata/valid.yaml", LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.Suites["chat"].TriggerOnly() {
		t.Errorf("a suite without schedule is not TriggerOnly")
	}
}

// TestLoadMissingFile checks that an unreadable file is a plain error.
func TestLoadMissingFile(t *testing.T) {
	_, err := Load("testdata/does-not-exist.yaml", LoadOptions{})
	if err == nil || !strings.Contains(err.Error(), "read config: open testdata/does-not-exist.yaml") {
		t.Errorf("error = %v", err)
	}
	if AsValidationErrors(err) != nil {
		t.Errorf("a read error is not a validation error")
	}
}

// TestErrorsDoNotEchoSecrets: a wrong-typed secret is reported by its
// type only, and URLs lose user info and queries, because config errors
// reach logs and the /-/reload response.
func TestErrorsDoNotEchoSecrets(t *testing.T) {
	yaml := `
targets:
  chat:
    url: "ftp://user:hunter2@127.0.0.1/x?api_key=98765432123"
    headers:
      X-Api-Key: 98765432123
server:
  trigger_token: 12345678987
`
	_, err := Parse([]byte(yaml), "secret.yaml", LoadOptions{})
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	for _, secret := range []string{"98765432123", "12345678987", "hunter2"} {
		if strings.Contains(msg, secret) {
			t.Errorf("error echoes the secret %q:\n%s", secret, msg)
		}
	}
	for _, want := range []string{
		"secret.yaml: targets.chat.headers.X-Api-Key: must be a string, got an integer",
		"secret.yaml: server.trigger_token: must be a string, got an integer",
		`got "ftp" in "ftp://127.0.0.1/x"`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
}

// TestEnvOutsideSectionsIgnored: variables Kubernetes sets for a Service
// named loadcron (no "__") are not config keys and must not stop the
// daemon; a typo in a key still is an error.
func TestEnvOutsideSectionsIgnored(t *testing.T) {
	yaml := "targets:\n  chat:\n    url: http://127.0.0.1:8003\nsuites:\n  chat:\n    scenarios:\n      - {name: a, target: chat, users: 1, requests_per_user: 1, request: {path: /}}\n"
	env := []string{"LOADCRON_PORT=tcp://10.0.0.1:8097", "LOADCRON_SERVICE_HOST=10.0.0.1", "LOADCRON_PORT_8097_TCP_PORT=8097"}
	if _, err := Parse([]byte(yaml), "k8s.yaml", LoadOptions{Env: env}); err != nil {
		t.Errorf("Kubernetes service variables rejected: %v", err)
	}
	_, err := Parse([]byte(yaml), "k8s.yaml", LoadOptions{Env: []string{"LOADCRON_SERVER__TRIGER_TOKEN=x"}})
	if err == nil || !strings.Contains(err.Error(), "server.triger_token") {
		t.Errorf("typo in a section: err = %v, want it named", err)
	}
}
