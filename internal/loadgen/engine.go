// Package loadgen is loadcron's load engine: it runs one scenario against
// one target in the closed (virtual users) or open (fixed rate) model and
// hands one result.Result per request to the caller's recorders.
package loadgen

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/loadcron/loadcron/internal/config"
	"github.com/loadcron/loadcron/internal/result"
)

// Spec is what to run: one scenario of a suite against its target.
type Spec struct {
	Suite     string
	RunID     string
	UserAgent string // "loadcron/<version>"
	Target    *config.Target
	Scenario  *config.Scenario
	// UserOffset is added to virtual user indexes (the template's .User):
	// a replica running a segment of the load numbers its users after
	// those of the replicas before it.
	UserOffset int
	// AllowedHosts is safety.allowed_hosts: the dialer refuses every
	// other address. Nil means the default (loopback only).
	AllowedHosts []string
	// MaxRequests is how many requests the scenario may still send under
	// safety.max_requests_per_run (what the run's earlier scenarios left);
	// the scenario is stopped, as by the abort rule, when it would send
	// one more. 0 means no cap. It bounds scenarios whose request count
	// is not known in advance (closed model for a duration) at run time,
	// where the config check can only count planned requests.
	MaxRequests int64
}

// Gauge is the part of prometheus.Gauge the engine uses.
type Gauge interface{ Add(float64) }

// Hooks connect the engine to the outside. Only Recorder is required.
type Hooks struct {
	// Recorder returns the recorder used by one virtual user (closed
	// model) or one worker (open model). Called once per goroutine.
	Recorder func(worker int) result.Recorder
	// Dropped is called, as it happens, for each open-model request that
	// was due but not sent because max_in_flight requests were outstanding.
	Dropped func(n int64)
	// InFlight and Users track requests in flight and active virtual users.
	InFlight Gauge
	Users    Gauge
	// Progress, if set, is updated live (for progress lines and for the
	// caller's own view); the engine keeps its own otherwise.
	Progress *Progress
	// PlannedUsers (closed model) and PlannedRate (open model), if set,
	// follow the plan: constant for a flat profile, moving with ramp_up
	// and stages; 0 once the scenario ends.
	PlannedUsers, PlannedRate Setter
}

// Progress counts completed and failed requests while a scenario runs.
type Progress struct {
	Done   atomic.Int64
	Failed atomic.Int64
}

// Outcome describes how a scenario run ended. The figures themselves are
// in the recorders.
type Outcome struct {
	Elapsed time.Duration
	// Planned is the number of requests the scenario would send if it ran
	// to the end (0 for closed-model duration runs).
	Planned int64
	Dropped int64
	// Aborted is set when the abort rule stopped the scenario early;
	// AbortReason says why.
	Aborted     bool
	AbortReason string
	// Canceled is set when ctx ended the scenario early.
	Canceled bool
	// Sent is how many requests the scenario sent (or tried to: refused
	// and failed ones count), for the run's safety.max_requests_per_run.
	Sent int64
	// Refused is why the first request refused by loadcron (error kind
	// "disallowed") was refused, "" when none was: the run's verdict
	// cannot stand when load was meant to go where it may not.
	Refused string
	// Timeline samples planned against actual load over the run, for
	// ramping scenarios (ramp_up, stages); nil otherwise.
	Timeline []LoadPoint
}

// ErrNoRecorder is returned when Hooks.Recorder is nil.
var ErrNoRecorder = errors.New("loadgen: hooks.Recorder is required")

type noGauge struct{}

func (noGauge) Add(float64) {}

