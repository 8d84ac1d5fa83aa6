package push

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"go.uber.org/goleak"

	"github.com/loadcron/loadcron/internal/testtools"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestParseGrouping(t *testing.T) {
	tests := []struct {
		name    string
		in      []string
		want    map[string]string
		wantErr string
	}{
		// none: no extra labels
		{"none", nil, map[string]string{}, ""},
		// pairs; the value may hold = and /
		{"pairs", []string{"pipeline=nightly", "branch=feature/a=b"}, map[string]string{"pipeline": "nightly", "branch": "feature/a=b"}, ""},
		// no =
		{"no equals", []string{"pipeline"}, nil, "want KEY=VALUE"},
		// not a label name
		{"bad name", []string{"ci-job=x"}, nil, "not a label name"},
		// reserved prefix
		{"double underscore", []string{"__name__=x"}, nil, "not a label name"},
		// empty value: the Pushgateway would drop the label
		{"empty value", []string{"pipeline="}, nil, "empty value"},
		// a key twice
		{"twice", []string{"a=1", "a=2"}, nil, "a given twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseGrouping(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("got %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	taken := []string{"scenario", "target", "code"}
	tests := []struct {
		name    string
		o       Options
		wantErr []string
	}{
		// a plain URL and a free key
		{"ok", Options{URL: "http://127.0.0.1:9091", Grouping: map[string]string{"pipeline": "ci", "instance": "runner-1"}}, nil},
		// https with a path prefix and credentials
		{"https", Options{URL: "https://u:p@push.example.com/gw"}, nil},
		// not http
		{"scheme", Options{URL: "ftp://x"}, []string{"want an http:// or https:// URL"}},
		// no host
		{"host", Options{URL: "http:///metrics"}, []string{"no host"}},
		// a query
		{"query", Options{URL: "http://h:9091/?x=1"}, []string{"no query"}},
		// credentials are never echoed, whatever is wrong with the URL
		// (a token may sit in the user name, as in https://TOKEN@host)
		{"scheme with credentials", Options{URL: "ftp://ci:s3cret@x"}, []string{`--push.url "ftp://x": want an http:// or https:// URL`}},
		{"query with credentials", Options{URL: "http://s3cret@h:9091/?x=1"}, []string{`--push.url "http://h:9091/?x=1": no query`}},
		{"unparsable with credentials", Options{URL: "http://ci:s3 cret@h"}, []string{"--push.url: not a URL: net/url: invalid userinfo"}},
		{"bad host with credentials", Options{URL: "http://ci:s3cret@[::1"}, []string{"--push.url: not a URL: missing ']' in host"}},
		// keys loadcron sets or its series carry
		{"reserved", Options{URL: "http://h", Grouping: map[string]string{"job": "x", "suite": "y", "scenario": "z", "le": "1"}},
			[]string{"job: reserved (set to loadcron)", "suite: reserved (set to each suite's name)", "scenario: reserved (a label of loadcron's series)", "le: reserved"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.o.Validate(taken)
			if err != nil && strings.Contains(err.Error(), "s3cret") {
				t.Errorf("err = %v: it shows the URL's credentials", err)
			}
			if len(tt.wantErr) == 0 {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				return
			}
			for _, w := range tt.wantErr {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("err = %v, want %q", err, w)
				}
			}
		})
	}
}

// testRegistry holds series of suites a and b and one without a suite.
func testRegistry(requests float64) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "loadcron_requests_total", Help: "h"}, []string{"suite", "scenario", "code"})
	c.WithLabelValues("a", "s1", "200").Add(requests)
	c.WithLabelValues("b", "s1", "200").Add(7)
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "loadcron_target_up", Help: "h"}, []string{"target"})
	g.WithLabelValues("chat").Set(1)
	h := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "loadcron_request_duration_seconds", Help: "h", Buckets: []float64{0.5, 1}}, []string{"suite"})
	h.WithLabelValues("b").Observe(0.25)
	reg.MustRegister(c, g, h)
	return reg
}

func TestSuiteGatherer(t *testing.T) {
	mfs, err := suiteGatherer(testRegistry(3), "a").Gather()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			var ls []string
			for _, lp := range m.GetLabel() {
				ls = append(ls, lp.GetName()+"="+lp.GetValue())
			}
			got = append(got, mf.GetName()+"{"+strings.Join(ls, ",")+"}")
		}
	}
	want := []string{"loadcron_requests_total{code=200,scenario=s1}", "loadcron_target_up{target=chat}"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("suite a's series = %v, want %v (b's and the histogram of b left out, suite label removed)", got, want)
	}
	names, err := LabelNames(testRegistry(1))
	if err != nil || fmt.Sprint(names) != "[code scenario suite target]" {
		t.Errorf("LabelNames = %v, %v", names, err)
	}
}

