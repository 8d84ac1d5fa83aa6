// Command loadcron puts scheduled synthetic load on an HTTP API and tells
// Prometheus, Grafana and Alertmanager how the API holds up.
//
//	loadcron run      --config FILE [--suite NAME] [--report FILE]
//	loadcron serve    --config FILE [--web.listen-address HOST:PORT] [--web.config.file FILE] [--data-dir DIR]
//	loadcron demo     [--web.listen-address HOST:PORT]
//	loadcron validate --config FILE
//	loadcron version
package main

import (
	"fmt"
	"io"
	"os"
)

// Exit codes shared by every subcommand.
const (
	exitOK     = 0 // success; for run: the suite passed
	exitFailed = 1 // run: the suite failed; serve: a runtime error
	exitUsage  = 2 // bad usage or bad configuration
)

const usage = `loadcron — scheduled synthetic load with Prometheus metrics

Usage:
  loadcron run      --config FILE [--suite NAME] [--report FILE]   one run, report, exit 0 (passed) / 1 (failed) / 2 (bad usage or config)
  loadcron serve    --config FILE [--web.listen-address HOST:PORT] [--web.config.file FILE] [--data-dir DIR]
  loadcron demo     [--web.listen-address HOST:PORT]               the daemon plus a built-in simulated chat API
  loadcron validate --config FILE                                  exit 0 (valid) or 2 (every problem listed)
  loadcron version

Run 'loadcron COMMAND --help' for a command's flags.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run dispatches to a subcommand and returns the process exit code.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "run":
		return runCmd(rest, stdout, stderr)
	case "validate":
		return validateCmd(rest, stdout, stderr)
	case "serve":
		return serveCmd(rest, stdout, stderr)
	case "demo":
		return demoCmd(rest, stdout, stderr)
	case "version", "--version", "-version":
		return versionCmd(stdout)
	case "help", "-h", "--help", "-help":
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "loadcron: unknown command %q\n\n%s", cmd, usage)
		return exitUsage
	}
}
