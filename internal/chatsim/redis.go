package chatsim

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// Defaults of RedisOptions fields left zero.
const (
	DefaultRedisPrefix      = "chatsim:"
	DefaultRedisDialTimeout = time.Second
	DefaultRedisTimeout     = 500 * time.Millisecond
)

// clearBatch is the SCAN COUNT hint and so roughly the keys per DEL in Clear.
const clearBatch = 1000

// RedisOptions configure a RedisCache.
type RedisOptions struct {
	// Addr is the Redis server as HOST:PORT; required.
	Addr string
	// DB is the logical database selected on every connection.
	DB int
	// Password authenticates with AUTH when not empty. It is never logged
	// nor included in an error.
	Password string
	// Prefix starts every key chatsim writes; Clear deletes only keys that
	// start with it. Empty means DefaultRedisPrefix.
	Prefix string
	// DialTimeout bounds one connection attempt; 0 means
	// DefaultRedisDialTimeout.
	DialTimeout time.Duration
	// Timeout bounds each socket read and write; 0 means
	// DefaultRedisTimeout. Calls also end with their context.
	Timeout time.Duration
}

// RedisCache is a Cache in a Redis server, shared by every chatsim that
// uses the same address, database and prefix. It is safe for concurrent
// use. Every error — Redis down, timeout, context ended — is returned, so
// the Server counts it in Stats.CacheErrors and serves the request as a
// miss. Close it when done.
type RedisCache struct {
	rdb    *redis.Client
	prefix string
	addr   string

	closeOnce sync.Once
	closeErr  error
}

// NewRedisCache returns a RedisCache for opts. It does not connect: the
// first call (use Ping at start-up) does. It fails only on bad options.
func NewRedisCache(opts RedisOptions) (*RedisCache, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if opts.Prefix == "" {
		opts.Prefix = DefaultRedisPrefix
	}
	if opts.DialTimeout <= 0 {
		opts.DialTimeout = DefaultRedisDialTimeout
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultRedisTimeout
	}
	rdb := redis.NewClient(&redis.Options{
		Addr:         opts.Addr,
		DB:           opts.DB,
		Password:     opts.Password,
		ClientName:   "chatsim",
		DialTimeout:  opts.DialTimeout,
		ReadTimeout:  opts.Timeout,
		WriteTimeout: opts.Timeout,
		// A request's context (client gone, shutdown) ends its Redis call.
		ContextTimeoutEnabled: true,
		// Fail fast when Redis is down so that an outage costs a request
		// milliseconds, not seconds: one dial per attempt (the default is
		// 5 with 100ms pauses) and one retry, which is what a pooled
		// connection broken by a Redis restart needs.
		DialerRetries: 1,
		MaxRetries:    1,
		// Cluster maintenance notifications need RESP3 push support that a
		// plain redis-server does not have; "auto" would probe for them on
		// every new connection.
		MaintNotificationsConfig: &maintnotifications.Config{Mode: maintnotifications.ModeDisabled},
	})
	return &RedisCache{rdb: rdb, prefix: opts.Prefix, addr: opts.Addr}, nil
}

// Validate reports a missing or malformed address and a negative database.
func (o RedisOptions) Validate() error {
	var errs []error
	if _, _, err := net.SplitHostPort(o.Addr); err != nil {
		errs = append(errs, fmt.Errorf("redis address %q: want HOST:PORT: %w", o.Addr, err))
	}
	if o.DB < 0 {
		errs = append(errs, fmt.Errorf("redis db: must be ≥ 0, got %d", o.DB))
	}
	return errors.Join(errs...)
}

// LogValue implements slog.LogValuer without the password.
func (o RedisOptions) LogValue() slog.Value {
	return slog.GroupValue(slog.String("addr", o.Addr), slog.Int("db", o.DB),
		slog.String("prefix", o.Prefix), slog.Bool("auth", o.Password != ""))
}

// Prefix returns the prefix of every key this cache writes.
func (c *RedisCache) Prefix() string { return c.prefix }

// Ping checks that the server answers, with the configured credentials and
// database.
func (c *RedisCache) Ping(ctx context.Context) error {
	if err := c.rdb.Ping(ctx).Err(); err != nil {
		return c.wrap("ping", err)
	}
	return nil
}

// Get implements Cache: a missing or expired key is a miss, not an error.
func (c *RedisCache) Get(ctx context.Context, key string) (string, bool, error) {
	v, err := c.rdb.Get(ctx, c.prefix+key).Result()
	if errors.Is(err, redis.Nil) {
		return "", false, nil
	}
	if err != nil {
		return "", false, c.wrap("get", err)
	}
	return v, true, nil
}

// Set implements Cache with SET … PX (or EX for whole seconds); ttl ≤ 0
// stores the value without expiry. A ttl under 1ms is rounded up to 1ms.
func (c *RedisCache) Set(ctx context.Context, key, value string, ttl time.Duration) error {
	// go-redis reads a ttl of -1 as KEEPTTL (keep the old key's expiry),
	// which is not what Cache promises for ttl ≤ 0.
	ttl = max(ttl, 0)
	if err := c.rdb.Set(ctx, c.prefix+key, value, ttl).Err(); err != nil {
		return c.wrap("set", err)
	}
	return nil
}

// Clear implements Cache: it deletes every key that starts with the prefix
// (SCAN MATCH + DEL, batch by batch) and nothing else in the database —
// never FLUSHDB. Keys written while it runs may survive it.
func (c *RedisCache) Clear(ctx context.Context) error {
	match := globEscape(c.prefix) + "*"
	var cursor uint64
	for {
		keys, next, err := c.rdb.Scan(ctx, cursor, match, clearBatch).Result()
		if err != nil {
			return c.wrap("clear: scan", err)
		}
		if len(keys) > 0 {
			if err := c.rdb.Del(ctx, keys...).Err(); err != nil {
				return c.wrap("clear: del", err)
			}
		}
		if next == 0 {
			return nil
		}
		cursor = next
	}
}

// Close closes the connections and stops the client's background work.
// Later calls return the first call's result; the cache is unusable after.
func (c *RedisCache) Close() error {
	c.closeOnce.Do(func() { c.closeErr = c.rdb.Close() })
	return c.closeErr
}

// wrap names the operation and server; the password never appears since
// go-redis errors do not carry it.
func (c *RedisCache) wrap(op string, err error) error {
	return fmt.Errorf("redis cache %s: %s: %w", c.addr, op, err)
}

// globEscape quotes the characters SCAN MATCH treats as a pattern, so that
// a prefix such as "a*b:" matches only itself.
func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '*', '?', '[', ']', '\\':
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
