package chatsim

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/loadcron/loadcron/internal/chatsim/redistest"
	"github.com/redis/go-redis/v9"
)

// tryDialFn is go-redis's pool probe goroutine (see
// redistest.WaitGoroutinesGone).
const tryDialFn = "pool.(*ConnPool).tryDial"

// newRedisCache returns a RedisCache on srv closed at the end of the test.
func newRedisCache(t *testing.T, srv *redistest.Server, opts RedisOptions) *RedisCache {
	t.Helper()
	opts.Addr = srv.Addr
	c, err := NewRedisCache(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return c
}

// rawClient returns a plain client on db of srv, to look at what the cache
// wrote from outside it.
func rawClient(t *testing.T, srv *redistest.Server, db int) *redis.Client {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr, DB: db, DisableIdentity: true})
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

func TestNewRedisCacheOptions(t *testing.T) {
	tests := []struct {
		name    string
		opts    RedisOptions
		wantErr string
	}{
		// address is required
		{"no addr", RedisOptions{}, "want HOST:PORT"},
		// a port is required
		{"no port", RedisOptions{Addr: "localhost"}, "want HOST:PORT"},
		// negative database
		{"bad db", RedisOptions{Addr: "127.0.0.1:6379", DB: -1}, "redis db: must be ≥ 0"},
		// valid: defaults filled in
		{"ok", RedisOptions{Addr: "127.0.0.1:6379", DB: 2}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewRedisCache(tt.opts)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if c.Prefix() != DefaultRedisPrefix {
				t.Errorf("prefix = %q, want %q", c.Prefix(), DefaultRedisPrefix)
			}
		})
	}
}

func TestRedisCachePingUnreachable(t *testing.T) {
	// A port nobody listens on: the dial is refused at once.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c, err := NewRedisCache(RedisOptions{Addr: addr, Password: "s3cret-pw"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	err = c.Ping(t.Context())
	if err == nil {
		t.Fatal("ping of a closed port succeeded")
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("ping took %s, want a fast failure", took)
	}
	if !strings.Contains(err.Error(), addr) || strings.Contains(err.Error(), "s3cret-pw") {
		t.Errorf("err = %q: want the address and not the password", err)
	}
}

func TestRedisCacheGetSet(t *testing.T) {
	srv := redistest.Start(t)
	c := newRedisCache(t, srv, RedisOptions{})
	raw := rawClient(t, srv, 0)
	ctx := t.Context()
	if err := raw.Set(ctx, DefaultRedisPrefix+"b", "old", time.Hour).Err(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		key     string
		value   string
		ttl     time.Duration
		wantTTL time.Duration // as Redis reports it: -1 no expiry
	}{
		// no ttl: stored without expiry
		{"no ttl", "a", "alpha", 0, -1},
		// negative ttl is no expiry too, not go-redis's KEEPTTL (b is
		// pre-set with an expiry that KEEPTTL would keep)
		{"negative ttl", "b", "beta", -1, -1},
		// whole seconds (SET EX)
		{"seconds", "c", "gamma", time.Hour, time.Hour},
		// sub-second precision (SET PX)
		{"millis", "d", "delta", 1500 * time.Millisecond, 1500 * time.Millisecond},
		// empty value is a hit, not a miss
		{"empty value", "e", "", time.Minute, time.Minute},
		// keys with spaces and unicode are stored as they are
		{"odd key", "what is your refund policy? ünïcode", "v", 0, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := c.Set(ctx, tt.key, tt.value, tt.ttl); err != nil {
				t.Fatal(err)
			}
			v, ok, err := c.Get(ctx, tt.key)
			if err != nil || !ok || v != tt.value {
				t.Errorf("Get = %q, %v, %v; want %q, true, nil", v, ok, err, tt.value)
			}
			if got, err := raw.Get(ctx, DefaultRedisPrefix+tt.key).Result(); err != nil || got != tt.value {
				t.Errorf("raw GET of the prefixed key = %q, %v; want %q", got, err, tt.value)
			}
			ttl, err := raw.PTTL(ctx, DefaultRedisPrefix+tt.key).Result()
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantTTL < 0 && ttl != -1 {
				t.Errorf("PTTL = %s, want no expiry", ttl)
			}
			if tt.wantTTL > 0 && (ttl > tt.wantTTL || ttl < tt.wantTTL-time.Second) {
				t.Errorf("PTTL = %s, want just under %s", ttl, tt.wantTTL)
			}
		})
	}
	// An unknown key is a miss without error, and nothing unprefixed was
	// written.
	if v, ok, err := c.Get(ctx, "unknown"); ok || err != nil {
		t.Errorf("Get(unknown) = %q, %v, %v; want a miss", v, ok, err)
	}
	if n, err := raw.Exists(ctx, "a", "b").Result(); err != nil || n != 0 {
		t.Errorf("unprefixed keys exist: %d, %v", n, err)
	}
	// Overwriting replaces the value.
	if err := c.Set(ctx, "a", "again", 0); err != nil {
		t.Fatal(err)
	}
	if v, _, _ := c.Get(ctx, "a"); v != "again" {
		t.Errorf("after overwrite Get = %q, want again", v)
	}
}

