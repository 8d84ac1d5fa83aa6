package schedule

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/robfig/cron/v3"
	"go.uber.org/goleak"

	"github.com/loadcron/loadcron/internal/config"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fakeClock hands out timers the test fires by hand.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers chan chan time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC), timers: make(chan chan time.Time, 100)}
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *fakeClock) After(time.Duration) (<-chan time.Time, func() bool) {
	ch := make(chan time.Time, 1)
	c.timers <- ch
	return ch, func() bool { return true }
}

// fire waits for the next armed timer and fires it.
func (c *fakeClock) fire(t *testing.T) {
	t.Helper()
	select {
	case ch := <-c.timers:
		ch <- c.Now()
	case <-time.After(5 * time.Second):
		t.Fatal("no timer armed")
	}
}

func every(t *testing.T, spec string) cron.Schedule {
	t.Helper()
	s, err := config.ParseSchedule(spec, "UTC")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestOverlapIsSkipped(t *testing.T) {
	clk := newFakeClock()
	release := make(chan struct{})
	var (
		mu      sync.Mutex
		runs    int
		skips   int
		running int
		maxRun  int
	)
	started := make(chan struct{}, 10)
	s := New(context.Background(), Options{
		Now: clk.Now, After: clk.After,
		Run: func(ctx context.Context, job Job) {
			mu.Lock()
			runs++
			running++
			maxRun = max(maxRun, running)
			mu.Unlock()
			started <- struct{}{}
			<-release
			mu.Lock()
			running--
			mu.Unlock()
		},
		OnSkip: func(string) { mu.Lock(); skips++; mu.Unlock() },
	})
	s.Set([]Suite{{Name: "chat", Schedule: every(t, "@every 1s")}})
	clk.fire(t) // first tick: run starts
	<-started
	clk.fire(t) // second tick while running: skipped
	clk.fire(t) // third tick: skipped too
	clk.fire(t) // ensure the loop processed the third tick and re-armed
	close(release)
	s.Stop()
	s.Wait()
	mu.Lock()
	defer mu.Unlock()
	if runs != 1 || maxRun != 1 {
		t.Errorf("runs = %d (max at once %d), want 1", runs, maxRun)
	}
	if skips < 2 {
		t.Errorf("skips = %d, want ≥ 2", skips)
	}
}

func TestSuitesQueueWhenNotConcurrent(t *testing.T) {
	release := make(chan struct{})
	order := make(chan string, 2)
	s := New(context.Background(), Options{
		Run: func(ctx context.Context, job Job) {
			order <- job.Suite
			if job.Suite == "a" {
				<-release
			}
		},
	})
	s.Set([]Suite{{Name: "a"}, {Name: "b"}})
	if id, err := s.Trigger("a", "api"); err != nil || id == "" {
		t.Fatal(id, err)
	}
	if got := <-order; got != "a" {
		t.Fatalf("first run %q", got)
	}
	if _, err := s.Trigger("b", "api"); err != nil {
		t.Fatal(err)
	}
	// b is queued behind a: it counts as running for triggers, but has not run.
	if _, err := s.Trigger("b", "api"); err != ErrRunning {
		t.Errorf("second trigger of queued b: %v, want ErrRunning", err)
	}
	select {
	case got := <-order:
		t.Fatalf("%s ran while a was running", got)
	default:
	}
	close(release)
	if got := <-order; got != "b" {
		t.Fatalf("second run %q", got)
	}
	if _, err := s.Trigger("nope", "api"); err != ErrUnknownSuite {
		t.Errorf("unknown suite: %v", err)
	}
	s.Stop()
	s.Wait()
	if _, err := s.Trigger("a", "api"); err == nil {
		t.Error("trigger after Stop succeeded")
	}
}

func TestSetReplacesSchedules(t *testing.T) {
	clk := newFakeClock()
	var mu sync.Mutex
	next := map[string]time.Time{}
	s := New(context.Background(), Options{
		Now: clk.Now, After: clk.After,
		Run: func(context.Context, Job) {},
		OnNext: func(suite string, t time.Time) {
			mu.Lock()
			next[suite] = t
			mu.Unlock()
		},
	})
	defer func() { s.Stop(); s.Wait() }()
	// Set publishes each suite's next fire time before it returns (to
	// Next and OnNext), so a reload's caller sees the new schedule at once.
	published := func(suite string, want time.Time) {
		t.Helper()
		got, ok := s.Next(suite)
		mu.Lock()
		told := next[suite]
		mu.Unlock()
		if want.IsZero() {
			if ok || !told.IsZero() {
				t.Errorf("%s: next %v (ok %v), OnNext told %v; want none", suite, got, ok, told)
			}
			return
		}
		if !got.Equal(want) || !told.Equal(want) {
			t.Errorf("%s: next %v, OnNext told %v; want %v", suite, got, told, want)
		}
	}
	s.Set([]Suite{{Name: "a", Schedule: every(t, "*/15 * * * *")}, {Name: "b", Schedule: every(t, "@hourly")}})
	published("a", time.Date(2026, 11, 27, 10, 15, 0, 0, time.UTC))
	published("b", time.Date(2026, 11, 27, 11, 0, 0, 0, time.UTC))
	// reload: a gets a new schedule, b is removed
	s.Set([]Suite{{Name: "a", Schedule: every(t, "*/5 * * * *")}})
	published("a", time.Date(2026, 11, 27, 10, 5, 0, 0, time.UTC))
	published("b", time.Time{})
}

func TestCancelRunContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan struct{})
	var canceled bool
	s := New(ctx, Options{Run: func(ctx context.Context, job Job) {
		close(started)
		<-ctx.Done()
		canceled = true
	}})
	s.Set([]Suite{{Name: "a"}})
	if _, err := s.Trigger("a", "api"); err != nil {
		t.Fatal(err)
	}
	<-started
	s.Stop()
	cancel()
	s.Wait()
	if !canceled {
		t.Error("run did not see its context canceled")
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestSetKeepsUnchangedLoops(t *testing.T) {
	clk := newFakeClock()
	var mu sync.Mutex
	runs := 0
	s := New(context.Background(), Options{
		Now: clk.Now, After: clk.After,
		Run: func(context.Context, Job) { mu.Lock(); runs++; mu.Unlock() },
	})
	defer func() { s.Stop(); s.Wait() }()
	sched := every(t, "@every 8s")
	s.Set([]Suite{{Name: "a", Schedule: sched, Spec: "@every 8s|UTC"}})
	armed := <-clk.timers // the loop's first timer
	// Reloads with the same schedule keep that loop: no new timer is armed,
	// so an @every interval is not restarted by frequent reloads.
	for range 5 {
		s.Set([]Suite{{Name: "a", Schedule: sched, Spec: "@every 8s|UTC"}})
	}
	select {
	case <-clk.timers:
		t.Fatal("an unchanged schedule's loop was restarted")
	case <-time.After(50 * time.Millisecond):
	}
	armed <- clk.Now()
	waitFor(t, func() bool { mu.Lock(); defer mu.Unlock(); return runs == 1 })
	<-clk.timers // the kept loop re-arms for its next tick
	// A changed schedule does restart it: a new loop arms a timer.
	s.Set([]Suite{{Name: "a", Schedule: every(t, "@every 9s"), Spec: "@every 9s|UTC"}})
	for {
		select {
		case <-clk.timers:
			return
		case <-time.After(5 * time.Second):
			t.Fatal("a changed schedule armed no new timer")
		}
	}
}
