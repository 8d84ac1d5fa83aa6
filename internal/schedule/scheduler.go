// Package schedule runs suites on their cron schedules. Each suite has its
// own loop that sleeps until the schedule's next fire time; a fire time
// that finds the suite still queued or running is skipped and reported,
// never run twice at once. Suites run one at a time unless configured to
// run concurrently.
package schedule

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/robfig/cron/v3"
)

// Errors returned by Trigger.
var (
	ErrUnknownSuite = errors.New("unknown suite")
	ErrRunning      = errors.New("suite is already queued or running")
	ErrStopped      = errors.New("scheduler stopped")
)

// Suite is one schedule entry.
type Suite struct {
	Name     string
	Schedule cron.Schedule // nil: never fires on its own (trigger only)
	Jitter   time.Duration // each start is delayed by a random duration below this
	// Spec identifies the schedule (e.g. the cron spec and time zone):
	// Set keeps the running loop of a suite whose Spec and Jitter did not
	// change, so a reload does not restart an @every interval or re-draw
	// the jitter.
	Spec string
}

// Job is one run to do.
type Job struct {
	Suite   string
	Trigger string // "schedule", "startup", "api", …
	RunID   string // from Options.NewRunID, known before the run starts
}

// Options configure a Scheduler. Run is required.
type Options struct {
	// Run runs one suite to completion. ctx is the scheduler's run
	// context: canceled when the caller gives up on in-flight runs.
	Run func(ctx context.Context, job Job)
	// NewRunID returns the id of a run about to be queued, so Trigger can
	// return it. Default: a time-based id.
	NewRunID func() string
	// Concurrent lets different suites run at the same time; otherwise
	// runs queue and go one at a time, in the order they were due.
	Concurrent bool
	// OnSkip is called when a fire time found the suite still queued or
	// running.
	OnSkip func(suite string)
	// OnNext is called with each suite's next fire time (jitter included)
	// whenever it changes; the zero time means none.
	OnNext func(suite string, next time.Time)
	// OnState is called when a suite starts or stops running.
	OnState func(suite string, running bool)
	Logger  *slog.Logger
	// Now and After replace the clock in tests. After must return a
	// channel that receives once when d has passed and a stop function.
	Now   func() time.Time
	After func(d time.Duration) (<-chan time.Time, func() bool)
}

type state int

const (
	idle state = iota
	queued
	running
)

// Scheduler owns one loop per suite and the runs they start.
type Scheduler struct {
	opts   Options
	runCtx context.Context

	mu      sync.Mutex
	loops   map[string]*loop
	states  map[string]state
	next    map[string]time.Time
	stopped bool
	gate    chan struct{} // one token: held by the running suite when not concurrent

	loopWG sync.WaitGroup
	runWG  sync.WaitGroup
}

type loop struct {
	suite  Suite
	cancel context.CancelFunc
}

// New returns a scheduler whose runs get runCtx. It schedules nothing
// until Set.
func New(runCtx context.Context, opts Options) *Scheduler {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.After == nil {
		opts.After = func(d time.Duration) (<-chan time.Time, func() bool) {
			t := time.NewTimer(d)
			return t.C, t.Stop
		}
	}
	for _, f := range []*func(string){&opts.OnSkip} {
		if *f == nil {
			*f = func(string) {}
		}
	}
	if opts.NewRunID == nil {
		opts.NewRunID = func() string { return time.Now().UTC().Format("20060102T150405.000000000Z") }
	}
	if opts.OnNext == nil {
		opts.OnNext = func(string, time.Time) {}
	}
	if opts.OnState == nil {
		opts.OnState = func(string, bool) {}
	}
	return &Scheduler{
		opts:   opts,
		runCtx: runCtx,
		loops:  map[string]*loop{},
		states: map[string]state{},
		next:   map[string]time.Time{},
		gate:   make(chan struct{}, 1),
	}
}