func TestRedisCacheTTLExpiry(t *testing.T) {
	srv := redistest.Start(t)
	c := newRedisCache(t, srv, RedisOptions{})
	ctx := t.Context()
	const ttl = 300 * time.Millisecond
	start := time.Now()
	if err := c.Set(ctx, "k", "v", ttl); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := c.Get(ctx, "k"); !ok || err != nil {
		t.Fatalf("fresh entry: ok %v, err %v; want a hit", ok, err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, ok, err := c.Get(ctx, "k")
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("entry never expired")
		}
		time.Sleep(10 * time.Millisecond) // polling interval
	}
	// Redis expires on its own clock in whole milliseconds: allow 10ms.
	if gone := time.Since(start); gone < ttl-10*time.Millisecond {
		t.Errorf("entry gone after %s, before its ttl %s", gone, ttl)
	}
}

func TestRedisCacheClear(t *testing.T) {
	srv := redistest.Start(t)
	tests := []struct {
		name    string
		prefix  string
		db      int
		foreign []string // keys of others in the same database
	}{
		// default prefix; look-alike keys survive
		{"default", "", 0, []string{"other:k", "chatsim", "chatsimX:k", "xchatsim:k"}},
		// glob characters in the prefix match only themselves
		{"glob prefix", "a*[b]?:", 1, []string{"aXbY:k", "ab:k", "a*b?:k", "a*[b]?"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			c := newRedisCache(t, srv, RedisOptions{Prefix: tt.prefix, DB: tt.db})
			raw := rawClient(t, srv, tt.db)
			for _, k := range tt.foreign {
				if err := raw.Set(ctx, k, "keep", 0).Err(); err != nil {
					t.Fatal(err)
				}
			}
			// More keys than one SCAN batch, so Clear must follow the cursor.
			const n = 2*clearBatch + 17
			pipe := raw.Pipeline()
			for i := range n {
				pipe.Set(ctx, fmt.Sprintf("%skey-%d", c.Prefix(), i), "v", time.Hour)
			}
			if _, err := pipe.Exec(ctx); err != nil {
				t.Fatal(err)
			}
			if err := c.Clear(ctx); err != nil {
				t.Fatal(err)
			}
			size, err := raw.DBSize(ctx).Result()
			if err != nil || size != int64(len(tt.foreign)) {
				t.Errorf("DBSIZE after Clear = %d, %v; want the %d foreign keys", size, err, len(tt.foreign))
			}
			for _, k := range tt.foreign {
				if v, err := raw.Get(ctx, k).Result(); err != nil || v != "keep" {
					t.Errorf("foreign key %q = %q, %v; want it kept", k, v, err)
				}
			}
			// Clearing an empty cache is fine.
			if err := c.Clear(ctx); err != nil {
				t.Errorf("second Clear: %v", err)
			}
		})
	}
}

func TestRedisCacheDatabasesAreSeparate(t *testing.T) {
	srv := redistest.Start(t)
	ctx := t.Context()
	c3 := newRedisCache(t, srv, RedisOptions{DB: 3})
	c0 := newRedisCache(t, srv, RedisOptions{})
	if err := c3.Set(ctx, "k", "in 3", 0); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := c0.Get(ctx, "k"); ok || err != nil {
		t.Errorf("db 0 sees db 3's key: ok %v, err %v", ok, err)
	}
	if v, ok, _ := c3.Get(ctx, "k"); !ok || v != "in 3" {
		t.Errorf("db 3 Get = %q, %v", v, ok)
	}
}

func TestRedisCachePassword(t *testing.T) {
	srv := redistest.Start(t, "--requirepass", "s3cret-pw")
	tests := []struct {
		name     string
		password string
		wantErr  bool
	}{
		// the right password
		{"right", "s3cret-pw", false},
		// a wrong one fails Ping and does not echo the password
		{"wrong", "wrong-pw", true},
		// none at all
		{"none", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newRedisCache(t, srv, RedisOptions{Password: tt.password})
			err := c.Ping(t.Context())
			if (err != nil) != tt.wantErr {
				t.Fatalf("Ping err = %v, wantErr %v", err, tt.wantErr)
			}
			if err != nil && tt.password != "" && strings.Contains(err.Error(), tt.password) {
				t.Errorf("error shows the password: %v", err)
			}
		})
	}
}

