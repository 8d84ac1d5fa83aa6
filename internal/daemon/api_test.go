package daemon

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestTriggerAPIAndRestart(t *testing.T) {
	_, url := startChatsim(t, 150*time.Millisecond)
	dir := t.TempDir()
	cfg := suiteYAML(url, "0 0 1 1 *", "server:\n  trigger_token: s3cret\n")
	d := start(t, dir, cfg)
	api := d.addr + "/api/v1/suites/chat/run"
	if code, _ := do(t, "POST", api, ""); code != 401 {
		t.Errorf("no token: %d, want 401", code)
	}
	if code, _ := do(t, "POST", api, "wrong"); code != 401 {
		t.Errorf("wrong token: %d, want 401", code)
	}
	code, body := do(t, "POST", api, "s3cret")
	if code != 202 {
		t.Fatalf("right token: %d %s, want 202", code, body)
	}
	var started struct {
		RunID string `json:"run_id"`
	}
	if err := json.Unmarshal([]byte(body), &started); err != nil || started.RunID == "" {
		t.Fatalf("202 body %q: %v", body, err)
	}
	if code, _ := do(t, "POST", api, "s3cret"); code != 409 {
		t.Errorf("while running: %d, want 409", code)
	}
	if code, _ := do(t, "POST", d.addr+"/api/v1/suites/nope/run", "s3cret"); code != 404 {
		t.Errorf("unknown suite: %d, want 404", code)
	}
	waitFor(t, "the triggered run in history", func() bool {
		rs := runs(t, d.addr)
		return len(rs) == 1 && rs[0].RunID == started.RunID && rs[0].Trigger == "api"
	})
	d.stop(t)

	// A second daemon on the same data directory serves the same history.
	d2 := start(t, dir, cfg)
	if code, body := do(t, "GET", d2.addr+"/api/v1/runs/"+started.RunID, ""); code != 200 || !strings.Contains(body, started.RunID) {
		t.Errorf("after restart: %d %s", code, body)
	}
}

// selfSigned writes a certificate and key for 127.0.0.1 into dir and
// returns their paths and a pool that trusts the certificate.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "loadcron test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

func TestTLSListenerAndTokenFile(t *testing.T) {
	_, url := startChatsim(t, 5*time.Millisecond)
	dir := t.TempDir()
	certFile, keyFile, pool := selfSigned(t, dir)
	webCfg := filepath.Join(dir, "web.yml")
	os.WriteFile(webCfg, []byte(fmt.Sprintf("tls_server_config:\n  cert_file: %s\n  key_file: %s\n", certFile, keyFile)), 0o600)
	tokenFile := filepath.Join(dir, "token")
	os.WriteFile(tokenFile, []byte("from-a-file\n"), 0o600)
	file := filepath.Join(dir, "loadcron.yaml")
	os.WriteFile(file, []byte(suiteYAML(url, "0 0 1 1 *", "server: {trigger_token_file: "+tokenFile+"}\n")), 0o644)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Options{ConfigFile: file, Listener: ln, WatchInterval: -1, WebConfigFile: webCfg,
			Overrides: map[string]any{"history.dir": filepath.Join(dir, "data")}})
	}()
	defer func() { cancel(); <-done }()
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	defer client.CloseIdleConnections()
	base := "https://" + ln.Addr().String()
	waitFor(t, "TLS ready", func() bool {
		resp, err := client.Get(base + "/-/ready")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})
	// Plain HTTP is refused on a TLS listener.
	if resp, err := http.Get("http://" + ln.Addr().String() + "/-/healthy"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == 200 {
			t.Error("plain HTTP served on the TLS listener")
		}
	}
	// The token comes from trigger_token_file (trailing newline trimmed).
	req, _ := http.NewRequest("POST", base+"/api/v1/suites/chat/run", nil)
	req.Header.Set("Authorization", "Bearer from-a-file")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 202 {
		t.Errorf("trigger with the file's token over TLS: %d, want 202", resp.StatusCode)
	}
	waitFor(t, "the run to finish", func() bool {
		resp, err := client.Get(base + "/api/v1/runs")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return strings.Contains(string(b), `"trigger": "api"`)
	})
}

// TestTriggerOnlySuite: a suite without a schedule is valid for serve: it
// never runs on its own (no next-run time) and runs when triggered.
func TestTriggerOnlySuite(t *testing.T) {
	_, url := startChatsim(t, time.Millisecond)
	cfg := suiteYAML(url, "", "server:\n  trigger_token: s3cret\n")
	d := start(t, t.TempDir(), cfg)
	mfs := scrape(t, d.addr)
	if v, ok := value(mfs, "loadcron_suite_next_run_timestamp_seconds", map[string]string{"suite": "chat"}); ok && v != 0 {
		t.Errorf("a trigger-only suite has a next run at %v", v)
	}
	if code, body := do(t, "POST", d.addr+"/api/v1/suites/chat/run", "s3cret"); code != 202 {
		t.Fatalf("trigger: %d %s", code, body)
	}
	waitFor(t, "the triggered run in history", func() bool {
		rs := runs(t, d.addr)
		return len(rs) == 1 && rs[0].Trigger == "api"
	})
}
