package config

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Fuzz targets. Their seeds (f.Add below, the table's configs and
// testdata/fuzz/<Name>/) run as ordinary tests; `make fuzz` runs each for
// a bounded time (see README.md, Development).

// FuzzParse loads arbitrary bytes as a config file. It must never panic,
// and a config it accepts must obey the numbers rule and load again to
// the same hash.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/table/*.yaml")
	files = append(files, "testdata/valid.yaml", "testdata/all_errors.yaml", "../../config/loadcron.yaml")
	for _, file := range files {
		if b, err := os.ReadFile(file); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("a: &a [*a, *a]\n"))
	f.Add([]byte("targets: {chat: {url: 'http://[::1]:1/'}}\nsuites: {s: {scenarios: [{name: a, target: chat, rate: 1e-300, duration: 1ns}]}}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse(data, "fuzz.yaml", LoadOptions{})
		if err != nil {
			if cfg != nil {
				t.Fatal("config returned with an error")
			}
			return
		}
		checkInvariants(t, cfg)
		again, err := Parse(data, "fuzz.yaml", LoadOptions{})
		if err != nil || again.Hash != cfg.Hash {
			t.Fatalf("second load differs: %v, hash %s vs %s", err, again.Hash, cfg.Hash)
		}
	})
}

// checkInvariants asserts what every accepted config must satisfy.
func checkInvariants(t *testing.T, cfg *Config) {
	t.Helper()
	finite := func(what string, v float64) {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Fatalf("%s is %v in an accepted config", what, v)
		}
	}
	ratio := func(what string, v *float64) {
		if v != nil && (*v < 0 || *v > 1 || math.IsNaN(*v)) {
			t.Fatalf("%s = %v in an accepted config", what, *v)
		}
	}
	s := cfg.Safety
	finite("safety.max_rate", s.MaxRate)
	if s.MaxRate <= 0 || s.MaxUsers < 1 || s.MaxRequestsPerRun < 1 || s.MaxRunDuration <= 0 {
		t.Fatalf("a safety cap is off: %+v", s)
	}
	for name, tg := range cfg.Targets {
		finite(name+".cost", tg.CostPerUncachedRequest)
		if tg.Timeout <= 0 || tg.MaxBodyBytes <= 0 || tg.HealthCheck.Timeout <= 0 {
			t.Fatalf("target %s: a non-positive limit: %+v", name, tg)
		}
		if msg := checkTargetURL(tg.URL, s.AllowedHosts); msg != "" {
			t.Fatalf("target %s: accepted URL is bad: %s", name, msg)
		}
	}
	for _, su := range cfg.Suites {
		for _, sc := range su.Scenarios {
			finite("rate", sc.Rate)
			if sc.Rate > s.MaxRate || sc.Users > s.MaxUsers || sc.Duration > s.MaxRunDuration || sc.Rate < 0 {
				t.Fatalf("scenario %s exceeds a cap: %+v", sc.Name, sc)
			}
			if sc.IsOpen() == (sc.PeakUsers() > 0) {
				t.Fatalf("scenario %s has no single model: users %d rate %v stages %d", sc.Name, sc.Users, sc.Rate, len(sc.Stages))
			}
			for _, st := range sc.Stages {
				if st.Rate != nil {
					finite("stage rate", *st.Rate)
				}
				if st.Duration <= 0 || (st.Rate != nil) == (st.Users != nil) ||
					st.Rate != nil && (*st.Rate < 0 || *st.Rate > s.MaxRate) || st.Users != nil && (*st.Users < 0 || *st.Users > s.MaxUsers) {
					t.Fatalf("scenario %s: a bad stage was accepted: %+v", sc.Name, st)
				}
			}
			if sc.Length() > s.MaxRunDuration || sc.RampUp < 0 {
				t.Fatalf("scenario %s: stages or ramp_up over the caps", sc.Name)
			}
			ratio("abort", sc.Abort.MaxErrorRatio)
			ratio("min_success_rate", sc.Thresholds.MinSuccessRate)
			ratio("min_cache_hit_rate", sc.Thresholds.MinCacheHitRate)
			if _, err := sc.Request.Compile(); err != nil {
				t.Fatalf("accepted request does not compile: %v", err)
			}
		}
	}
}

// FuzzEnvAndSet applies one LOADCRON_ variable and one --set argument to
// a valid config. Nothing may panic; an accepted config obeys the
// invariants; and a value given for a secret key never appears in an
// error, nor does anything after the key of a --set without "=".
func FuzzEnvAndSet(f *testing.F) {
	base, err := os.ReadFile("testdata/valid.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add("LOADCRON_SAFETY__MAX_RATE", "NaN", "server.trigger_token:s3cretvalue")
	f.Add("LOADCRON_TARGETS__CHAT__TIMEOUT", "0s", "targets.chat.timeout=1s")
	f.Add("LOADCRON_SAFETY__ALLOWED_HOSTS__0", "x", "safety.allowed_hosts=127.0.0.1,::1")
	f.Add("LOADCRON_TARGETS__CHAT__HEADERS__AUTHORIZATION", "Bearer x\r\n", "targets.chat.headers.x-token=abc")
	f.Add("LOADCRON_SUITES__CHAT__SCENARIOS__0__USERS", "5", "suites.chat.scenarios=1")
	f.Add("LOADCRON_SERVER__LISTEN_ADDRESS", ":99999", "=x")
	f.Fuzz(func(t *testing.T, name, value, set string) {
		env := []string{name + "=" + value}
		o, serr := ParseSet(set)
		if serr != nil {
			// Whatever followed a ":" is never shown: the message must not
			// change when it is replaced by a marker.
			if k, after, ok := strings.Cut(set, ":"); ok && after != "" {
				if _, err2 := ParseSet(k + ":" + secretMarker); err2 != nil && strings.Contains(err2.Error(), secretMarker) {
					t.Fatalf("--set error echoes what followed ':': %v", err2)
				}
			}
			return
		}
		cfg, err := Parse(base, "fuzz.yaml", LoadOptions{Env: env, Sets: []Override{o}})
		if err != nil {
			// A secret given through --set is never echoed: the same
			// override with a marker value must not show the marker.
			if secretPath(o.Key) {
				o.Value = secretMarker
				if _, err2 := Parse(base, "fuzz.yaml", LoadOptions{Env: env, Sets: []Override{o}}); err2 != nil && strings.Contains(err2.Error(), secretMarker) {
					t.Fatalf("error echoes the secret value of %s: %v", o.Key, err2)
				}
			}
			return
		}
		checkInvariants(t, cfg)
	})
}

// secretMarker stands in for a secret value: an error that contains it
// echoed the value.
const secretMarker = "Zq9-secret-marker-9qZ"
