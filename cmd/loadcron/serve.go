package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/alecthomas/kingpin/v2"
	"github.com/prometheus/exporter-toolkit/web"
	"github.com/prometheus/exporter-toolkit/web/kingpinflag"

	"github.com/loadcron/loadcron/internal/config"
	"github.com/loadcron/loadcron/internal/daemon"
)

// daemonFlags are the flags serve and demo share.
type daemonFlags struct {
	// web holds --web.listen-address (repeatable), --web.config.file and
	// --web.systemd-socket, from exporter-toolkit.
	web *web.FlagConfig
	// listenSet is true when --web.listen-address was given: only then
	// does it replace server.listen_address.
	listenSet  bool
	nativeHist bool
	lifecycle  bool
	log        logFlags
}

func (f *daemonFlags) register(cmd *kingpin.CmdClause, defaultListen string) {
	f.web = kingpinflag.AddFlags(cmd, defaultListen)
	cmd.GetFlag("web.listen-address").IsSetByUser(&f.listenSet)
	cmd.Flag("web.enable-lifecycle", "Enable POST|PUT /-/reload (off, it answers 403; SIGHUP and config file changes reload either way).").
		BoolVar(&f.lifecycle)
	cmd.Flag("metrics.native-histograms", "Add native histogram buckets to loadcron_request_duration_seconds (on; --no-metrics.native-histograms keeps only the classic buckets).").
		Default("true").BoolVar(&f.nativeHist)
	f.log.register(cmd, "info")
}

// serveOptions are `loadcron serve`'s flags.
type serveOptions struct {
	configFile string
	dataDir    string
	segment    string
	sets       []string
	pprof      bool
	runOnStart bool
	daemonFlags
}

func (o *serveOptions) register(app *kingpin.Application) {
	cmd := app.Command("serve", "Run the daemon: every suite on its schedule, with /metrics, the API and the status page, until SIGTERM or SIGINT.")
	configFileFlag(cmd, &o.configFile, "Configuration file (required); reloaded on SIGHUP, when it changes, and on POST /-/reload with --web.enable-lifecycle.")
	o.daemonFlags.register(cmd, config.DefaultListenAddress)
	cmd.Flag("data-dir", "Directory for the run history (overrides history.dir; default data).").PlaceHolder("DIR").StringVar(&o.dataDir)
	cmd.Flag("web.enable-pprof", "Serve /debug/pprof.").BoolVar(&o.pprof)
	cmd.Flag("run-on-start", "Run every suite once at start-up (also server.run_on_start).").BoolVar(&o.runOnStart)
	segmentFlag(cmd, &o.segment)
	setFlag(cmd, &o.sets)
}

// execute runs the daemon until SIGTERM or SIGINT.
func (o *serveOptions) execute(stderr io.Writer) int {
	// Flags that set config keys, named in messages as the flag.
	var flagSets []config.Override
	if o.runOnStart {
		flagSets = append(flagSets, config.Override{Key: "server.run_on_start", Value: true, Source: "--run-on-start"})
	}
	if o.dataDir != "" {
		flagSets = append(flagSets, config.Override{Key: "history.dir", Value: o.dataDir, Source: "--data-dir"})
	}
	opts := daemon.Options{ConfigFile: o.configFile, Sets: flagSets, EnablePprof: o.pprof}
	if o.listenSet {
		opts.ListenAddresses = *o.web.WebListenAddresses
	}
	// The same checks as validate (and run), before anything starts:
	// those of the arguments here, the others (daemon.Preflight: config,
	// listen addresses, web config) where daemon.Run starts, once.
	sets, _, ok := checkArgs(preflightArgs{daemon: opts, sets: o.sets, segment: o.segment}, stderr)
	if !ok {
		return exitUsage
	}
	opts.Sets = sets
	return runDaemon(opts, &o.daemonFlags, o.segment, stderr)
}

// runDaemon fills the options serve and demo share, runs the daemon under
// signal handling and maps its error to an exit code: 0 after a clean
// stop, 2 for a bad configuration, 1 otherwise.
func runDaemon(opts daemon.Options, f *daemonFlags, segment string, stderr io.Writer) int {
	log, err := f.log.logger(stderr)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", program, err)
		return exitUsage
	}
	seg, err := segmentFrom(segment)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", program, err)
		return exitUsage
	}
	opts.Segment = seg
	opts.Logger = log
	opts.Env = configEnv()
	opts.WebConfigFile = *f.web.WebConfigFile
	opts.SystemdSocket = *f.web.WebSystemdSocket
	opts.NativeHistograms = f.nativeHist
	opts.EnableLifecycle = f.lifecycle

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := daemon.Run(ctx, opts); err != nil {
		if errors.Is(err, daemon.ErrConfig) {
			printConfigErrors(stderr, err)
			return exitUsage
		}
		fmt.Fprintf(stderr, "%s: %v\n", program, err)
		return exitFailed
	}
	return exitOK
}
