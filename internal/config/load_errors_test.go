package config

import (
	"errors"
	"strings"
	"testing"
)

// TestLoadErrors loads one tiny bad file per problem and asserts the
// exact message.
func TestLoadErrors(t *testing.T) {
	const sc0 = "suites.chat.scenarios[0]"
	tests := []struct {
		file string
		want string
	}{
		// a misspelt key is rejected, with a suggestion
		{"unknown_key", `targets.chat.timout: unknown key (did you mean "timeout"?)`},
		// a string where an integer belongs; no follow-on "users must be ≥ 1"
		{"wrong_type", sc0 + `.users: must be an integer, got string "ten"`},
		// a bare number for a duration is not read as nanoseconds
		{"bad_duration", `targets.chat.timeout: must be a duration such as "3s" or "1m30s", got integer 30`},
		// negative users
		{"negative_users", sc0 + `.users: must be ≥ 1, got -3`},
		// a scenario names a target that does not exist
		{"unknown_target", sc0 + `.target: unknown target "chatt" (known: chat)`},
		// the target host is not on safety.allowed_hosts
		{"host_not_allowed", `targets.chat.url: host "Example.com" is not in safety.allowed_hosts [127.0.0.1 ::1 localhost]`},
		// a template that does not parse
		{"bad_template", sc0 + `.request.body: bad template: line 1: bad character U+007D '}'`},
		// a template that parses but names an unknown field
		{"bad_template_field", sc0 + `.request.path: template fails on sample data: line 1: at <.Usr>: can't evaluate field Usr in type *config.TemplateData`},
		// a cron spec with four fields
		{"bad_cron", `suites.chat.schedule: invalid cron spec "*/15 * * *": expected 5 to 6 fields, found 4: [*/15 * * *]`},
		// a success rate above 1
		{"threshold_range", sc0 + `.thresholds.min_success_rate: must be a ratio in [0, 1], got 1.5`},
		// two scenarios with one name
		{"duplicate_scenario", `suites.chat.scenarios[1].name: duplicate scenario name "a" (also scenarios[0])`},
		// an unknown IANA zone
		{"bad_timezone", `suites.chat.timezone: unknown time zone "Mars/Olympus_Mons"`},
		// users and rate together
		{"both_models", sc0 + `.rate: cannot be combined with users: choose the closed model (users) or the open model (rate)`},
		// neither users nor rate
		{"neither_model", sc0 + `.users: must be ≥ 1 (closed model), or set rate (open model)`},
		// closed model without requests_per_user or duration
		{"closed_no_count", sc0 + `.requests_per_user: must be ≥ 1, or set duration`},
		// open model without a duration
		{"open_no_duration", sc0 + `.duration: is required with rate (open model)`},
		// users over safety.max_users
		{"users_cap", sc0 + `.users: 2000 exceeds safety.max_users (1000)`},
		// rate over safety.max_rate
		{"rate_cap", sc0 + `.rate: 5000 exceeds safety.max_rate (1000)`},
		// planned requests over safety.max_requests_per_run
		{"requests_cap", `suites.chat: plans 101000 requests per run, more than safety.max_requests_per_run (100000)`},
		// a scenario longer than safety.max_run_duration
		{"duration_cap", sc0 + `.duration: 1h0m0s exceeds safety.max_run_duration (30m0s)`},
		// grade bounds that do not increase
		{"grades_order", `grades: must increase: excellent (3s) < good (2s) < acceptable (10s)`},
		// no suites at all
		{"empty_suites", `suites: must define at least one suite`},
		// a suite without scenarios
		{"no_scenarios", `suites.chat.scenarios: must list at least one scenario`},
		// a scenario with an empty name
		{"empty_scenario_name", sc0 + `.name: is required`},
		// query_order other than sequential/random
		{"query_order", sc0 + `.request.query_order: must be "sequential" or "random", got "shuffled"`},
		// a method that is not an HTTP token
		{"bad_method", sc0 + `.request.method: must be an HTTP method such as GET or POST, got "GET /"`},
		// a status code outside 100–599
		{"bad_status", sc0 + `.checks.status[1]: must be an HTTP status code (100–599), got 42`},
		// a negative body cap
		{"max_body_bytes", `targets.chat.max_body_bytes: must be > 0, got -1`},
		// an abort ratio above 1
		{"abort_ratio", sc0 + `.abort.max_error_ratio: must be in (0, 1], or 0 to disable, got 1.5`},
		// a target URL that is not http(s)
		{"bad_scheme", `targets.chat.url: must be an http:// or https:// URL, got "ftp://127.0.0.1/x"`},
		// a request path without a leading slash
		{"path_no_slash", sc0 + `.request.path: must start with a single "/", got "api/chat"`},
		// a negative latency threshold
		{"latency_threshold", sc0 + `.thresholds.max_p95_latency: must be > 0, got -1s`},
		// YAML that does not parse
		{"yaml_syntax", `yaml: line 1: did not find expected ',' or ']'`},
		// a target name env variables could not address
		{"bad_name", `targets.Chat: name must be lower-case letters, digits, "_" or "-"`},
		// a scalar where a map belongs; references to it still resolve
		{"wrong_shape", `targets.chat: must be a map of keys, got string "http://127.0.0.1:8003"`},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			file := "testdata/" + tt.file + ".yaml"
			cfg, err := Load(file, LoadOptions{})
			if err == nil {
				t.Fatalf("Load(%s) = nil error, want %q", file, tt.want)
			}
			if cfg != nil {
				t.Errorf("Load(%s) returned a config with an error", file)
			}
			if got, want := err.Error(), file+": "+tt.want; got != want {
				t.Errorf("Load(%s) error\n got: %s\nwant: %s", file, got, want)
			}
		})
	}
}

// TestLoadAllErrorsAtOnce checks that every problem in one file is
// reported, each as a *ValidationError, in key-path order.
func TestLoadAllErrorsAtOnce(t *testing.T) {
	const file = "testdata/all_errors.yaml"
	_, err := Load(file, LoadOptions{})
	want := []string{
		`suites.chat.scenarios[0].users: must be an integer, got string "ten"`,
		`suites.chat.scenarios[1].name: duplicate scenario name "a" (also scenarios[0])`,
		`suites.chat.scenarios[1].users: must be ≥ 1, got -3`,
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

// TestRequireSchedule checks that serve's option makes a schedule required.
func TestRequireSchedule(t *testing.T) {
	const file = "testdata/valid.yaml"
	if _, err := Load(file, LoadOptions{}); err != nil {
		t.Fatalf("without RequireSchedule: %v", err)
	}
	_, err := Load(file, LoadOptions{RequireSchedule: true})
	want := file + `: suites.chat.schedule: is required to serve (a cron spec such as "*/15 * * * *")`
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
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
		`got "ftp://127.0.0.1/x"`,
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
