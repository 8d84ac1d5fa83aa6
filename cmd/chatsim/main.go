// Command chatsim serves the simulated chat API (package
// internal/chatsim): the guide's chat service with a response cache, as a
// target for loadcron. See README.md for the endpoints and flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/loadcron/loadcron/internal/chatsim"
	"github.com/redis/go-redis/v9"
)

// DefaultListen is the guide's port for its chat API.
const DefaultListen = "127.0.0.1:8003"

// EnvRedisPassword names the environment variable holding the Redis
// password: a flag would show it in ps and shell history.
const EnvRedisPassword = "CHATSIM_REDIS_PASSWORD"

// redisPingTimeout bounds the start-up check that Redis answers.
const redisPingTimeout = 3 * time.Second

// Exit codes.
const (
	exitOK    = 0
	exitError = 1 // could not reach Redis, listen or serve
	exitUsage = 2 // bad flags
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// config is everything the command line sets.
type config struct {
	listen   string
	logLevel slog.Level
	opts     chatsim.Options
	// redis.Addr empty: the in-memory cache. The password is not here
	// (run reads it from the environment) so that printing a config
	// cannot show it.
	redis chatsim.RedisOptions
	// redisFlagsSet: --redis-db or --redis-prefix was given.
	redisFlagsSet bool
	// profile is the --profile name.
	profile string
}

// parseFlags turns the arguments into a config. It returns flag.ErrHelp for
// --help, having printed the usage to stderr. --profile picks the options
// the other flags start from, so it is read first and the arguments are
// parsed again on top of the chosen profile.
func parseFlags(args []string, stderr io.Writer) (config, error) {
	c, err := parseWith(args, stderr, chatsim.DefaultOptions())
	if err != nil {
		return c, err
	}
	base, err := chatsim.Profile(c.profile)
	if err != nil {
		return c, err
	}
	if c.profile != "" && c.profile != "default" {
		if c, err = parseWith(args, io.Discard, base); err != nil {
			return c, err
		}
	}
	if err := c.opts.Validate(); err != nil {
		return c, err
	}
	if c.redis.Addr == "" {
		if c.redisFlagsSet {
			return c, errors.New("--redis-db and --redis-prefix need --redis-addr")
		}
		return c, nil
	}
	return c, c.redis.Validate()
}

// parseWith parses args with base as the options' defaults.
func parseWith(args []string, stderr io.Writer, base chatsim.Options) (config, error) {
	c := config{opts: base}
	fs := flag.NewFlagSet("chatsim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: chatsim [flags]\n\n"+
			"Serves a simulated chat API with a response cache (POST /api/chat,\n"+
			"GET /health, /admin/faults, /admin/stats, POST /admin/reset).\n\nFlags:\n")
		fs.PrintDefaults()
	}
	o := &c.opts
	fs.StringVar(&c.profile, "profile", "default", "`NAME` of the options the other flags start from: default, or guide (the load-testing guide's story: 1.5–3s uncached, one request at a time with a bounded queue; see README)")
	fs.StringVar(&c.listen, "listen", DefaultListen, "address to listen on, as `HOST:PORT` (port 0 picks a free one)")
	fs.DurationVar(&o.UncachedLatency, "uncached-latency", o.UncachedLatency, "mean latency of a reply not in the cache (the guide measured ~14.6s)")
	fs.DurationVar(&o.CachedLatency, "cached-latency", o.CachedLatency, "mean latency of a reply served from the cache")
	fs.Float64Var(&o.Jitter, "jitter", o.Jitter, "spread of both latencies as a fraction of their mean, 0–1 (0.2 = ±20 %)")
	fs.IntVar(&o.MaxConcurrent, "max-concurrent", o.MaxConcurrent, "requests served at once before answering 503 (0 = no limit)")
	fs.BoolVar(&o.Queue, "queue", o.Queue, "make requests over --max-concurrent wait for a slot instead of getting 503")
	fs.IntVar(&o.MaxQueue, "max-queue", o.MaxQueue, "with --queue: requests that may wait for a slot; one more gets 503 at once (0 = no bound)")
	fs.IntVar(&o.OverloadQueue, "overload-queue", o.OverloadQueue, "waiting requests past which the backend slows down (see --overload-slowdown)")
	fs.Float64Var(&o.OverloadSlowdown, "overload-slowdown", o.OverloadSlowdown, "latency added per waiting request past --overload-queue, as a fraction (0.06 = 6 %; 0 = off)")
	fs.DurationVar(&o.TokenInterval, "token-interval", o.TokenInterval, "streamed replies: time between tokens of a reply not in the cache")
	fs.DurationVar(&o.CachedTokenInterval, "cached-token-interval", o.CachedTokenInterval, "streamed replies: time between tokens of a cached reply")
	fs.DurationVar(&o.CacheTTL, "cache-ttl", o.CacheTTL, "how long a reply stays cached (0 = forever)")
	fs.IntVar(&o.ContextTurns, "context-turns", o.ContextTurns, "earlier messages of the conversation that are part of the cache key (0 = message only)")
	fs.Float64Var(&o.Faults.ErrorRatio, "error-ratio", o.Faults.ErrorRatio, "fault: fraction of chat requests answered 500, 0–1")
	fs.DurationVar(&o.Faults.ExtraLatency, "extra-latency", o.Faults.ExtraLatency, "fault: latency added to every chat request")
	fs.BoolVar(&o.Faults.CacheOff, "cache-off", o.Faults.CacheOff, "fault: bypass the cache (every request misses, nothing is stored)")
	fs.BoolVar(&o.Faults.Unhealthy, "unhealthy", o.Faults.Unhealthy, "fault: GET /health answers 503")
	fs.Uint64Var(&o.Seed, "seed", o.Seed, "seed for jitter and fault draws (0 = random)")
	fs.TextVar(&c.logLevel, "log-level", slog.LevelInfo, "log `LEVEL`: debug, info, warn or error")
	fs.StringVar(&c.redis.Addr, "redis-addr", "", "cache replies in Redis at `HOST:PORT` (empty = in memory); password from $"+EnvRedisPassword)
	fs.IntVar(&c.redis.DB, "redis-db", 0, "Redis logical database (with --redis-addr)")
	fs.StringVar(&c.redis.Prefix, "redis-prefix", chatsim.DefaultRedisPrefix, "prefix of chatsim's Redis keys; reset deletes only these (with --redis-addr)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	fs.Visit(func(f *flag.Flag) {
		c.redisFlagsSet = c.redisFlagsSet || f.Name == "redis-db" || f.Name == "redis-prefix"
	})
	return c, nil
}

