package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/loadcron/loadcron/internal/result"
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
  First event: P50 350.00ms, P95 1200.00ms, P99 1250.00ms
  Event gap: P50 48.00ms, P95 80.50ms, P99 95.00ms
`
	if !strings.Contains(out.String(), "  Max: 0.00ms\n"+want) {
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

func TestSlowestInReport(t *testing.T) {
	var id result.TraceID
	copy(id[:], []byte{0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36})
	sum := stats.Summary{Total: 4, Successful: 3, Failed: 1, Slowest: []stats.SlowRequest{
		{TraceID: id, Latency: 3012 * time.Millisecond, Code: 200, Cache: result.CacheMiss},
		{Latency: 2500 * time.Millisecond, Kind: result.KindTimeout},
		{TraceID: id, Latency: 1500 * time.Millisecond, Code: 503, Kind: result.KindHTTP5xx},
		{TraceID: id, Latency: 900 * time.Millisecond, Code: 200, Cache: result.CacheHit},
	}}
	sr := ScenarioFromSummary(ScenarioInfo{Name: "s", Users: 1, RequestsPerUser: 4}, sum, stats.Verdict{Status: stats.StatusPassed})
	var out bytes.Buffer
	if err := (&Console{W: &out}).ScenarioResult(sr); err != nil {
		t.Fatal(err)
	}
	want := `
  Slowest requests:
    3012.00ms  200  trace 4bf92f3577b34da6a3ce929d0e0e4736
    2500.00ms  no response timeout
    1500.00ms  503 http_5xx  trace 4bf92f3577b34da6a3ce929d0e0e4736
`
	if !strings.Contains(out.String(), want) {
		t.Errorf("console lacks the three slowest:\n%s", out.String())
	}
	b, _ := json.Marshal(sr.SlowestRequests)
	wantJSON := `[{"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","latency_ms":3012,"status_code":200,"cache":"miss"},` +
		`{"latency_ms":2500,"status_code":0,"error_kind":"timeout","cache":"unknown"},` +
		`{"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","latency_ms":1500,"status_code":503,"error_kind":"http_5xx","cache":"unknown"},` +
		`{"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","latency_ms":900,"status_code":200,"cache":"hit"}]`
	if string(b) != wantJSON {
		t.Errorf("slowest_requests = %s\nwant %s", b, wantJSON)
	}
}
