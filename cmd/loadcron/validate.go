package main

import (
	"fmt"
	"io"

	"github.com/loadcron/loadcron/internal/config"
)

// validateCmd checks a config file and lists every problem in it.
func validateCmd(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("validate", "--config FILE", stderr)
	path := fs.String("config", "", "configuration file to check (required)")
	serve := fs.Bool("serve", true, "also require what serve needs (a schedule for every suite)")
	set := registerSet(fs)
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	cfg, ok := loadConfig(*path, config.LoadOptions{RequireSchedule: *serve, Overrides: set}, stderr)
	if !ok {
		return exitUsage
	}
	fmt.Fprintf(stdout, "%s: valid (%d targets, %d suites, config hash %s)\n", *path, len(cfg.Targets), len(cfg.Suites), cfg.Hash)
	return exitOK
}
