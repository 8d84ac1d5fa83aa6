// Package push sends the metrics of a finished `loadcron run` to a
// Prometheus Pushgateway, so that CI runs land in the same Prometheus, under
// the same metric names, as the daemon's scheduled runs.
//
// Each suite is one group: job="loadcron", suite=<suite name>, plus the
// labels given with --push.grouping (e.g. pipeline=nightly). A push
// replaces its group (HTTP PUT), so the next run of the same suite from the
// same pipeline replaces the last one, while other suites and pipelines
// keep theirs. The series are the run's own registry, with the suite label
// moved into the grouping key: the Pushgateway adds the grouping labels to
// every series it serves, so Prometheus (scraping it with honor_labels:
// true) stores them labelled exactly as the daemon's.
package push

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/push"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/model"
)

// Job is the job label of every pushed group.
const Job = "loadcron"

// SuiteLabel is the grouping key that carries the suite's name.
const SuiteLabel = "suite"

// DefaultInstance is the instance grouping label of a push that names
// none: the dashboards select instance=~".+", which never matches a
// missing label, so a pushed group needs one to show up beside the
// daemons.
const DefaultInstance = "loadcron-run"

// DefaultTimeout bounds one push.
const DefaultTimeout = 10 * time.Second

// Options say where and how to push.
type Options struct {
	// URL is the Pushgateway's base URL ("http://pushgateway:9091").
	URL string
	// Grouping are extra grouping labels (from --push.grouping). They may
	// not be job or suite, nor a label loadcron's series carry.
	Grouping map[string]string
	// Timeout bounds each push; DefaultTimeout when ≤ 0.
	Timeout time.Duration
	// Client sends the pushes; http.DefaultClient when nil.
	Client *http.Client
}

// ParseGrouping turns --push.grouping values ("key=value") into labels.
// Keys must be valid label names; a key may appear once.
func ParseGrouping(pairs []string) (map[string]string, error) {
	g := make(map[string]string, len(pairs))
	var errs []error
	for _, p := range pairs {
		k, v, ok := strings.Cut(p, "=")
		k = strings.TrimSpace(k)
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("--push.grouping %q: want KEY=VALUE", p))
		case !model.LegacyValidation.IsValidLabelName(k) || strings.HasPrefix(k, "__"):
			errs = append(errs, fmt.Errorf("--push.grouping %q: %q is not a label name ([a-zA-Z_][a-zA-Z0-9_]*, no leading __)", p, k))
		case v == "":
			errs = append(errs, fmt.Errorf("--push.grouping %q: empty value", p))
		default:
			if _, dup := g[k]; dup {
				errs = append(errs, fmt.Errorf("--push.grouping %q: %s given twice", p, k))
			}
			g[k] = v
		}
	}
	return g, errors.Join(errs...)
}

// Validate checks the options before any load is sent: an http(s) URL with
// a host and no query, and grouping keys that collide with nothing.
// taken lists the label names the pushed series carry (see LabelNames);
// a grouping key among them would be refused at push time.
func (o Options) Validate(taken []string) error {
	var errs []error
	u, err := url.Parse(o.URL)
	if err != nil {
		// url.Error quotes the whole URL, credentials included: say only
		// what is wrong.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		errs = append(errs, fmt.Errorf("--push.url: not a URL: %w", err))
	} else {
		shown := redact(o.URL)
		switch {
		case u.Scheme != "http" && u.Scheme != "https":
			errs = append(errs, fmt.Errorf("--push.url %q: want an http:// or https:// URL", shown))
		case u.Host == "":
			errs = append(errs, fmt.Errorf("--push.url %q: no host", shown))
		case u.RawQuery != "" || u.Fragment != "":
			errs = append(errs, fmt.Errorf("--push.url %q: no query or fragment, please", shown))
		}
	}
	reserved := map[string]string{
		"job":      "set to " + Job,
		SuiteLabel: "set to each suite's name",
		"le":       "a histogram bucket label",
		"quantile": "a summary label",
	}
	for _, n := range taken {
		if _, ok := reserved[n]; !ok {
			reserved[n] = "a label of loadcron's series"
		}
	}
	for _, k := range slices.Sorted(maps.Keys(o.Grouping)) {
		if why, ok := reserved[k]; ok {
			errs = append(errs, fmt.Errorf("--push.grouping %s: reserved (%s)", k, why))
		}
	}
	return errors.Join(errs...)
}