// scrape reads the gateway's /metrics and returns the loadcron_ samples as
// "name{labels} value" lines, sorted, with push_time_seconds left out.
func scrape(t *testing.T, base string) []string {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for name, mf := range mfs {
		if !strings.HasPrefix(name, "loadcron_") {
			continue
		}
		for _, m := range mf.GetMetric() {
			var ls []string
			for _, lp := range m.GetLabel() {
				ls = append(ls, lp.GetName()+"="+lp.GetValue())
			}
			sort.Strings(ls)
			v := m.GetCounter().GetValue() + m.GetGauge().GetValue() + float64(m.GetHistogram().GetSampleCount())
			lines = append(lines, fmt.Sprintf("%s{%s} %g", name, strings.Join(ls, ","), v))
		}
	}
	sort.Strings(lines)
	return lines
}

// TestPushToPushgateway pushes two suites from two pipelines to a real
// Pushgateway and checks that each lands in its own group with the
// daemon's labels, and that a later run replaces only its own group.
func TestPushToPushgateway(t *testing.T) {
	base := testtools.StartPushgateway(t)
	ctx := t.Context()
	nightly := Options{URL: base, Grouping: map[string]string{"pipeline": "nightly"}}
	if err := Suite(ctx, nightly, testRegistry(3), "a"); err != nil {
		t.Fatal(err)
	}
	if err := Suite(ctx, nightly, testRegistry(3), "b"); err != nil {
		t.Fatal(err)
	}
	deploy := Options{URL: base + "/", Grouping: map[string]string{"pipeline": "deploy"}}
	if err := Suite(ctx, deploy, testRegistry(5), "a"); err != nil {
		t.Fatal(err)
	}
	// The nightly pipeline runs suite a again: its group is replaced.
	if err := Suite(ctx, nightly, testRegistry(11), "a"); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"loadcron_request_duration_seconds{instance=,job=loadcron,pipeline=nightly,suite=b} 1",
		"loadcron_requests_total{code=200,instance=,job=loadcron,pipeline=deploy,scenario=s1,suite=a} 5",
		"loadcron_requests_total{code=200,instance=,job=loadcron,pipeline=nightly,scenario=s1,suite=a} 11",
		"loadcron_requests_total{code=200,instance=,job=loadcron,pipeline=nightly,scenario=s1,suite=b} 7",
		"loadcron_target_up{instance=,job=loadcron,pipeline=deploy,suite=a,target=chat} 1",
		"loadcron_target_up{instance=,job=loadcron,pipeline=nightly,suite=a,target=chat} 1",
		"loadcron_target_up{instance=,job=loadcron,pipeline=nightly,suite=b,target=chat} 1",
	}
	if got := scrape(t, base); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("pushgateway serves:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestPushFailures(t *testing.T) {
	// Nothing listens there: a clear error naming the URL, no password.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	ln.Close()
	err = Suite(t.Context(), Options{URL: "http://ci:s3cret@" + dead}, testRegistry(1), "a")
	if err == nil || !strings.Contains(err.Error(), "push suite a to http://"+dead+":") || strings.Contains(err.Error(), "s3cret") || strings.Contains(err.Error(), "ci@") {
		t.Errorf("err = %v", err)
	}
	// A token in the user name is user info too.
	err = Suite(t.Context(), Options{URL: "http://s3cret@" + dead}, testRegistry(1), "a")
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("err = %v", err)
	}

	// A gateway that refuses: the status and its body are in the error;
	// credentials went as basic auth, not in the URL.
	var gotUser, gotPass string
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotUser, gotPass, _ = r.BasicAuth()
		_, _ = io.Copy(io.Discard, r.Body)
		http.Error(w, "pushed metrics are invalid", http.StatusBadRequest)
	}))
	defer ts.Close()
	u := strings.Replace(ts.URL, "http://", "http://ci:s3cret@", 1)
	err = Suite(t.Context(), Options{URL: u}, testRegistry(1), "a")
	if err == nil || !strings.Contains(err.Error(), "400") || !strings.Contains(err.Error(), "pushed metrics are invalid") || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("err = %v", err)
	}
	if gotUser != "ci" || gotPass != "s3cret" {
		t.Errorf("basic auth %q:%q", gotUser, gotPass)
	}

	// A gateway that hangs: the timeout ends the push.
	hang := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-hang }))
	defer slow.Close()
	defer close(hang)
	err = Suite(context.Background(), Options{URL: slow.URL, Timeout: 50 * time.Millisecond}, testRegistry(1), "a")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want a deadline", err)
	}
}