// Run runs the scenario until it has sent all its requests, its duration
// has passed, the abort rule fires, or ctx is done. It returns after every
// goroutine it started has exited and all connections are closed.
func Run(ctx context.Context, spec *Spec, hooks Hooks) (Outcome, error) {
	if hooks.Recorder == nil {
		return Outcome{}, ErrNoRecorder
	}
	if hooks.InFlight == nil {
		hooks.InFlight = noGauge{}
	}
	if hooks.Users == nil {
		hooks.Users = noGauge{}
	}
	if hooks.Progress == nil {
		hooks.Progress = &Progress{}
	}
	plan, err := newRequestPlan(spec)
	if err != nil {
		return Outcome{}, err
	}
	// config read the same files at load, so validate found a bad one first.
	tc, err := spec.Target.TLS.ClientConfig()
	if err != nil {
		return Outcome{}, err
	}
	e := &engine{
		spec:    spec,
		hooks:   hooks,
		plan:    plan,
		tls:     tc,
		insp:    newInspector(spec.Target, &spec.Scenario.Checks),
		stream:  newStreamSpec(spec.Scenario),
		timeout: spec.Target.Timeout,
		limit:   spec.Target.MaxBodyBytes,
		stop:    make(chan struct{}),
		dial:    newDialer(spec.AllowedHosts),
	}
	if e.timeout <= 0 {
		e.timeout = 30 * time.Second
	}
	if e.limit <= 0 {
		e.limit = 1 << 20
	}
	e.maxRequests = spec.MaxRequests
	if a := spec.Scenario.Abort; a.MaxErrorRatio != nil && *a.MaxErrorRatio > 0 {
		e.abortRatio = *a.MaxErrorRatio
		e.abortMin = int64(a.MinRequests)
	}

	start := time.Now()
	var out Outcome
	if spec.Scenario.IsOpen() {
		out = e.runOpen(ctx, start)
	} else {
		out = e.runClosed(ctx, start)
	}
	out.Elapsed = time.Since(start)
	out.Canceled = ctx.Err() != nil
	out.Timeline = e.timeline
	out.Sent = e.sent.Load()
	if e.maxRequests > 0 {
		out.Sent = min(out.Sent, e.maxRequests) // the attempt that hit the cap was not sent
	}
	if r := e.abortReason.Load(); r != nil {
		out.Aborted = true
		out.AbortReason = *r
	}
	if r := e.refused.Load(); r != nil {
		out.Refused = *r
	}
	return out, nil
}

// engine is the state of one scenario run shared by its goroutines.
type engine struct {
	spec    *Spec
	hooks   Hooks
	plan    *requestPlan
	tls     *tls.Config
	insp    *inspector
	stream  *streamSpec // nil: plain responses
	timeout time.Duration
	limit   int64
	dial    dialFunc // every connection of the run, both clients

	active   atomic.Int64 // running virtual users or workers
	exited   atomic.Int64 // closed-model users whose loop has ended
	timeline []LoadPoint  // set by the ramp controller or monitor
	// maxRequests caps the requests sent (Spec.MaxRequests; 0: none);
	// sent counts the attempts, the one that hit the cap included.
	maxRequests int64
	sent        atomic.Int64

	abortRatio  float64
	abortMin    int64
	stop        chan struct{} // closed when the abort rule fires
	stopOnce    sync.Once
	stopped     atomic.Bool
	abortReason atomic.Pointer[string]
	refused     atomic.Pointer[string] // the first refusal's reason
}

// done records the end of one request for progress and the abort rule.
func (e *engine) done(ok bool) {
	n := e.hooks.Progress.Done.Add(1)
	if ok {
		return
	}
	failed := e.hooks.Progress.Failed.Add(1)
	if e.abortRatio > 0 && n >= e.abortMin && float64(failed)/float64(n) > e.abortRatio {
		e.abort(fmt.Sprintf("aborted: error ratio %.1f%% over %.1f%% after %d requests",
			100*float64(failed)/float64(n), 100*e.abortRatio, n))
	}
}

// refuse records the reason of the first refused request.
func (e *engine) refuse(err error) {
	if e.refused.Load() == nil {
		msg := err.Error()
		e.refused.CompareAndSwap(nil, &msg)
	}
}

// admit counts one request about to be sent and reports whether the
// run's request cap allows it; the first refusal stops the scenario like
// the abort rule does, with the cap as its reason.
func (e *engine) admit() bool {
	n := e.sent.Add(1)
	if e.maxRequests <= 0 || n <= e.maxRequests {
		return true
	}
	e.abort(fmt.Sprintf("stopped: safety.max_requests_per_run reached (%d requests left for this scenario were sent)", e.maxRequests))
	return false
}