func TestServerWithRedisCache(t *testing.T) {
	srv := redistest.Start(t)
	c := newRedisCache(t, srv, RedisOptions{})
	raw := rawClient(t, srv, 0)
	s, ts := newTestServer(t, Options{Cache: c, CacheTTL: time.Minute})
	ctx := t.Context()
	if err := raw.Set(ctx, "someone-else", "keep", 0).Err(); err != nil {
		t.Fatal(err)
	}
	want := []struct {
		header string
		cached bool
	}{{"MISS", false}, {"HIT", true}}
	for i, w := range want {
		r := postChat(ctx, t, ts, "", ChatRequest{Message: "  What is your REFUND policy? "})
		if r.status != http.StatusOK || r.resp.Cached != w.cached || r.header.Get("X-Cache") != w.header {
			t.Errorf("request %d: %d cached=%v X-Cache=%q; want 200 %v %q", i, r.status, r.resp.Cached, r.header.Get("X-Cache"), w.cached, w.header)
		}
	}
	key := DefaultRedisPrefix + Normalize("What is your refund policy?")
	if ttl, err := raw.PTTL(ctx, key).Result(); err != nil || ttl <= 0 || ttl > time.Minute {
		t.Errorf("PTTL %q = %s, %v; want the server's 1m ttl", key, ttl, err)
	}
	st := s.Stats()
	if st.Hits != 1 || st.Misses != 1 || st.CacheErrors != 0 {
		t.Errorf("stats = %+v; want 1 hit, 1 miss, no cache errors", st)
	}
	var h Health
	if code := getJSON(t, ts, "/health", &h); code != http.StatusOK || h.Cache != "redis" {
		t.Errorf("/health = %d %+v; want 200, cache custom", code, h)
	}
	// Reset clears chatsim's keys only.
	var zeroed Stats
	if code := sendJSON(t, ts, http.MethodPost, "/admin/reset", "", &zeroed); code != http.StatusOK {
		t.Fatalf("reset = %d", code)
	}
	if keys, err := raw.Keys(ctx, "*").Result(); err != nil || len(keys) != 1 || keys[0] != "someone-else" {
		t.Errorf("keys after reset = %q, %v; want only someone-else", keys, err)
	}
	if r := postChat(ctx, t, ts, "", ChatRequest{Message: "what is your refund policy?"}); r.resp.Cached {
		t.Error("hit after reset, want a miss")
	}
}

// TestServerRedisOutage kills Redis under a running server: requests are
// still answered 200 as misses, each counting a failed Get and a failed
// Set, quickly; a reset still works; when Redis is back, caching resumes.
func TestServerRedisOutage(t *testing.T) {
	srv := redistest.Start(t)
	c, err := NewRedisCache(RedisOptions{Addr: srv.Addr})
	if err != nil {
		t.Fatal(err)
	}
	s, ts := newTestServer(t, Options{Cache: c})
	ctx := t.Context()
	msg := ChatRequest{Message: "hello"}
	postChat(ctx, t, ts, "", msg)
	if r := postChat(ctx, t, ts, "", msg); !r.resp.Cached {
		t.Fatal("no hit before the outage")
	}

	srv.Kill()
	const n = 5
	for i := range n {
		start := time.Now()
		r := postChat(ctx, t, ts, "", msg)
		if r.status != http.StatusOK || r.resp.Cached || r.header.Get("X-Cache") != "MISS" {
			t.Errorf("outage request %d: %d cached=%v %q; want 200 miss", i, r.status, r.resp.Cached, r.errMsg)
		}
		if took := time.Since(start); took > time.Second {
			t.Errorf("outage request %d took %s; want a fast fallback", i, took)
		}
	}
	st := s.Stats()
	if st.Hits != 1 || st.Misses != 1+n || st.CacheErrors != 2*n || st.ByStatus[http.StatusInternalServerError] != 0 {
		t.Errorf("stats during outage = %+v; want 1 hit, %d misses, %d cache errors, no 500", st, 1+n, 2*n)
	}
	// Reset logs the failed Clear and still resets.
	var zeroed Stats
	if code := sendJSON(t, ts, http.MethodPost, "/admin/reset", "", &zeroed); code != http.StatusOK || zeroed.Received != 0 {
		t.Errorf("reset during outage = %d %+v; want 200 and zeroed stats", code, zeroed)
	}

	// Redis comes back (empty): within the pool's 1s re-dial probe, a
	// miss is stored without error and the next request hits.
	srv.Restart()
	deadline := time.Now().Add(5 * time.Second)
	for {
		before := s.Stats().CacheErrors
		postChat(ctx, t, ts, "", msg)
		if s.Stats().CacheErrors == before {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("cache errors go on after Redis came back")
		}
		time.Sleep(50 * time.Millisecond) // polling interval
	}
	if r := postChat(ctx, t, ts, "", msg); !r.resp.Cached {
		t.Error("no hit after Redis came back")
	}

	if err := c.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
	redistest.WaitGoroutinesGone(t, tryDialFn, 5*time.Second)
}

// TestRedisCacheContextCanceled: a call whose context has ended fails at
// once instead of waiting for Redis.
func TestRedisCacheContextCanceled(t *testing.T) {
	srv := redistest.Start(t)
	c := newRedisCache(t, srv, RedisOptions{})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, _, err := c.Get(ctx, "k"); err == nil {
		t.Error("Get with a canceled context succeeded")
	}
	if err := c.Set(ctx, "k", "v", 0); err == nil {
		t.Error("Set with a canceled context succeeded")
	}
}
