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

	"github.com/loadcron/loadcron/internal/chatsim"
)

// DefaultListen is the guide's port for its chat API.
const DefaultListen = "127.0.0.1:8003"

// Exit codes.
const (
	exitOK    = 0
	exitError = 1 // could not listen or serve
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
}

// parseFlags turns the arguments into a config. It returns flag.ErrHelp for
// --help, having printed the usage to stderr.
func parseFlags(args []string, stderr io.Writer) (config, error) {
	c := config{opts: chatsim.DefaultOptions()}
	fs := flag.NewFlagSet("chatsim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: chatsim [flags]\n\n"+
			"Serves a simulated chat API with a response cache (POST /api/chat,\n"+
			"GET /health, /admin/faults, /admin/stats, POST /admin/reset).\n\nFlags:\n")
		fs.PrintDefaults()
	}
	o := &c.opts
	fs.StringVar(&c.listen, "listen", DefaultListen, "address to listen on, as `HOST:PORT` (port 0 picks a free one)")
	fs.DurationVar(&o.UncachedLatency, "uncached-latency", o.UncachedLatency, "mean latency of a reply not in the cache (the guide measured ~14.6s)")
	fs.DurationVar(&o.CachedLatency, "cached-latency", o.CachedLatency, "mean latency of a reply served from the cache")
	fs.Float64Var(&o.Jitter, "jitter", o.Jitter, "spread of both latencies as a fraction of their mean, 0–1 (0.2 = ±20 %)")
	fs.IntVar(&o.MaxConcurrent, "max-concurrent", o.MaxConcurrent, "requests served at once before answering 503 (0 = no limit)")
	fs.BoolVar(&o.Queue, "queue", o.Queue, "make requests over --max-concurrent wait for a slot instead of getting 503")
	fs.DurationVar(&o.CacheTTL, "cache-ttl", o.CacheTTL, "how long a reply stays cached (0 = forever)")
	fs.IntVar(&o.ContextTurns, "context-turns", o.ContextTurns, "earlier messages of the conversation that are part of the cache key (0 = message only)")
	fs.Float64Var(&o.Faults.ErrorRatio, "error-ratio", o.Faults.ErrorRatio, "fault: fraction of chat requests answered 500, 0–1")
	fs.DurationVar(&o.Faults.ExtraLatency, "extra-latency", o.Faults.ExtraLatency, "fault: latency added to every chat request")
	fs.BoolVar(&o.Faults.CacheOff, "cache-off", o.Faults.CacheOff, "fault: bypass the cache (every request misses, nothing is stored)")
	fs.BoolVar(&o.Faults.Unhealthy, "unhealthy", o.Faults.Unhealthy, "fault: GET /health answers 503")
	fs.Uint64Var(&o.Seed, "seed", o.Seed, "seed for jitter and fault draws (0 = random)")
	fs.TextVar(&c.logLevel, "log-level", slog.LevelInfo, "log `LEVEL`: debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	if err := c.opts.Validate(); err != nil {
		return c, err
	}
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

	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", c.listen)
	if err != nil {
		logger.Error("listen failed", "addr", c.listen, "err", err)
		return exitError
	}
	fmt.Fprintf(stdout, "chatsim listening on http://%s\n", ln.Addr())
	logger.Info("starting", "addr", ln.Addr().String(),
		"uncached_latency", c.opts.UncachedLatency.String(), "cached_latency", c.opts.CachedLatency.String(),
		"jitter", c.opts.Jitter, "max_concurrent", c.opts.MaxConcurrent, "queue", c.opts.Queue,
		"cache_ttl", c.opts.CacheTTL.String(), "context_turns", c.opts.ContextTurns,
		"error_ratio", c.opts.Faults.ErrorRatio, "extra_latency", c.opts.Faults.ExtraLatency.String(),
		"cache_off", c.opts.Faults.CacheOff, "unhealthy", c.opts.Faults.Unhealthy)

	if err := chatsim.New(c.opts).Serve(ctx, ln); err != nil {
		logger.Error("serve failed", "err", err)
		return exitError
	}
	return exitOK
}