func (e *engine) abort(reason string) {
	e.stopOnce.Do(func() {
		e.abortReason.Store(&reason)
		e.stopped.Store(true)
		close(e.stop)
	})
}

// runClosed starts one goroutine per virtual user, each with its own
// keep-alive connection, sending requests back to back. A ramping
// scenario (ramp_up, stages) starts and parks users as its plan says, from
// a controller goroutine (ramp.go).
func (e *engine) runClosed(ctx context.Context, start time.Time) Outcome {
	sc := e.spec.Scenario
	var deadline time.Time
	if d := sc.Length(); d > 0 {
		deadline = start.Add(d)
	}
	var wg sync.WaitGroup
	if sc.Ramped() {
		e.rampClosed(ctx, start, deadline, &wg)
	} else {
		e.setPlan(float64(sc.Users))
		for u := range sc.Users {
			wg.Go(func() { e.user(ctx, u, deadline, nil) })
		}
	}
	wg.Wait()
	e.setPlan(0)
	return Outcome{Planned: int64(sc.Users) * int64(sc.RequestsPerUser)}
}

// user is one virtual user's loop. gate, when set, parks the user while the
// plan wants fewer users than its index; the ramp controller then keeps
// the running-users count, not the user.
func (e *engine) user(ctx context.Context, u int, deadline time.Time, gate *userGate) {
	sc := e.spec.Scenario
	if gate == nil {
		e.userUp()
		defer e.userDown()
	}
	defer e.exited.Add(1)
	w := e.newWorker(u, 1)
	defer w.close()
	var think *time.Timer
	for i := 0; sc.RequestsPerUser == 0 || i < sc.RequestsPerUser; i++ {
		if ctx.Err() != nil || e.stopped.Load() {
			return
		}
		if !deadline.IsZero() && !time.Now().Before(deadline) {
			return
		}
		if gate != nil && !e.awaitTurn(ctx, gate, u) {
			return
		}
		if i > 0 && sc.ThinkTime > 0 {
			if think == nil {
				think = time.NewTimer(sc.ThinkTime)
			} else {
				think.Reset(sc.ThinkTime)
			}
			select {
			case <-ctx.Done():
				return
			case <-e.stop:
				return
			case <-think.C:
			}
		}
		w.do(ctx, time.Time{})
	}
}

// userUp and userDown count a running virtual user (or open-model worker)
// in the hook's gauge and in the engine's own count.
func (e *engine) userUp() {
	e.active.Add(1)
	e.hooks.Users.Add(1)
}

func (e *engine) userDown() {
	e.active.Add(-1)
	e.hooks.Users.Add(-1)
}

// worker is one goroutine's request machinery: its client, buffers and
// recorder, all reused across requests. A target with client: http1 uses
// h1 instead of tr and client.
type worker struct {
	e      *engine
	tr     *http.Transport
	client *http.Client
	h1     *h1Conn
	reqs   *userRequests
	rec    result.Recorder
	buf    []byte
	res    result.Result
	trace  traceState
	stream *streamState // nil: plain responses
}

func (e *engine) newWorker(index, conns int) *worker {
	w := &worker{
		e:    e,
		reqs: e.plan.forUser(e.spec.UserOffset + index),
		rec:  e.hooks.Recorder(index),
		// Small to start with: 10,000 users against a small JSON API
		// should not cost 40 MB of body buffers; readBody grows it.
		buf: make([]byte, 0, 512),
	}
	if e.plan.h1 != nil {
		w.h1 = newH1Conn(e, e.tls)
		return w
	}
	tc := e.tls
	if e.plan.scheme != "https" {
		tc = nil // never used: no TLS config copy and no HTTP/2 set-up per user
	}
	w.tr = newTransport(tc, conns, e.dial)
	w.client = newClient(w.tr)
	w.trace.init()
	if e.stream != nil {
		w.stream = newStreamState(e.stream, e.insp, e.limit, w.rec)
	}
	return w
}

func (w *worker) close() {
	if w.h1 != nil {
		w.h1.close()
		return
	}
	w.tr.CloseIdleConnections()
}
