package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	configfiles "github.com/loadcron/loadcron/config"
	"github.com/loadcron/loadcron/internal/chatsim"
	"github.com/loadcron/loadcron/internal/daemon"
)

// demoCmd runs the daemon against an in-process chatsim with the guide's
// suite from config/demo.yaml (the scenarios and thresholds of
// config/loadcron.yaml with a query list that retells the guide's story):
// no config, no external service.
func demoCmd(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("demo", "[--web.listen-address HOST:PORT]", stderr)
	var f serveFlags
	fs.StringVar(&f.listen, "web.listen-address", "127.0.0.1:8097", "address for /metrics, the API and the status page")
	fs.StringVar(&f.webConfigFile, "web.config.file", "", "exporter-toolkit web config file enabling TLS and/or basic auth")
	fs.BoolVar(&f.nativeHist, "metrics.native-histograms", true, "add native histogram buckets to loadcron_request_duration_seconds")
	fs.BoolVar(&f.lifecycle, "web.enable-lifecycle", false, "enable POST|PUT /-/reload")
	schedule := fs.String("schedule", "@every 5m", "schedule of the demo suite (keep its interval above one run, ~100s, plus --chatsim.cache-ttl so that every run starts cold)")
	dataDir := fs.String("data-dir", "data/demo", "directory for the demo's run history")
	chatAddr := fs.String("chatsim.listen", "127.0.0.1:0", "address of the in-process simulated chat API (port 0: any free port)")
	profile := fs.String("chatsim.profile", chatsim.ProfileGuide, "options of the simulated API: guide (the guide's story: 1.5–3s uncached, one request at a time, bounded queue) or default (fast, 50ms)")
	cacheOff := fs.Bool("chatsim.cache-off", false, "start the simulated API with its cache off (watch the cache-hit ratio and latency alerts)")
	errRatio := fs.Float64("chatsim.error-ratio", 0, "fraction of chat requests the simulated API answers with 500 (0–1)")
	latency := fs.Duration("chatsim.latency", 0, "mean latency of uncached replies (0: the profile's, 2.25s for guide)")
	cacheTTL := fs.Duration("chatsim.cache-ttl", 0, "lifetime of cached replies (0: the profile's, 2m30s for guide: longer than a run, shorter than the gap to the next)")
	f.log.register(fs, "info")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}

	opts, err := chatsim.Profile(*profile)
	if err != nil {
		fmt.Fprintf(stderr, "loadcron demo: --chatsim.profile: %v\n", err)
		return exitUsage
	}
	if *latency > 0 {
		opts.UncachedLatency = *latency
	}
	if *cacheTTL > 0 {
		opts.CacheTTL = *cacheTTL
	}
	opts.Faults = chatsim.Faults{CacheOff: *cacheOff, ErrorRatio: *errRatio}
	if err := opts.Validate(); err != nil {
		fmt.Fprintf(stderr, "loadcron demo: %v\n", err)
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	sim := chatsim.New(opts)
	simAddr, stopSim, err := sim.Start(ctx, *chatAddr)
	if err != nil {
		fmt.Fprintf(stderr, "loadcron demo: starting chatsim: %v\n", err)
		return exitFailed
	}
	defer stopSim()

	overrides := f.overrides()
	overrides["targets.chat.url"] = "http://" + simAddr
	overrides["suites.chat.schedule"] = *schedule
	overrides["server.run_on_start"] = true
	overrides["history.dir"] = *dataDir
	d := daemon.Options{
		ConfigFile: "config/demo.yaml (embedded)",
		ConfigData: configfiles.DemoYAML,
		Overrides:  overrides,
		OnReady: func(addr string) {
			fmt.Fprintf(stdout, `loadcron demo is running (stop with Ctrl-C)
  simulated chat API  http://%s  (faults: curl -X PUT -d '{"cache_off":true}' http://%s/admin/faults)
  status page         http://%s/
  metrics             http://%s/metrics
  recent runs         http://%s/api/v1/runs
  the guide's five scenarios run now (first result in seconds, the whole run in about 100s) and then on %q
`, simAddr, simAddr, addr, addr, addr, *schedule)
		},
	}
	// Shutdown grace stays short in the demo: nobody waits for a report.
	overrides["server.shutdown_grace"] = (5 * time.Second).String()
	return runDaemon(d, &f, stderr)
}