// LabelNames returns the label names of every series g gathers, sorted.
func LabelNames(g prometheus.Gatherer) ([]string, error) {
	mfs, err := g.Gather()
	if err != nil {
		return nil, err
	}
	set := map[string]bool{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				set[lp.GetName()] = true
			}
		}
	}
	return slices.Sorted(maps.Keys(set)), nil
}

// Suite pushes, as the group of suite, the series of g that belong to it:
// those labelled suite=<suite>, with that label removed (the grouping key
// puts it back), and those with no suite label at all (build info, target
// health). It replaces whatever the group held.
func Suite(ctx context.Context, o Options, g prometheus.Gatherer, suite string) error {
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	client := o.Client
	if client == nil {
		client = http.DefaultClient
	}
	// Credentials in the URL go in a header instead, so that no error
	// message (the client quotes the URL) shows them.
	base, user, pass, hasAuth := splitUserinfo(o.URL)
	p := push.New(base, Job).
		Gatherer(suiteGatherer(g, suite)).
		Client(client).
		Grouping(SuiteLabel, suite)
	if hasAuth {
		p = p.BasicAuth(user, pass)
	}
	for _, k := range slices.Sorted(maps.Keys(o.Grouping)) {
		p = p.Grouping(k, o.Grouping[k])
	}
	if err := p.PushContext(ctx); err != nil {
		return fmt.Errorf("push suite %s to %s: %w", suite, redact(o.URL), err)
	}
	return nil
}

// suiteGatherer gathers g and keeps the series of one suite, as Suite
// describes.
func suiteGatherer(g prometheus.Gatherer, suite string) prometheus.Gatherer {
	return prometheus.GathererFunc(func() ([]*dto.MetricFamily, error) {
		mfs, err := g.Gather()
		if err != nil {
			return nil, err
		}
		out := mfs[:0]
		for _, mf := range mfs {
			kept := mf.Metric[:0]
			for _, m := range mf.Metric {
				if keep, labels := ofSuite(m.Label, suite); keep {
					m.Label = labels
					kept = append(kept, m)
				}
			}
			if len(kept) > 0 {
				mf.Metric = kept
				out = append(out, mf)
			}
		}
		return out, nil
	})
}

// ofSuite reports whether a series with labels belongs to suite's group,
// and its labels without the suite label.
func ofSuite(labels []*dto.LabelPair, suite string) (bool, []*dto.LabelPair) {
	for i, lp := range labels {
		if lp.GetName() == SuiteLabel {
			if lp.GetValue() != suite {
				return false, nil
			}
			return true, append(labels[:i:i], labels[i+1:]...)
		}
	}
	return true, labels
}

// GroupURL is the Pushgateway URL of suite's group (credentials removed),
// e.g. http://gw:9091/metrics/job/loadcron/suite/chat/pipeline/nightly:
// where the group can be looked at, or deleted with curl -X DELETE.
func GroupURL(o Options, suite string) string {
	base, _, _, _ := splitUserinfo(o.URL)
	var b strings.Builder
	b.WriteString(strings.TrimSuffix(base, "/") + "/metrics/job/" + Job)
	segment := func(k, v string) {
		if v == "" || strings.Contains(v, "/") {
			// The gateway's base64 form of a value with a slash.
			b.WriteString("/" + k + "@base64/" + base64.RawURLEncoding.EncodeToString([]byte(v)))
			return
		}
		b.WriteString("/" + k + "/" + url.PathEscape(v))
	}
	segment(SuiteLabel, suite)
	for _, k := range slices.Sorted(maps.Keys(o.Grouping)) {
		segment(k, o.Grouping[k])
	}
	return b.String()
}

// splitUserinfo returns raw without its user info, and that user info.
func splitUserinfo(raw string) (base, user, pass string, ok bool) {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw, "", "", false
	}
	user = u.User.Username()
	pass, _ = u.User.Password()
	u.User = nil
	return u.String(), user, pass, true
}

// redact drops the user info from a URL for messages: all of it, since a
// token may sit in the user name (https://TOKEN@gw), not only in the
// password.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "the Pushgateway"
	}
	u.User = nil
	return u.String()
}
