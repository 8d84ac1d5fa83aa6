package server

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/loadcron/loadcron/internal/report"
	"github.com/loadcron/loadcron/internal/stats"
)

// TrendRuns is how many recent runs the status page's trend charts show.
const TrendRuns = 20

// Chart geometry (SVG user units = CSS pixels).
const (
	chartW, chartH = 160.0, 40.0
	chartPad       = 3.0
)

// Chart is one small trend chart of a scenario over its recent runs,
// drawn server-side as inline SVG: a line through the values, a dot on the
// newest, and the configured limit as a dashed line.
type Chart struct {
	// Title names the figure ("P95", "error ratio", …); Last is the newest
	// value as text, Limit the configured limit as text ("" when none).
	Title, Last, Limit string
	// Points is the polyline's points attribute ("x,y x,y …"); LastX and
	// LastY place the newest value's dot. Empty Points: no value yet.
	Points       string
	LastX, LastY string
	// LimitY is the limit line's y; valid when Limit is not empty.
	LimitY string
	// Runs is how many runs have a value.
	Runs int
	// Width and Height of the SVG.
	Width, Height float64
}

// trendPoint is one run's value; ok is false when the scenario did not run.
type trendPoint struct {
	v  float64
	ok bool
}

// figure extracts one value of a scenario result.
type figure struct {
	title  string
	value  func(report.ScenarioResult) float64
	format func(float64) string
	// limit is the configured limit in the figure's unit, from the newest
	// run's thresholds.
	limit func([]stats.ThresholdResult) (float64, bool)
	// ratio fixes the scale to 0–1.
	ratio bool
}

var trendFigures = []figure{
	{
		title:  "P95 latency",
		value:  func(s report.ScenarioResult) float64 { return s.P95LatencyMs },
		format: report.Millis,
		limit: func(ts []stats.ThresholdResult) (float64, bool) {
			v, ok := thresholdLimit(ts, stats.ThresholdMaxP95Latency)
			return v * 1000, ok
		},
	},
	{
		title:  "error ratio",
		value:  func(s report.ScenarioResult) float64 { return s.ErrorRate },
		format: pctText,
		limit: func(ts []stats.ThresholdResult) (float64, bool) {
			v, ok := thresholdLimit(ts, stats.ThresholdMinSuccessRate)
			return 1 - v, ok
		},
		ratio: true,
	},
	{
		title:  "cache hit ratio",
		value:  func(s report.ScenarioResult) float64 { return s.CacheHitRate },
		format: pctText,
		limit: func(ts []stats.ThresholdResult) (float64, bool) {
			return thresholdLimit(ts, stats.ThresholdMinCacheHitRate)
		},
		ratio: true,
	},
	{
		title:  "throughput",
		value:  func(s report.ScenarioResult) float64 { return s.ThroughputRPS },
		format: func(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) + " req/s" },
		limit:  func([]stats.ThresholdResult) (float64, bool) { return 0, false },
	},
}

func pctText(v float64) string { return strconv.FormatFloat(v*100, 'f', 1, 64) + " %" }

func thresholdLimit(ts []stats.ThresholdResult, name string) (float64, bool) {
	for _, t := range ts {
		if t.Name == name {
			return t.Limit, true
		}
	}
	return 0, false
}

// scenarioTrends builds the charts of scenario from runs (oldest first):
// one value per run in which the scenario sent load, the limits of the
// newest one.
func scenarioTrends(runs []*report.Report, scenario string) []Chart {
	// found[i] is the scenario's result in runs[i]; nil when it sent no
	// load in that run.
	found := make([]*report.ScenarioResult, len(runs))
	var newest *report.ScenarioResult
	for i, r := range runs {
		for j := range r.TestResults {
			if sr := &r.TestResults[j]; sr.Scenario == scenario && sr.Ran() {
				found[i], newest = sr, sr
				break
			}
		}
	}
	charts := make([]Chart, 0, len(trendFigures))
	for _, f := range trendFigures {
		pts := make([]trendPoint, len(found))
		for i, sr := range found {
			if sr != nil {
				pts[i] = trendPoint{v: f.value(*sr), ok: true}
			}
		}
		var limit float64
		hasLimit := false
		if newest != nil {
			limit, hasLimit = f.limit(newest.Thresholds)
		}
		charts = append(charts, drawChart(f, pts, limit, hasLimit))
	}
	return charts
}

// drawChart lays the points out on the chart: x by run index over the
// whole window, y from 0 to the largest value or limit (0–1 for ratios).
// Non-finite values are left out.
func drawChart(f figure, pts []trendPoint, limit float64, hasLimit bool) Chart {
	c := Chart{Title: f.title, Width: chartW, Height: chartH}
	top := 0.0
	if f.ratio {
		top = 1
	}
	for _, p := range pts {
		if p.ok && !isBad(p.v) {
			top = math.Max(top, p.v)
		}
	}
	if hasLimit && !isBad(limit) {
		top = math.Max(top, limit)
	}
	if top <= 0 {
		top = 1
	}
	x := func(i int) float64 {
		if len(pts) <= 1 {
			return chartW / 2
		}
		return chartPad + float64(i)*(chartW-2*chartPad)/float64(len(pts)-1)
	}
	y := func(v float64) float64 { return chartH - chartPad - v/top*(chartH-2*chartPad) }

	var b strings.Builder
	last := -1
	for i, p := range pts {
		if !p.ok || isBad(p.v) {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s,%s", num(x(i)), num(y(p.v)))
		last = i
		c.Runs++
	}
	c.Points = b.String()
	if last >= 0 {
		c.LastX, c.LastY = num(x(last)), num(y(pts[last].v))
		c.Last = f.format(pts[last].v)
	}
	if hasLimit && !isBad(limit) {
		c.Limit = f.format(limit)
		c.LimitY = num(y(limit))
	}
	return c
}

func isBad(v float64) bool { return math.IsNaN(v) || math.IsInf(v, 0) }

// num formats a coordinate with one decimal.
func num(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }
