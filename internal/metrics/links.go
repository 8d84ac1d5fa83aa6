package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// linksInfo is loadcron_links_info{external_url, grafana_url}: 1 while
// server.external_url or server.grafana_url is set, absent otherwise. The
// alert rules read it to put a link to the run that fired an alert, and to
// the scenario's dashboard, into the alert's annotations (alerts/README.md,
// "Links"): Prometheus has no other way to know where the daemon and
// Grafana are. It is one series per daemon; the values are the configured
// bases, which config validation keeps free of credentials.
type linksInfo struct {
	vec     *prometheus.GaugeVec
	current []string // label values set now; nil for none
}

func newLinksInfo(f promauto.Factory) *linksInfo {
	return &linksInfo{vec: f.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: Namespace, Name: "links_info",
		Help: "Always 1; labelled with server.external_url and server.grafana_url (present only when one is set), for links in alert annotations.",
	}, []string{"external_url", "grafana_url"})}
}

// set makes the series follow the configured bases. Callers hold the
// Metrics lock.
func (l *linksInfo) set(external, grafana string) {
	want := []string{external, grafana}
	if l.current != nil && (l.current[0] != external || l.current[1] != grafana) {
		l.vec.DeleteLabelValues(l.current...)
		l.current = nil
	}
	if external == "" && grafana == "" {
		return
	}
	l.vec.WithLabelValues(want...).Set(1)
	l.current = want
}
