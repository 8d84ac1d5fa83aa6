package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/alecthomas/kingpin/v2"
	"github.com/prometheus/common/version"
)

// cli is the command line: the kingpin application and the options each
// command's flags fill.
type cli struct {
	app      *kingpin.Application
	run      runOptions
	serve    serveOptions
	demo     demoOptions
	validate validateOptions
}

func newCLI() *cli {
	// kingpin reads an argument starting with @ as a file of arguments:
	// `--schedule @hourly` would read a file named "hourly". Cron specs
	// start with @, so that goes.
	kingpin.EnableFileExpansion = false
	c := &cli{app: kingpin.New(program, "Scheduled synthetic load on an HTTP API, with Prometheus metrics.")}
	c.app.Version(version.Print(program))
	c.app.HelpFlag.Short('h')
	c.run.register(c.app)
	c.serve.register(c.app)
	c.demo.register(c.app)
	c.validate.register(c.app)
	c.app.Command("version", "Print the version, revision, branch, build user and date, Go version and platform.")
	return c
}

// parse parses args. When a command should run it returns its name and
// ok. Otherwise it has written what there was to say and returns the exit
// code: 0 for --help, -h, `help [COMMAND]` and --version (on stdout), 2
// for a usage error or no command at all (on stderr).
//
// kingpin itself would exit 0 with no command and 1 on errors, and on
// --help it calls its terminate function and then carries on parsing; so
// terminate only notes that it was called, and the output is buffered
// until we know which case this is.
func (c *cli) parse(args []string, stdout, stderr io.Writer) (cmd string, code int, ok bool) {
	var out bytes.Buffer
	terminated, firstOutput := false, 0
	c.app.UsageWriter(&out)
	c.app.ErrorWriter(&out)
	c.app.Terminate(func(int) {
		if !terminated {
			terminated, firstOutput = true, out.Len()
		}
	})
	asked := false // --help, -h or --version
	c.app.HelpFlag.PreAction(func(*kingpin.ParseContext) error { asked = true; return nil })
	c.app.VersionFlag.PreAction(func(*kingpin.ParseContext) error { asked = true; return nil })

	cmd, err := c.app.Parse(args)
	switch {
	case terminated && (asked || cmd == "help"):
		// Help or version, written before parsing went on: the first
		// output only.
		_, _ = stdout.Write(out.Bytes()[:firstOutput])
		return "", exitOK, false
	case errors.Is(err, kingpin.ErrCommandNotSpecified):
		fmt.Fprintf(stderr, "%s: error: no command given\n\n", program)
		_, _ = stderr.Write(out.Bytes())
		return "", exitUsage, false
	case err != nil:
		try := "--help"
		if pc, _ := c.app.ParseContext(args); pc != nil && pc.SelectedCommand != nil {
			try = program + " " + pc.SelectedCommand.FullCommand() + " --help"
		}
		fmt.Fprintf(stderr, "%s: error: %v; try %s\n", program, err, try)
		return "", exitUsage, false
	}
	return cmd, exitOK, true
}
