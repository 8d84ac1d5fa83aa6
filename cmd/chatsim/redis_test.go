package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/loadcron/loadcron/internal/chatsim"
	"github.com/loadcron/loadcron/internal/chatsim/redistest"
	"github.com/redis/go-redis/v9"
)

const testPassword = "s3cret-pw"

func TestParseRedisFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		want    chatsim.RedisOptions
		wantErr string
	}{
		// default: no Redis, the in-memory cache
		{"default", nil, chatsim.RedisOptions{Prefix: chatsim.DefaultRedisPrefix}, ""},
		// every Redis flag lands in its option
		{"all", []string{"--redis-addr", "127.0.0.1:6380", "--redis-db", "4", "--redis-prefix", "sim1:"},
			chatsim.RedisOptions{Addr: "127.0.0.1:6380", DB: 4, Prefix: "sim1:"}, ""},
		// --redis-db alone is a mistake, not silently ignored
		{"db without addr", []string{"--redis-db", "1"}, chatsim.RedisOptions{}, "need --redis-addr"},
		// the address needs a port
		{"no port", []string{"--redis-addr", "localhost"}, chatsim.RedisOptions{}, "want HOST:PORT"},
		// negative database
		{"negative db", []string{"--redis-addr", "127.0.0.1:6379", "--redis-db", "-1"}, chatsim.RedisOptions{}, "must be ≥ 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(EnvRedisPassword, testPassword)
			var stderr bytes.Buffer
			c, err := parseFlags(tt.args, &stderr)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			// The password stays out of config, so printing one cannot leak it.
			if c.redis != tt.want {
				t.Errorf("redis options = %+v, want %+v", c.redis, tt.want)
			}
		})
	}
}

// startRun runs the command with args until the test ends and returns its
// base URL, its stderr and a stop function returning the exit code.
func startRun(t *testing.T, args ...string) (string, *syncBuffer, func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	var stdout, stderr syncBuffer
	exit := make(chan int, 1)
	go func() { exit <- run(ctx, append([]string{"--listen", "127.0.0.1:0"}, args...), &stdout, &stderr) }()
	stop := func() int {
		cancel()
		return <-exit
	}
	addrRE := regexp.MustCompile(`listening on (http://127\.0\.0\.1:\d+)`)
	deadline := time.Now().Add(5 * time.Second)
	for {
		if m := addrRE.FindStringSubmatch(stdout.String()); m != nil {
			return m[1], &stderr, stop
		}
		select {
		case code := <-exit:
			t.Fatalf("exited %d before listening; stderr: %s", code, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			stop()
			t.Fatalf("no address printed; stderr: %s", stderr.String())
		}
		time.Sleep(time.Millisecond) // polling interval
	}
}

func TestRunWithRedis(t *testing.T) {
	srv := redistest.Start(t, "--requirepass", testPassword)
	t.Setenv(EnvRedisPassword, testPassword)
	base, stderr, stop := startRun(t, "--redis-addr", srv.Addr, "--redis-db", "2", "--uncached-latency", "0", "--cached-latency", "0")

	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	for i, want := range []string{"MISS", "HIT"} {
		res, err := client.Post(base+"/api/chat", "application/json", strings.NewReader(`{"message":"Refund policy?"}`))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK || res.Header.Get("X-Cache") != want {
			t.Errorf("request %d: %d X-Cache=%q, want 200 %s", i, res.StatusCode, res.Header.Get("X-Cache"), want)
		}
	}
	raw := redis.NewClient(&redis.Options{Addr: srv.Addr, DB: 2, Password: testPassword, DisableIdentity: true})
	defer raw.Close()
	if v, err := raw.Get(t.Context(), chatsim.DefaultRedisPrefix+"refund policy?").Result(); err != nil || !strings.Contains(v, "refund policy?") {
		t.Errorf("reply in Redis db 2 = %q, %v", v, err)
	}

	if code := stop(); code != exitOK {
		t.Errorf("exit %d after cancel, want 0; stderr: %s", code, stderr.String())
	}
	logs := stderr.String()
	for _, want := range []string{`"msg":"redis cache ready"`, `"auth":true`, `"cache":"redis"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %s: %s", want, logs)
		}
	}
	if strings.Contains(logs, testPassword) {
		t.Errorf("logs show the password: %s", logs)
	}
}

func TestRunRedisUnreachable(t *testing.T) {
	srv := redistest.Start(t, "--requirepass", testPassword)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	tests := []struct {
		name     string
		addr     string
		password string
		errText  string // substring of the logged error
	}{
		// nothing listens there
		{"refused", closed, testPassword, "connection refused"},
		// Redis is up but the password is wrong
		{"wrong password", srv.Addr, "wrong-pw", "WRONGPASS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(EnvRedisPassword, tt.password)
			var stdout, stderr bytes.Buffer
			if code := run(t.Context(), []string{"--listen", "127.0.0.1:0", "--redis-addr", tt.addr}, &stdout, &stderr); code != exitError {
				t.Errorf("exit %d, want %d", code, exitError)
			}
			logs := stderr.String()
			if !strings.Contains(logs, `"msg":"redis unreachable"`) || !strings.Contains(logs, tt.errText) {
				t.Errorf("stderr lacks the reason %q: %s", tt.errText, logs)
			}
			if strings.Contains(logs, tt.password) {
				t.Errorf("stderr shows the password: %s", logs)
			}
			if stdout.Len() != 0 {
				t.Errorf("listened although Redis is unreachable: %s", stdout.String())
			}
		})
	}
}
