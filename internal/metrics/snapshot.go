package metrics

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// snapshotGroup exposes collectors whose values change together as of one
// moment: Collect reads every value of every collector under mu — the lock
// their updates hold — and sends the copies after releasing it.
//
// Registered one by one, the registry would collect each collector at its
// own moment of a scrape (concurrently, in no fixed order), and a scrape
// during an update would mix old and new values (TestScrapeSeesOneWindow,
// TestScrapeSeesOneRunState).
// The collectors in a group must not be registered themselves.
type snapshotGroup struct {
	mu *sync.Mutex // Metrics.mu
	cs []prometheus.Collector
}

// Describe implements prometheus.Collector.
func (g *snapshotGroup) Describe(ch chan<- *prometheus.Desc) {
	for _, c := range g.cs {
		c.Describe(ch)
	}
}

// Collect implements prometheus.Collector.
func (g *snapshotGroup) Collect(ch chan<- prometheus.Metric) {
	var out []prometheus.Metric
	metrics := make(chan prometheus.Metric, 64)
	read := make(chan struct{})
	go func() {
		defer close(read)
		for m := range metrics {
			var d dto.Metric
			if err := m.Write(&d); err != nil {
				// A vector's own metrics cannot fail to write; pass the
				// metric on so that the registry reports it.
				out = append(out, m)
				continue
			}
			out = append(out, frozenMetric{desc: m.Desc(), m: &d})
		}
	}()
	g.mu.Lock()
	for _, c := range g.cs {
		c.Collect(metrics)
	}
	close(metrics)
	<-read
	g.mu.Unlock()
	for _, m := range out {
		ch <- m
	}
}

// frozenMetric is a metric's value as written at one moment.
type frozenMetric struct {
	desc *prometheus.Desc
	m    *dto.Metric
}

func (f frozenMetric) Desc() *prometheus.Desc { return f.desc }

// Write implements prometheus.Metric with the copy's fields; they are
// never changed after the copy, so sharing them is safe.
func (f frozenMetric) Write(out *dto.Metric) error {
	out.Label = f.m.Label
	out.Gauge = f.m.Gauge
	out.Counter = f.m.Counter
	out.Untyped = f.m.Untyped
	out.Histogram = f.m.Histogram
	out.Summary = f.m.Summary
	out.TimestampMs = f.m.TimestampMs
	return nil
}
