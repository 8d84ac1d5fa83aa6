package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// serving runs s.Serve on a fresh 127.0.0.1:0 listener and returns the
// base URL, a cancel func and the channel Serve's result arrives on.
func serving(t *testing.T, opts Options) (string, context.CancelFunc, <-chan error) {
	t.Helper()
	ln, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- New(opts).Serve(ctx, ln) }()
	t.Cleanup(cancel)
	return "http://" + ln.Addr().String(), cancel, errc
}

// wait returns Serve's result, failing the test after a deadline.
func wait(t *testing.T, errc <-chan error) error {
	t.Helper()
	select {
	case err := <-errc:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return")
		return nil
	}
}

// client is an HTTP client whose connections the test closes, so goleak
// sees no idle connection goroutines.
func client(t *testing.T) *http.Client {
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

// get sends a request with optional basic auth and headers.
func get(t *testing.T, c *http.Client, method, url, user, pass string, header map[string]string) (int, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, resp.Header
}

func TestServePlainAndCancel(t *testing.T) {
	url, cancel, errc := serving(t, Options{})
	c := client(t)
	if code, _ := get(t, c, "GET", url+"/-/healthy", "", "", nil); code != 200 {
		t.Fatalf("healthy: %d", code)
	}
	cancel()
	if err := wait(t, errc); err != nil {
		t.Fatalf("Serve after cancel: %v", err)
	}
	c.CloseIdleConnections()
	// The listener is closed.
	if _, err := c.Get(url + "/-/healthy"); err == nil {
		t.Error("server still answers after Serve returned")
	}
}

func TestServeSeveralListeners(t *testing.T) {
	// --web.listen-address is repeatable: every listener serves, and basic
	// auth holds on each; canceling stops them all.
	hash, err := bcrypt.GenerateFromPassword([]byte("pw"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(t.TempDir(), "web.yml")
	if err := os.WriteFile(cfg, fmt.Appendf(nil, "basic_auth_users:\n  alice: %s\n", hash), 0o600); err != nil {
		t.Fatal(err)
	}
	var urls []string
	var lns []net.Listener
	for range 2 {
		ln, err := Listen("127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns = append(lns, ln)
		urls = append(urls, "http://"+ln.Addr().String())
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- New(Options{WebConfigFile: cfg}).Serve(ctx, lns...) }()
	c := client(t)
	for _, u := range urls {
		if code, _ := get(t, c, "GET", u+"/-/healthy", "", "", nil); code != 401 {
			t.Errorf("%s without credentials: %d, want 401", u, code)
		}
		if code, _ := get(t, c, "GET", u+"/-/healthy", "alice", "pw", nil); code != 200 {
			t.Errorf("%s with credentials: %d, want 200", u, code)
		}
	}
	cancel()
	if err := wait(t, errc); err != nil {
		t.Fatalf("Serve after cancel: %v", err)
	}
	c.CloseIdleConnections()
	for _, u := range urls {
		if _, err := c.Get(u + "/-/healthy"); err == nil {
			t.Errorf("%s still answers after Serve returned", u)
		}
	}
}

func TestServeBasicAuth(t *testing.T) {
	hash, err := bcrypt.GenerateFromPassword([]byte("open sesame"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(t.TempDir(), "web.yml")
	if err := os.WriteFile(cfg, fmt.Appendf(nil, "basic_auth_users:\n  alice: %s\n", hash), 0o600); err != nil {
		t.Fatal(err)
	}
	url, cancel, errc := serving(t, Options{
		WebConfigFile: cfg,
		Token:         func() string { return "tok" },
		Trigger:       func(string) (string, error) { return "20261127T091500Z-000001", nil },
	})
	c := client(t)
	tests := []struct {
		name       string
		method     string
		path       string
		user, pass string
		header     map[string]string
		code       int
	}{
		// No credentials.
		{"anonymous", "GET", "/metrics", "", "", nil, 401},
		// A wrong password.
		{"wrong password", "GET", "/metrics", "alice", "nope", nil, 401},
		// An unknown user.
		{"unknown user", "GET", "/metrics", "bob", "open sesame", nil, 401},
		// The right credentials.
		{"alice", "GET", "/metrics", "alice", "open sesame", nil, 200},
		// Every endpoint is behind basic auth.
		{"status page", "GET", "/", "", "", nil, 401},
		// With basic auth on, the trigger token travels in X-Loadcron-Token.
		{"trigger", "POST", "/api/v1/suites/chat/run", "alice", "open sesame", map[string]string{TokenHeader: "tok"}, 202},
		// Basic auth alone does not trigger.
		{"trigger without token", "POST", "/api/v1/suites/chat/run", "alice", "open sesame", nil, 401},
	}
	for _, tt := range tests {
		code, h := get(t, c, tt.method, url+tt.path, tt.user, tt.pass, tt.header)
		if code != tt.code {
			t.Errorf("%s: %d, want %d", tt.name, code, tt.code)
		}
		if code == 401 && tt.user == "" && !strings.HasPrefix(h.Get("WWW-Authenticate"), "Basic") {
			t.Errorf("%s: WWW-Authenticate %q, want Basic", tt.name, h.Get("WWW-Authenticate"))
		}
	}
	cancel()
	if err := wait(t, errc); err != nil {
		t.Fatalf("Serve after cancel: %v", err)
	}
}

func TestServeBadWebConfig(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yml")
	if err := os.WriteFile(bad, []byte("basic_auth_users: [oops\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		file string
	}{
		// A file that does not exist.
		{"missing", filepath.Join(dir, "nope.yml")},
		// A file that is not valid YAML.
		{"invalid", bad},
	}
	for _, tt := range tests {
		// Serve fails on its own, without ctx being canceled.
		_, _, errc := serving(t, Options{WebConfigFile: tt.file})
		if err := wait(t, errc); err == nil || !strings.Contains(err.Error(), "serve http") {
			t.Errorf("%s: Serve = %v, want a serve http error", tt.name, err)
		}
	}
}

// blockingTrigger is a Trigger that signals when it is entered and
// returns when released.
func blockingTrigger() (trig func(string) (string, error), entered <-chan struct{}, release func(), done <-chan struct{}) {
	in, rel, out := make(chan struct{}), make(chan struct{}), make(chan struct{})
	trig = func(string) (string, error) {
		defer close(out)
		close(in)
		<-rel
		return "20261127T091500Z-000001", nil
	}
	return trig, in, func() { close(rel) }, out
}

func TestServeGracefulShutdown(t *testing.T) {
	trig, entered, release, done := blockingTrigger()
	url, cancel, errc := serving(t, Options{Token: func() string { return "t" }, Trigger: trig})
	c := client(t)
	codes := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest("POST", url+"/api/v1/suites/chat/run", nil)
		req.Header.Set("Authorization", "Bearer t")
		resp, err := c.Do(req)
		if err != nil {
			codes <- 0
			return
		}
		resp.Body.Close()
		codes <- resp.StatusCode
	}()
	<-entered
	cancel()
	// The request in flight is answered before Serve returns.
	release()
	if code := <-codes; code != 202 {
		t.Errorf("in-flight request: %d, want 202", code)
	}
	if err := wait(t, errc); err != nil {
		t.Errorf("Serve = %v, want nil", err)
	}
	<-done
}

func TestServeShutdownTimeout(t *testing.T) {
	trig, entered, release, done := blockingTrigger()
	url, cancel, errc := serving(t, Options{
		Token: func() string { return "t" }, Trigger: trig, ShutdownTimeout: 50 * time.Millisecond,
	})
	c := client(t)
	reqErr := make(chan error, 1)
	go func() {
		req, _ := http.NewRequest("POST", url+"/api/v1/suites/chat/run", nil)
		req.Header.Set("Authorization", "Bearer t")
		resp, err := c.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		reqErr <- err
	}()
	<-entered
	cancel()
	// A request that outlasts ShutdownTimeout: Serve gives up on it.
	err := wait(t, errc)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Serve = %v, want a deadline error", err)
	}
	release()
	<-done
	if err := <-reqErr; err == nil {
		t.Error("the cut-off request got a response")
	}
}
