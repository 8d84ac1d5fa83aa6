package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/loadcron/loadcron/internal/stats"
)

func TestStreamingInReport(t *testing.T) {
	info := ScenarioInfo{Name: "Tokens", Target: "chat", Critical: true, Users: 2, RequestsPerUser: 5}
	sum := stats.Summary{Total: 10, Successful: 9, Failed: 1, SuccessRate: 0.9, Avg: time.Second,
		Stream: &stats.StreamSummary{Streams: 10, Ended: 9, Events: 210, EventsPerSecond: 19.8765,
			FirstEvent: stats.Distribution{Count: 10, Avg: 400 * time.Millisecond, P50: 350 * time.Millisecond, P95: 1200 * time.Millisecond,
				P99: 1250 * time.Millisecond, Min: 300 * time.Millisecond, Max: 1250 * time.Millisecond},
			EventGap: stats.Distribution{Count: 200, Avg: 50 * time.Millisecond, P50: 48 * time.Millisecond, P95: 80500 * time.Microsecond,
				P99: 95 * time.Millisecond, Min: 2500 * time.Microsecond, Max: 120 * time.Millisecond}}}
	sr := ScenarioFromSummary(info, sum, stats.Verdict{Status: stats.StatusPassed, Grade: stats.GradeExcellent})

	var out bytes.Buffer
	if err := (&Console{W: &out}).ScenarioResult(sr); err != nil {
		t.Fatal(err)
	}
	want := `
Streaming:
  Streams: 10 (9 ended properly)
  Events: 210 (19.9 events/s)
  First event: P50 350ms, P95 1200ms, P99 1250ms
  Event gap: P50 48ms, P95 80ms, P99 95ms
`
	if !strings.Contains(out.String(), "  Max: 0ms\n"+want) {
		t.Errorf("console lacks the Streaming block after Latency Metrics:\n%s", out.String())
	}

	b, err := json.Marshal(sr)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Streaming map[string]any `json:"streaming"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	first, _ := got.Streaming["first_event_ms"].(map[string]any)
	gap, _ := got.Streaming["event_gap_ms"].(map[string]any)
	if got.Streaming["streams"] != 10.0 || got.Streaming["ended"] != 9.0 || got.Streaming["events"] != 210.0 ||
		got.Streaming["events_per_second"] != 19.877 || first["p95"] != 1200.0 || gap["p95"] != 80.5 || gap["min"] != 2.5 {
		t.Errorf("streaming JSON = %s", b)
	}

	// A scenario without streams has no streaming key.
	plain := ScenarioFromSummary(info, stats.Summary{Total: 1, Successful: 1}, stats.Verdict{Status: stats.StatusPassed})
	if b, _ := json.Marshal(plain); bytes.Contains(b, []byte(`"streaming"`)) {
		t.Errorf("plain scenario JSON has streaming: %s", b)
	}
}
