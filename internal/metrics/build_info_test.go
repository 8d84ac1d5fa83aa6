package metrics

import (
	"runtime"
	"testing"

	"github.com/prometheus/common/version"
)

// setVersion sets prometheus/common/version's link-time variables, as
// `-ldflags -X` does, until the test ends.
func setVersion(t *testing.T, v, revision, branch string) {
	t.Helper()
	old := [3]string{version.Version, version.Revision, version.Branch}
	version.Version, version.Revision, version.Branch = v, revision, branch
	t.Cleanup(func() { version.Version, version.Revision, version.Branch = old[0], old[1], old[2] })
}

func TestBuildInfo(t *testing.T) {
	setVersion(t, "1.2.3", "abc123", "main")
	_, reg := newTestMetrics(t, Options{})
	// The seven labels of every Prometheus component's build_info; tags
	// is the -tags value the test binary was built with ("unknown" when
	// none).
	compare(t, reg, `
# HELP loadcron_build_info A metric with a constant '1' value labeled by version, revision, branch, goversion from which loadcron was built, and the goos and goarch for the build.
# TYPE loadcron_build_info gauge
loadcron_build_info{branch="main",goarch="`+runtime.GOARCH+`",goos="`+runtime.GOOS+`",goversion="`+runtime.Version()+`",revision="abc123",tags="`+version.GetTags()+`",version="1.2.3"} 1
`, "loadcron_build_info")
}