// Set replaces the scheduled suites: loops of removed or changed suites
// stop, new ones start. Runs in progress are not touched: a running suite
// finishes on the configuration it started with.
func (s *Scheduler) Set(suites []Suite) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return
	}
	keep := map[string]Suite{}
	for _, su := range suites {
		keep[su.Name] = su
	}
	unchanged := map[string]bool{}
	for name, l := range s.loops {
		if su, ok := keep[name]; ok && su.Spec != "" && su.Spec == l.suite.Spec && su.Jitter == l.suite.Jitter {
			unchanged[name] = true
			continue
		}
		l.cancel()
		delete(s.loops, name)
		if _, ok := keep[name]; !ok {
			delete(s.next, name)
			s.opts.OnNext(name, time.Time{})
		}
	}
	for _, su := range suites {
		if unchanged[su.Name] {
			continue
		}
		// Loops end with Stop, a replacing Set, or the run context.
		ctx, cancel := context.WithCancel(s.runCtx)
		s.loops[su.Name] = &loop{suite: su, cancel: cancel}
		// The first fire time is published before Set returns, so that
		// whoever reloaded (the API, metrics, status page) sees the new
		// schedule at once, not whenever the loop's goroutine gets to run.
		now := s.opts.Now()
		next := nextFire(su, now)
		if next.IsZero() {
			delete(s.next, su.Name)
			s.opts.OnNext(su.Name, time.Time{})
			continue // trigger only, or a schedule that never fires
		}
		s.next[su.Name] = next
		s.opts.OnNext(su.Name, next)
		s.loopWG.Go(func() { s.loop(ctx, su, next) })
	}
}

// nextFire is su's next fire time after now, jitter included; zero when
// it has none.
func nextFire(su Suite, now time.Time) time.Time {
	if su.Schedule == nil {
		return time.Time{}
	}
	next := su.Schedule.Next(now)
	if !next.IsZero() && su.Jitter > 0 {
		next = next.Add(rand.N(su.Jitter))
	}
	return next
}

// loop fires su on its schedule until ctx is canceled, starting with the
// fire time next (computed and published by Set).
func (s *Scheduler) loop(ctx context.Context, su Suite, next time.Time) {
	for {
		ch, stop := s.opts.After(next.Sub(s.opts.Now()))
		select {
		case <-ctx.Done():
			stop()
			return
		case <-ch:
		}
		if _, err := s.start(su.Name, "schedule"); errors.Is(err, ErrRunning) {
			s.opts.Logger.Warn("scheduled run skipped: previous run still going", "suite", su.Name)
			s.opts.OnSkip(su.Name)
		}
		next = nextFire(su, s.opts.Now())
		s.setNext(ctx, su.Name, next)
		if next.IsZero() {
			return // a schedule that never fires again
		}
	}
}

func (s *Scheduler) setNext(ctx context.Context, name string, t time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ctx.Err() != nil { // replaced by Set meanwhile: its successor publishes
		return
	}
	if t.IsZero() {
		delete(s.next, name)
	} else {
		s.next[name] = t
	}
	s.opts.OnNext(name, t)
}

// Trigger starts a run of suite now (queued behind a running suite when
// runs are not concurrent) and returns its run id.
func (s *Scheduler) Trigger(suite, trigger string) (string, error) {
	s.mu.Lock()
	_, ok := s.loops[suite]
	s.mu.Unlock()
	if !ok {
		return "", ErrUnknownSuite
	}
	return s.start(suite, trigger)
}

// start queues a run of name unless it is already queued or running.
func (s *Scheduler) start(name, trigger string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return "", ErrStopped
	}
	if s.states[name] != idle {
		return "", ErrRunning
	}
	s.states[name] = queued
	job := Job{Suite: name, Trigger: trigger, RunID: s.opts.NewRunID()}
	s.runWG.Go(func() { s.run(job) })
	return job.RunID, nil
}

func (s *Scheduler) run(job Job) {
	name := job.Suite
	defer s.setState(name, idle)
	if !s.opts.Concurrent {
		select {
		case s.gate <- struct{}{}:
			defer func() { <-s.gate }()
		case <-s.runCtx.Done():
			return
		}
	}
	if s.runCtx.Err() != nil {
		return
	}
	s.setState(name, running)
	s.opts.OnState(name, true)
	defer s.opts.OnState(name, false)
	s.opts.Run(s.runCtx, job)
}

func (s *Scheduler) setState(name string, st state) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st == idle {
		delete(s.states, name)
		return
	}
	s.states[name] = st
}

// Running reports whether suite is queued or running.
func (s *Scheduler) Running(suite string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.states[suite] != idle
}

// Next returns the suite's next fire time, if it has one.
func (s *Scheduler) Next(suite string) (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.next[suite]
	return t, ok
}

// Stop stops scheduling: no loop fires again and Trigger fails. Runs in
// progress go on; cancel the run context to end them, then Wait.
func (s *Scheduler) Stop() {
	s.mu.Lock()
	s.stopped = true
	for name, l := range s.loops {
		l.cancel()
		delete(s.loops, name)
	}
	s.mu.Unlock()
	s.loopWG.Wait()
}

// Wait blocks until every run started so far has returned.
func (s *Scheduler) Wait() { s.runWG.Wait() }
