package report

import (
	"reflect"
	"testing"
	"time"

	"github.com/loadcron/loadcron/internal/stats"
)

// TestCloneSharesNothing: a clone of a report that uses every reference
// field (each one non-empty somewhere, which the test checks too, so a
// field added later must be filled here and cloned) equals the original
// and shares no slice, map or pointer with it.
func TestCloneSharesNothing(t *testing.T) {
	r := failedReport()
	sr := &r.TestResults[0]
	sr.Stages = []StageInfo{{DurationS: 1, Users: ptr(4)}, {DurationS: 1, Rate: ptr(10.0)}}
	sr.LoadTimeline = []LoadPoint{
		{AtS: 1, PlannedUsers: ptr(4), Users: ptr(3), Rate: 2},
		{AtS: 2, PlannedRate: ptr(10.0), Rate: 9},
	}
	sr.Streaming = streamingFrom(&stats.StreamSummary{Streams: 1, Ended: 1, Events: 3})
	sr.SlowestRequests = []SlowRequest{{LatencyMs: 12, StatusCode: 200, Cache: "miss"}}

	c := r.Clone()
	if !reflect.DeepEqual(c, r) {
		t.Fatalf("clone differs:\n%+v\n%+v", c, r)
	}
	filled := map[string]bool{}
	var walk func(path string, a, b reflect.Value)
	walk = func(path string, a, b reflect.Value) {
		if a.Type() == reflect.TypeFor[time.Time]() {
			return // a value; its *Location is shared by design (UTC)
		}
		switch a.Kind() {
		case reflect.Pointer:
			if _, ok := filled[path]; !ok {
				filled[path] = false
			}
			if a.IsNil() {
				return
			}
			filled[path] = true
			if a.Pointer() == b.Pointer() {
				t.Errorf("%s: clone shares the pointer", path)
			}
			walk(path, a.Elem(), b.Elem())
		case reflect.Slice, reflect.Map:
			if _, ok := filled[path]; !ok {
				filled[path] = false
			}
			if a.Len() == 0 {
				return
			}
			filled[path] = true
			if a.Pointer() == b.Pointer() {
				t.Errorf("%s: clone shares the %s", path, a.Kind())
			}
			if a.Kind() == reflect.Slice {
				for i := range a.Len() {
					walk(path+"[]", a.Index(i), b.Index(i))
				}
			} // map values here are strings and numbers
		case reflect.Struct:
			for i := range a.NumField() {
				walk(path+"."+a.Type().Field(i).Name, a.Field(i), b.Field(i))
			}
		}
	}
	walk("Report", reflect.ValueOf(r), reflect.ValueOf(c))
	for path, ok := range filled {
		if !ok {
			t.Errorf("%s is empty in every scenario: fill it here so Clone is checked on it", path)
		}
	}
}