// run serves until ctx is canceled and returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "chatsim: %v\n", err)
		return exitUsage
	}
	logger := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: c.logLevel}))
	c.opts.Logger = logger

	cacheKind := "memory"
	if c.redis.Addr != "" {
		ro := c.redis
		ro.Password = os.Getenv(EnvRedisPassword)
		rc, err := openRedis(ctx, ro, logger)
		if err != nil {
			logger.Error("redis unreachable", "redis", ro, "err", err)
			return exitError
		}
		defer rc.Close()
		c.opts.Cache, cacheKind = rc, "redis"
	}

	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", c.listen)
	if err != nil {
		logger.Error("listen failed", "addr", c.listen, "err", err)
		return exitError
	}
	fmt.Fprintf(stdout, "chatsim listening on http://%s\n", ln.Addr())
	logger.Info("starting", "addr", ln.Addr().String(), "profile", c.profile, "cache", cacheKind,
		"uncached_latency", c.opts.UncachedLatency.String(), "cached_latency", c.opts.CachedLatency.String(),
		"jitter", c.opts.Jitter, "max_concurrent", c.opts.MaxConcurrent, "queue", c.opts.Queue,
		"max_queue", c.opts.MaxQueue, "overload_queue", c.opts.OverloadQueue, "overload_slowdown", c.opts.OverloadSlowdown,
		"token_interval", c.opts.TokenInterval.String(), "cached_token_interval", c.opts.CachedTokenInterval.String(),
		"cache_ttl", c.opts.CacheTTL.String(), "context_turns", c.opts.ContextTurns,
		"error_ratio", c.opts.Faults.ErrorRatio, "extra_latency", c.opts.Faults.ExtraLatency.String(),
		"cache_off", c.opts.Faults.CacheOff, "unhealthy", c.opts.Faults.Unhealthy)

	if err := chatsim.New(c.opts).Serve(ctx, ln); err != nil {
		logger.Error("serve failed", "err", err)
		return exitError
	}
	return exitOK
}

// openRedis connects the Redis cache and checks with PING that it answers,
// within redisPingTimeout. go-redis's own messages (failed dials while
// Redis is down) go to logger at warn level instead of plain text on
// stderr; they carry no password.
func openRedis(ctx context.Context, o chatsim.RedisOptions, logger *slog.Logger) (*chatsim.RedisCache, error) {
	redis.SetLogger(redisLogger{logger.With("component", "go-redis")})
	rc, err := chatsim.NewRedisCache(o)
	if err != nil {
		return nil, err
	}
	pctx, cancel := context.WithTimeout(ctx, redisPingTimeout)
	defer cancel()
	if err := rc.Ping(pctx); err != nil {
		return nil, errors.Join(err, rc.Close())
	}
	logger.Info("redis cache ready", "redis", o)
	return rc, nil
}

// redisLogger adapts slog to go-redis's process-wide logger.
type redisLogger struct{ l *slog.Logger }

// Printf implements go-redis's internal.Logging.
func (r redisLogger) Printf(ctx context.Context, format string, v ...any) {
	r.l.WarnContext(ctx, fmt.Sprintf(format, v...))
}
