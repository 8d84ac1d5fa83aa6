package main

import (
	"fmt"
	"io"
	"runtime/debug"

	"github.com/prometheus/common/version"
)

// program names loadcron in the version banner, loadcron_build_info and
// the User-Agent.
const program = "loadcron"

// The build identity lives in github.com/prometheus/common/version, set
// with -ldflags -X (Makefile, deploy/Dockerfile). A build made without
// them (go install …@v0.3.0, go build) still names a version: the module's
// from the Go build info, else "dev", so the User-Agent and the report
// never carry an empty one.
func init() {
	if version.Version == "" {
		version.Version = moduleVersion()
	}
}

func moduleVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return "dev"
}

// userAgent is what loadcron sends to targets: loadcron/<version>.
func userAgent() string { return version.ComponentUserAgent(program) }

// versionCmd prints the version banner (prometheus/common/version's).
func versionCmd(stdout io.Writer) int {
	fmt.Fprintln(stdout, version.Print(program))
	return exitOK
}
