package metrics

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/loadcron/loadcron/internal/result"
)

// TestPacerLateness: open-model results feed loadcron_pacer_lateness_seconds
// with their lateness; a closed-model scenario (lateness 0) never has the
// series.
func TestPacerLateness(t *testing.T) {
	m, reg := newTestMetrics(t, Options{})
	open := m.Scenario("chat", "open", "chatsim")
	closed := m.Scenario("chat", "closed", "chatsim")
	late := []time.Duration{30 * time.Microsecond, 80 * time.Microsecond, 2 * time.Millisecond, 2 * time.Second}
	rec := open.Recorder()
	for _, l := range late {
		rec.Record(&result.Result{Latency: 5 * time.Millisecond, Code: 200, Lateness: l})
	}
	closed.Recorder().Record(&result.Result{Latency: 5 * time.Millisecond, Code: 200})

	var b strings.Builder
	b.WriteString("# HELP loadcron_pacer_lateness_seconds Open model: how late each request left against its intended send time.\n")
	b.WriteString("# TYPE loadcron_pacer_lateness_seconds histogram\n")
	labels := `scenario="open",suite="chat",target="chatsim"`
	sum := 0.0
	for _, l := range late {
		sum += l.Seconds()
	}
	for _, le := range LatenessBuckets {
		n := 0
		for _, l := range late {
			if l.Seconds() <= le {
				n++
			}
		}
		fmt.Fprintf(&b, "loadcron_pacer_lateness_seconds_bucket{%s,le=\"%g\"} %d\n", labels, le, n)
	}
	fmt.Fprintf(&b, "loadcron_pacer_lateness_seconds_bucket{%s,le=\"+Inf\"} %d\n", labels, len(late))
	fmt.Fprintf(&b, "loadcron_pacer_lateness_seconds_sum{%s} %g\n", labels, sum)
	fmt.Fprintf(&b, "loadcron_pacer_lateness_seconds_count{%s} %d\n", labels, len(late))
	compare(t, reg, b.String(), "loadcron_pacer_lateness_seconds")
	if n, err := testutil.GatherAndCount(reg, "loadcron_pacer_lateness_seconds"); err != nil || n != 1 {
		t.Errorf("lateness series: %d (%v), want only the open scenario's", n, err)
	}
}
