package chatsim

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestStartStop(t *testing.T) {
	s := New(DefaultOptions())
	addr, stop, err := s.Start(t.Context(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(addr, "127.0.0.1:") || strings.HasSuffix(addr, ":0") {
		t.Errorf("addr = %q, want the bound 127.0.0.1 port", addr)
	}
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	res, err := client.Get("http://" + addr + "/health")
	if err != nil {
		t.Fatal(err)
	}
	var h Health
	err = json.NewDecoder(res.Body).Decode(&h)
	res.Body.Close()
	if err != nil || res.StatusCode != 200 || h.Status != "healthy" {
		t.Errorf("health = %d %+v %v", res.StatusCode, h, err)
	}
	if err := stop(); err != nil {
		t.Errorf("stop: %v", err)
	}
	if err := stop(); err != nil {
		t.Errorf("second stop: %v", err)
	}
	if _, err := client.Get("http://" + addr + "/health"); err == nil {
		t.Error("server still answers after stop")
	}
}

// TestShutdownEndsSleepingRequests checks that canceling Serve's context
// ends a request in the middle of a long simulated latency at once.
func TestShutdownEndsSleepingRequests(t *testing.T) {
	s := New(Options{UncachedLatency: time.Minute, Seed: 1})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln) }()

	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	answered := make(chan int, 1)
	go func() {
		res, err := client.Post("http://"+ln.Addr().String()+"/api/chat", "application/json",
			strings.NewReader(`{"message":"slow"}`))
		if err != nil {
			answered <- -1
			return
		}
		res.Body.Close()
		answered <- res.StatusCode
	}()
	waitFor(t, "the request to be in flight", func() bool { return s.Stats().InFlight == 1 })

	start := time.Now()
	cancel()
	if err := <-served; err != nil {
		t.Errorf("Serve: %v", err)
	}
	if el := time.Since(start); el > 3*time.Second {
		t.Errorf("shutdown took %s", el)
	}
	if code := <-answered; code != http.StatusServiceUnavailable {
		t.Errorf("in-flight request got %d, want 503", code)
	}
	st := s.Stats()
	if st.Canceled != 1 {
		t.Errorf("canceled = %d, want 1", st.Canceled)
	}
	checkSums(t, st)
}

func TestStartBadAddress(t *testing.T) {
	s := New(Options{})
	if _, _, err := s.Start(t.Context(), "127.0.0.1:99999"); err == nil {
		t.Error("Start on a bad address returned no error")
	}
}
