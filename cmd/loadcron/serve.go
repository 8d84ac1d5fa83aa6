package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/loadcron/loadcron/internal/daemon"
)

// serveFlags are the daemon flags shared by serve and demo.
type serveFlags struct {
	segment       string
	set           setFlags
	listen        string
	webConfigFile string
	nativeHist    bool
	pprof         bool
	lifecycle     bool
	runOnStart    bool
	log           logFlags
}

func (f *serveFlags) overrides() map[string]any {
	o := map[string]any{}
	for k, v := range f.set {
		o[k] = v
	}
	if f.listen != "" {
		o["server.listen_address"] = f.listen
	}
	if f.runOnStart {
		o["server.run_on_start"] = true
	}
	return o
}

// serveCmd runs the daemon until SIGTERM or SIGINT.
func serveCmd(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("serve", "--config FILE [--web.listen-address HOST:PORT] [--web.config.file FILE] [--data-dir DIR]", stderr)
	path := fs.String("config", "", "configuration file (required); reloaded on SIGHUP, on change, and on POST /-/reload with --web.enable-lifecycle")
	dataDir := fs.String("data-dir", "", "directory for the run history (overrides history.dir; default data)")
	var f serveFlags
	fs.StringVar(&f.listen, "web.listen-address", "", "address for /metrics, the API and the status page (overrides server.listen_address; default :8097)")
	fs.StringVar(&f.webConfigFile, "web.config.file", "", "exporter-toolkit web config file enabling TLS and/or basic auth")
	fs.BoolVar(&f.nativeHist, "metrics.native-histograms", true, "add native histogram buckets to loadcron_request_duration_seconds")
	fs.BoolVar(&f.pprof, "web.enable-pprof", false, "serve /debug/pprof")
	fs.BoolVar(&f.lifecycle, "web.enable-lifecycle", false, "enable POST|PUT /-/reload (SIGHUP and config file changes reload without it)")
	fs.BoolVar(&f.runOnStart, "run-on-start", false, "run every suite once at start-up (also server.run_on_start)")
	fs.StringVar(&f.segment, "segment", "", segmentUsage)
	f.set = registerSet(fs)
	f.log.register(fs, "info")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if *path == "" {
		fmt.Fprintln(stderr, "loadcron serve: --config FILE is required")
		return exitUsage
	}
	overrides := f.overrides()
	if *dataDir != "" {
		overrides["history.dir"] = *dataDir
	}
	return runDaemon(daemon.Options{ConfigFile: *path, Overrides: overrides}, &f, stderr)
}

// runDaemon fills the common options, runs the daemon under signal
// handling and maps its error to an exit code.
func runDaemon(opts daemon.Options, f *serveFlags, stderr io.Writer) int {
	log, err := f.log.logger(stderr)
	if err != nil {
		fmt.Fprintf(stderr, "loadcron: %v\n", err)
		return exitUsage
	}
	seg, err := segmentFrom(f.segment)
	if err != nil {
		fmt.Fprintf(stderr, "loadcron: %v\n", err)
		return exitUsage
	}
	opts.Segment = seg
	opts.Logger = log
	opts.Env = configEnv()
	opts.WebConfigFile = f.webConfigFile
	opts.NativeHistograms = f.nativeHist
	opts.EnablePprof = f.pprof
	opts.EnableLifecycle = f.lifecycle

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := daemon.Run(ctx, opts); err != nil {
		if errors.Is(err, daemon.ErrConfig) {
			printConfigErrors(stderr, err)
			return exitUsage
		}
		fmt.Fprintf(stderr, "loadcron: %v\n", err)
		return exitFailed
	}
	return exitOK
}
