package promqlcheck

import (
	"fmt"
	"io"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// ScrapeNames reads a Prometheus text exposition (what GET /metrics
// returns) and returns the names a query can select from it: every family
// name, plus name_bucket, name_count and name_sum for a histogram family h
// and name_count and name_sum for a summary. (Stripping those suffixes from
// any selector instead would wrongly accept foo_total_bucket.)
func ScrapeNames(r io.Reader) (map[string]bool, error) {
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(r)
	if err != nil {
		return nil, fmt.Errorf("parse exposition: %w", err)
	}
	names := make(map[string]bool, len(fams))
	for name, f := range fams {
		names[name] = true
		var suffixes []string
		switch f.GetType() {
		case dto.MetricType_HISTOGRAM, dto.MetricType_GAUGE_HISTOGRAM:
			suffixes = []string{"_bucket", "_count", "_sum"}
		case dto.MetricType_SUMMARY:
			suffixes = []string{"_count", "_sum"}
		}
		for _, s := range suffixes {
			names[name+s] = true
		}
	}
	return names, nil
}
