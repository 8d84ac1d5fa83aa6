package deploy

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const unitPath = "systemd/loadcron.service"

// unit is a parsed systemd unit: section → key → values in order.
type unit map[string]map[string][]string

func parseUnit(t *testing.T, p string) unit {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	u, section := unit{}, ""
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = line[1 : len(line)-1]
			u[section] = map[string][]string{}
		case section == "":
			t.Fatalf("%s:%d: setting outside a section", p, n)
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				t.Fatalf("%s:%d: not KEY=VALUE: %q", p, n, line)
			}
			u[section][k] = append(u[section][k], v)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return u
}

// TestSystemdUnit checks the unit's command line and hardening.
func TestSystemdUnit(t *testing.T) {
	u := parseUnit(t, unitPath)
	tests := []struct {
		key, want string
	}{
		{"DynamicUser", "yes"},                                  // a transient, unprivileged user
		{"StateDirectory", "loadcron"},                          // /var/lib/loadcron, owned by it
		{"ProtectSystem", "strict"},                             // everything else read-only
		{"ProtectHome", "yes"},                                  // no home directories
		{"PrivateTmp", "yes"},                                   // own /tmp
		{"PrivateDevices", "yes"},                               // no devices
		{"NoNewPrivileges", "yes"},                              // no setuid escalation
		{"CapabilityBoundingSet", ""},                           // no capabilities at all
		{"RestrictAddressFamilies", "AF_INET AF_INET6 AF_UNIX"}, // HTTP and local sockets only
		{"SystemCallFilter", "@system-service"},                 // the usual service syscalls
		{"ExecReload", "/bin/kill -HUP $MAINPID"},               // reload = SIGHUP
		{"RestartPreventExitStatus", "2"},                       // a bad config does not restart-loop
	}
	svc := u["Service"]
	for _, tc := range tests {
		if got, ok := svc[tc.key]; !ok || got[0] != tc.want {
			t.Errorf("%s = %q, want %q", tc.key, got, tc.want)
		}
	}
	exec := strings.Fields(svc["ExecStart"][0])
	if len(exec) < 2 || filepath.Base(exec[0]) != "loadcron" || exec[1] != "serve" {
		t.Fatalf("ExecStart %v: want loadcron serve", exec)
	}
	if c := argValue(exec, "--config.file"); c != "/etc/loadcron/loadcron.yaml" {
		t.Errorf("--config.file %q, want /etc/loadcron/loadcron.yaml", c)
	}
	checkCommandLine(t, "ExecStart", exec[1:])
	if d := argValue(exec, "--data-dir"); d != "/var/lib/"+svc["StateDirectory"][0] {
		t.Errorf("--data-dir %q is not the StateDirectory", d)
	}
	if got := u["Install"]["WantedBy"]; len(got) != 1 || got[0] != "multi-user.target" {
		t.Errorf("WantedBy = %v", got)
	}
}

// TestSystemdAnalyze runs systemd-analyze verify and the offline security
// score on the unit (ExecStart pointed at an existing binary). Optional:
// skipped without systemd-analyze, in CI too.
func TestSystemdAnalyze(t *testing.T) {
	sa, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze not on PATH; skipping (optional check)")
	}
	b, err := os.ReadFile(unitPath)
	if err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "loadcron.service")
	if err := os.WriteFile(p, []byte(strings.ReplaceAll(string(b), "/usr/local/bin/loadcron", self)), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := runCmd(t, time.Minute, "", nil, sa, "verify", p); err != nil || strings.TrimSpace(out) != "" {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
	// Exposure ≤ 2.0 of 10 ("OK"); --threshold is in tenths.
	if out, err := runCmd(t, time.Minute, "", nil, sa, "security", "--offline=true", "--threshold=20", p); err != nil {
		t.Errorf("systemd-analyze security: exposure above 2.0: %v\n%s", err, out)
	}
}
