package main

import (
	"fmt"
	"io"

	"github.com/alecthomas/kingpin/v2"

	"github.com/loadcron/loadcron/internal/daemon"
)

// validateOptions are `loadcron validate`'s flags.
type validateOptions struct {
	configFile string
	sets       []string
	segment    string
	suite      string
	report     string
	listen     []string
	webConfig  string
}

func (o *validateOptions) register(app *kingpin.Application) {
	cmd := app.Command("validate", "Check a configuration file and list every problem in it, with its key path (exit 0 valid, 2 invalid). "+
		"It makes every check run and serve make before they send load or serve; give their other flags to check those too.")
	configFileFlag(cmd, &o.configFile, "Configuration file to check (required).")
	// --serve used to require a schedule for every suite; a suite without
	// one is trigger-only now. Accepted so scripts keep working.
	cmd.Flag("serve", "Ignored: a suite without schedule is valid for serve (trigger-only).").Hidden().Bool()
	cmd.Flag("suite", "Also check that run --suite NAME would find the suite.").PlaceHolder("NAME").StringVar(&o.suite)
	cmd.Flag("report", "Also check that run could write its report here.").PlaceHolder("FILE").StringVar(&o.report)
	cmd.Flag("web.listen-address", "Also check serve's listen addresses (repeatable).").PlaceHolder("HOST:PORT").StringsVar(&o.listen)
	cmd.Flag("web.config.file", "Also check serve's web config file (TLS, basic auth).").PlaceHolder("FILE").StringVar(&o.webConfig)
	segmentFlag(cmd, &o.segment)
	setFlag(cmd, &o.sets)
}

// execute checks the config file, and the other flags given, as run and
// serve would, and summarises what serve would schedule.
func (o *validateOptions) execute(stdout, stderr io.Writer) int {
	p, ok := preflight(preflightArgs{
		daemon:  daemon.Options{ConfigFile: o.configFile, ListenAddresses: o.listen, WebConfigFile: o.webConfig},
		sets:    o.sets,
		segment: o.segment,
		suite:   o.suite,
		report:  o.report,
	}, stderr)
	if !ok {
		return exitUsage
	}
	cfg := p.cfg
	fmt.Fprintf(stdout, "%s: valid (%d targets, %d suites, config hash %s)\n", o.configFile, len(cfg.Targets), len(cfg.Suites), cfg.Hash)
	for _, name := range cfg.SuiteNames() {
		s := cfg.Suites[name]
		if s.TriggerOnly() {
			fmt.Fprintf(stdout, "  suite %s: %d scenarios, trigger-only (no schedule: serve runs it only through the trigger API or run_on_start; run runs it)\n", name, len(s.Scenarios))
			continue
		}
		fmt.Fprintf(stdout, "  suite %s: %d scenarios, schedule %q (%s)\n", name, len(s.Scenarios), s.Schedule, s.TimeZone)
	}
	return exitOK
}
