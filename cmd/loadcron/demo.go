package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/alecthomas/kingpin/v2"

	configfiles "github.com/loadcron/loadcron/config"
	"github.com/loadcron/loadcron/internal/chatsim"
	"github.com/loadcron/loadcron/internal/daemon"
)

// demoOptions are `loadcron demo`'s flags.
type demoOptions struct {
	schedule string
	dataDir  string
	chatAddr string
	profile  string
	cacheOff bool
	errRatio float64
	latency  time.Duration
	cacheTTL time.Duration
	daemonFlags
}

func (o *demoOptions) register(app *kingpin.Application) {
	cmd := app.Command("demo", "Run the daemon against a built-in simulated chat API with the guide's suite: no config, no external service.")
	o.daemonFlags.register(cmd, "127.0.0.1:8097")
	cmd.Flag("schedule", "Schedule of the demo suite (keep its interval above one run, ~100s, plus --chatsim.cache-ttl so that every run starts cold).").
		Default("@every 5m").StringVar(&o.schedule)
	cmd.Flag("data-dir", "Directory for the demo's run history.").Default("data/demo").PlaceHolder("DIR").StringVar(&o.dataDir)
	cmd.Flag("chatsim.listen", "Address of the in-process simulated chat API (port 0: any free port).").
		Default("127.0.0.1:0").PlaceHolder("HOST:PORT").StringVar(&o.chatAddr)
	cmd.Flag("chatsim.profile", "Options of the simulated API: guide (the guide's story: 1.5–3s uncached, one request at a time, bounded queue) or default (fast, 50ms).").
		Default(chatsim.ProfileGuide).StringVar(&o.profile)
	cmd.Flag("chatsim.cache-off", "Start the simulated API with its cache off (watch the cache-hit ratio and latency alerts).").
		BoolVar(&o.cacheOff)
	cmd.Flag("chatsim.error-ratio", "Fraction of chat requests the simulated API answers with 500 (0–1).").
		Default("0").Float64Var(&o.errRatio)
	cmd.Flag("chatsim.latency", "Mean latency of uncached replies (0: the profile's, 2.25s for guide).").
		Default("0s").DurationVar(&o.latency)
	cmd.Flag("chatsim.cache-ttl", "Lifetime of cached replies (0: the profile's, 2m30s for guide: longer than a run, shorter than the gap to the next).").
		Default("0s").DurationVar(&o.cacheTTL)
}

// execute runs the daemon against an in-process chatsim with the guide's
// suite from config/demo.yaml (the scenarios and thresholds of
// config/loadcron.yaml with a query list that retells the guide's story)
// until SIGTERM or SIGINT.
func (o *demoOptions) execute(stdout, stderr io.Writer) int {
	opts, err := chatsim.Profile(o.profile)
	if err != nil {
		fmt.Fprintf(stderr, "%s demo: --chatsim.profile: %v\n", program, err)
		return exitUsage
	}
	if o.latency > 0 {
		opts.UncachedLatency = o.latency
	}
	if o.cacheTTL > 0 {
		opts.CacheTTL = o.cacheTTL
	}
	opts.Faults = chatsim.Faults{CacheOff: o.cacheOff, ErrorRatio: o.errRatio}
	if err := opts.Validate(); err != nil {
		fmt.Fprintf(stderr, "%s demo: %v\n", program, err)
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	sim := chatsim.New(opts)
	simAddr, stopSim, err := sim.Start(ctx, o.chatAddr)
	if err != nil {
		fmt.Fprintf(stderr, "%s demo: starting chatsim: %v\n", program, err)
		return exitFailed
	}
	defer stopSim()

	d := daemon.Options{
		ConfigFile: "config/demo.yaml (embedded)",
		ConfigData: configfiles.DemoYAML,
		Overrides: map[string]any{
			"targets.chat.url":     "http://" + simAddr,
			"suites.chat.schedule": o.schedule,
			"server.run_on_start":  true,
			"history.dir":          o.dataDir,
			// Shutdown grace stays short in the demo: nobody waits for a
			// report.
			"server.shutdown_grace": (5 * time.Second).String(),
		},
		// The demo listens where its flag says, default or not.
		ListenAddresses: *o.web.WebListenAddresses,
		OnReady: func(addr string) {
			fmt.Fprintf(stdout, `loadcron demo is running (stop with Ctrl-C)
  simulated chat API  http://%s  (faults: curl -X PUT -d '{"cache_off":true}' http://%s/admin/faults)
  status page         http://%s/
  metrics             http://%s/metrics
  recent runs         http://%s/api/v1/runs
  the guide's five scenarios run now (first result in seconds, the whole run in about 100s) and then on %q
`, simAddr, simAddr, addr, addr, addr, o.schedule)
		},
	}
	return runDaemon(d, &o.daemonFlags, "", stderr)
}
