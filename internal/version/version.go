// Package version holds loadcron's build identity, set at link time
// (-ldflags "-X github.com/loadcron/loadcron/internal/version.Version=…")
// and completed from the Go build info when not set.
package version

import (
	"runtime"
	"runtime/debug"
)

// Set by the linker; see the Makefile.
var (
	Version  = ""
	Revision = ""
)

func init() {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return
	}
	if Version == "" && info.Main.Version != "" && info.Main.Version != "(devel)" {
		Version = info.Main.Version
	}
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && Revision == "" {
			Revision = s.Value
			if len(Revision) > 12 {
				Revision = Revision[:12]
			}
		}
	}
	if Version == "" {
		Version = "dev"
	}
	if Revision == "" {
		Revision = "unknown"
	}
}

// GoVersion is the Go toolchain the binary was built with.
func GoVersion() string { return runtime.Version() }

// UserAgent is the User-Agent loadcron sends to targets.
func UserAgent() string { return "loadcron/" + Version }

// String is the one-line version banner.
func String() string {
	return "loadcron " + Version + " (revision " + Revision + ", " + GoVersion() + ")"
}
