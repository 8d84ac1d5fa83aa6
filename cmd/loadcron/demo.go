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
// suite from config/loadcron.yaml: no config, no external service.
func demoCmd(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("demo", "[--web.listen-address HOST:PORT]", stderr)
	var f serveFlags
	fs.StringVar(&f.listen, "web.listen-address", "127.0.0.1:8097", "address for /metrics, the API and the status page")
	fs.StringVar(&f.webConfigFile, "web.config.file", "", "exporter-toolkit web config file enabling TLS and/or basic auth")
	fs.BoolVar(&f.nativeHist, "metrics.native-histograms", true, "add native histogram buckets to loadcron_request_duration_seconds")
	fs.BoolVar(&f.lifecycle, "web.enable-lifecycle", false, "enable POST|PUT /-/reload")
	schedule := fs.String("schedule", "*/2 * * * *", "cron schedule of the demo suite")
	dataDir := fs.String("data-dir", "data/demo", "directory for the demo's run history")
	chatAddr := fs.String("chatsim.listen", "127.0.0.1:0", "address of the in-process simulated chat API (port 0: any free port)")
	cacheOff := fs.Bool("chatsim.cache-off", false, "start the simulated API with its cache off (watch the cache-hit ratio and latency alerts)")
	errRatio := fs.Float64("chatsim.error-ratio", 0, "fraction of chat requests the simulated API answers with 500 (0–1)")
	latency := fs.Duration("chatsim.latency", chatsim.DefaultUncachedLatency, "latency of uncached replies")
	f.log.register(fs, "info")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}

	opts := chatsim.DefaultOptions()
	opts.UncachedLatency = *latency
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
		ConfigFile: "config/loadcron.yaml (embedded)",
		ConfigData: configfiles.LoadcronYAML,
		Overrides:  overrides,
		OnReady: func(addr string) {
			fmt.Fprintf(stdout, `loadcron demo is running (stop with Ctrl-C)
  simulated chat API  http://%s  (faults: curl -X PUT -d '{"cache_off":true}' http://%s/admin/faults)
  status page         http://%s/
  metrics             http://%s/metrics
  recent runs         http://%s/api/v1/runs
  the guide's five scenarios run now and then on %q
`, simAddr, simAddr, addr, addr, addr, *schedule)
		},
	}
	// Shutdown grace stays short in the demo: nobody waits for a report.
	overrides["server.shutdown_grace"] = (5 * time.Second).String()
	return runDaemon(d, &f, stderr)
}
