// Command loadcron puts scheduled synthetic load on an HTTP API and tells
// Prometheus, Grafana and Alertmanager how the API holds up.
//
//	loadcron run      --config.file FILE [--suite NAME] [--report FILE]
//	loadcron serve    --config.file FILE [--web.listen-address HOST:PORT] [--web.config.file FILE] [--web.enable-lifecycle] [--data-dir DIR]
//	loadcron demo     [--web.listen-address HOST:PORT]
//	loadcron validate --config.file FILE
//	loadcron version
//
// Flags follow the Prometheus style (kingpin): --help and --version,
// --[no-]name booleans, and a command's flags after the command.
// --config is a hidden alias of --config.file.
package main

import (
	"io"
	"os"
)

// Exit codes shared by every command; `loadcron run` adds its own (see
// exitcode.go).
const (
	exitOK     = 0 // success
	exitFailed = 1 // serve: a runtime error
	exitUsage  = 2 // bad usage or bad configuration
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run parses args into one command's options, runs the command and
// returns the process exit code.
func run(args []string, stdout, stderr io.Writer) int {
	c := newCLI()
	cmd, code, ok := c.parse(args, stdout, stderr)
	if !ok {
		return code
	}
	switch cmd {
	case "run":
		return c.run.execute(stdout, stderr)
	case "serve":
		return c.serve.execute(stderr)
	case "demo":
		return c.demo.execute(stdout, stderr)
	case "validate":
		return c.validate.execute(stdout, stderr)
	case "version":
		return versionCmd(stdout)
	}
	// Unreachable: parse accepts only the commands above.
	return exitUsage
}
