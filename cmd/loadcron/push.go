package main

import (
	"context"
	"time"

	"github.com/alecthomas/kingpin/v2"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/loadcron/loadcron/internal/config"
	"github.com/loadcron/loadcron/internal/metrics"
	"github.com/loadcron/loadcron/internal/push"
	"github.com/loadcron/loadcron/internal/report"
)

// pushOptions are `loadcron run`'s --push.* flags.
type pushOptions struct {
	url      string
	grouping []string
	timeout  time.Duration
}

// register adds the --push.* flags to `loadcron run`.
func (o *pushOptions) register(cmd *kingpin.CmdClause) {
	cmd.Flag("push.url", "Push each suite's metrics to this Prometheus Pushgateway when its run ends (http(s)://HOST:PORT; user:password@ goes as basic auth).").
		PlaceHolder("URL").StringVar(&o.url)
	cmd.Flag("push.grouping", "Extra grouping label of the pushed groups, besides job=loadcron, suite and instance (default instance=loadcron-run) (repeatable), e.g. pipeline=$CI_PROJECT_PATH; a label the series carry (scenario, target, …) is refused.").
		PlaceHolder("KEY=VALUE").StringsVar(&o.grouping)
	cmd.Flag("push.timeout", "Bound of each push.").Default(push.DefaultTimeout.String()).DurationVar(&o.timeout)
}

// pusher collects a `loadcron run`'s metrics in a registry of its own, as
// the daemon would export them, and pushes each suite's series to a
// Pushgateway when the suite's run is over.
type pusher struct {
	opts    push.Options
	reg     *prometheus.Registry
	metrics *metrics.Metrics
}

// newPusher checks the --push.* flags against the configuration, before
// any load is sent. It returns nil when no --push.url was given.
func newPusher(o pushOptions, cfg *config.Config) (*pusher, error) {
	if o.url == "" {
		return nil, nil
	}
	grouping, err := push.ParseGrouping(o.grouping)
	if err != nil {
		return nil, err
	}
	if _, ok := grouping["instance"]; !ok {
		grouping["instance"] = push.DefaultInstance
	}
	reg := prometheus.NewRegistry()
	// Native histograms as in the daemon: the push is protobuf, so a
	// Pushgateway keeps them next to the classic buckets.
	m := metrics.New(reg, metrics.Options{NativeHistograms: true})
	m.SetConfig(cfg)
	labels, err := push.LabelNames(reg)
	if err != nil {
		return nil, err
	}
	p := &pusher{opts: push.Options{URL: o.url, Grouping: grouping, Timeout: o.timeout}, reg: reg, metrics: m}
	if err := p.opts.Validate(labels); err != nil {
		return nil, err
	}
	return p, nil
}

// started records that a suite's run began (suite_running, start time).
func (p *pusher) started(suite string, t time.Time) {
	p.metrics.SuiteRunStarted(suite, t)
}

// where describes a suite's group for the console: the gateway (without
// credentials) and the group's path.
func (p *pusher) where(suite string) string {
	return push.GroupURL(p.opts, suite)
}

// finished records the suite's verdict and pushes its series.
func (p *pusher) finished(ctx context.Context, rep *report.Report) error {
	p.metrics.SuiteRunFinished(rep.Suite, string(rep.Status), rep.Passed, rep.FinishedAt)
	// An interrupted run still pushes what it measured; the push gets its
	// own short deadline rather than the canceled run context.
	return push.Suite(context.WithoutCancel(ctx), p.opts, p.reg, rep.Suite)
}
