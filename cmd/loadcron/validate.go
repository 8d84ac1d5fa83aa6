package main

import (
	"fmt"
	"io"

	"github.com/alecthomas/kingpin/v2"

	"github.com/loadcron/loadcron/internal/config"
)

// validateOptions are `loadcron validate`'s flags.
type validateOptions struct {
	configFile string
	serve      bool
	sets       []string
}

func (o *validateOptions) register(app *kingpin.Application) {
	cmd := app.Command("validate", "Check a configuration file and list every problem in it, with its key path (exit 0 valid, 2 invalid).")
	configFileFlag(cmd, &o.configFile, "Configuration file to check (required).")
	cmd.Flag("serve", "Also require what serve needs (a schedule for every suite).").Default("true").BoolVar(&o.serve)
	setFlag(cmd, &o.sets)
}

// execute checks the config file and lists every problem in it.
func (o *validateOptions) execute(stdout, stderr io.Writer) int {
	sets, ok := parseSets(o.sets, stderr)
	if !ok {
		return exitUsage
	}
	cfg, ok := loadConfig(o.configFile, config.LoadOptions{RequireSchedule: o.serve, Sets: sets}, stderr)
	if !ok {
		return exitUsage
	}
	fmt.Fprintf(stdout, "%s: valid (%d targets, %d suites, config hash %s)\n", o.configFile, len(cfg.Targets), len(cfg.Suites), cfg.Hash)
	return exitOK
}
