package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/loadcron/loadcron/internal/config"
)

// memoryEnv, when set, turns this test binary into a generator child of
// BenchmarkMemory: it runs the memory scenario against the target URL in
// LOADCRON_BENCH_URL with the client named by its value and prints one JSON
// line of figures.
const memoryEnv = "LOADCRON_BENCH_MEMORY"

// memFigures are one generator child's figures.
type memFigures struct {
	Client    string  `json:"client"`
	Users     int     `json:"users"`
	PeakRSS   int64   `json:"peak_rss"`
	BaseRSS   int64   `json:"base_rss"`
	PeakUsers float64 `json:"peak_users"`
	Requests  int64   `json:"requests"`
	Failed    int64   `json:"failed"`
	P50       float64 `json:"p50_s"`
}

// BenchmarkMemory runs 10,000 closed-model virtual users (LOADCRON_BENCH_USERS)
// for 6 s (LOADCRON_BENCH_MEMORY_TIME), ramped up over 2 s, against a target
// in its own process that holds every request 1 s, and reports the peak RSS
// of the generator — a fresh process per client, so nothing earlier in the
// benchmark inflates it. Run it with
//
//	make bench-memory
func BenchmarkMemory(b *testing.B) {
	users := envInt("LOADCRON_BENCH_USERS", 10000)
	d := envDuration("LOADCRON_BENCH_MEMORY_TIME", 6*time.Second)
	tgt := startTarget(b, time.Second)
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	for _, client := range []string{config.ClientNetHTTP, config.ClientHTTP1} {
		b.Run("client="+strings.ReplaceAll(client, "/", ""), func(b *testing.B) {
			for b.Loop() {
				cmd := exec.Command(exe)
				cmd.Env = append(os.Environ(), memoryEnv+"="+client, "LOADCRON_BENCH_URL="+tgt.URL,
					fmt.Sprintf("LOADCRON_BENCH_USERS=%d", users), "LOADCRON_BENCH_MEMORY_TIME="+d.String())
				cmd.Stderr = os.Stderr
				out, err := cmd.Output()
				if err != nil {
					b.Fatalf("generator: %v", err)
				}
				var f memFigures
				sc := bufio.NewScanner(strings.NewReader(string(out)))
				for sc.Scan() {
					if strings.HasPrefix(sc.Text(), "{") {
						err = json.Unmarshal(sc.Bytes(), &f)
					}
				}
				if err != nil || f.Users == 0 {
					b.Fatalf("generator said %q (%v)", out, err)
				}
				fmt.Printf("memory client=%-8s users=%d peak RSS %.0f MB (%.1f KB/user over the %.0f MB base)  peak users %.0f  requests %d failed %d  p50 %.3fs\n",
					client, f.Users, float64(f.PeakRSS)/1e6, float64(f.PeakRSS-f.BaseRSS)/1e3/float64(f.Users),
					float64(f.BaseRSS)/1e6, f.PeakUsers, f.Requests, f.Failed, f.P50)
				b.ReportMetric(float64(f.PeakRSS)/1e6, "peak-RSS-MB")
				b.ReportMetric(float64(f.PeakRSS-f.BaseRSS)/1e3/float64(f.Users), "KB/user")
				b.ReportMetric(float64(f.Failed), "failed")
			}
		})
	}
}

// memoryChild is the generator process of BenchmarkMemory.
func memoryChild(client string) int {
	users := envInt("LOADCRON_BENCH_USERS", 10000)
	d := envDuration("LOADCRON_BENCH_MEMORY_TIME", 6*time.Second)
	debug.FreeOSMemory()
	base := rss()
	sampler := sampleRSS()
	sc := closedFor(users, d)
	sc.RampUp = 2 * time.Second // 10,000 connections in one instant overflow the listen backlog
	var peakUsers gaugePeak
	r, err := engineRun(context.Background(), benchTarget(os.Getenv("LOADCRON_BENCH_URL"), client), sc, &peakUsers)
	if err != nil {
		fmt.Fprintln(os.Stderr, "generator:", err)
		return 1
	}
	f := memFigures{
		Client: client, Users: users, PeakRSS: sampler.Peak(), BaseRSS: base,
		PeakUsers: peakUsers.peak(), Requests: r.sum.Total, Failed: r.sum.Failed, P50: r.sum.Median.Seconds(),
	}
	if err := json.NewEncoder(os.Stdout).Encode(f); err != nil {
		return 1
	}
	return 0
}
