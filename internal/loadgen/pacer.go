package loadgen

import (
	"context"
	"time"
)

// fineWait is how close to a send time the pacer switches from a Go timer
// to the precise sleep of preciseSleep. Go timers wake up to about 1 ms
// late (the netpoller waits in whole milliseconds), which the open model's
// lateness would show; the last stretch is slept precisely instead.
const fineWait = 2 * time.Millisecond

// pacer waits for the open model's send times. Use it from one goroutine;
// call close when done.
type pacer struct {
	ctx   context.Context
	stop  <-chan struct{}
	timer *time.Timer
	fine  func(time.Duration)
	done  func()
}

func newPacer(ctx context.Context, stop <-chan struct{}) *pacer {
	p := &pacer{ctx: ctx, stop: stop, timer: time.NewTimer(time.Hour)}
	p.timer.Stop()
	p.fine, p.done = preciseSleeper()
	return p
}

// waitUntil returns when t has come (true), or early when the run is
// canceled or stopped (false). Cancellation is noticed at once while the
// Go timer waits, and within fineWait in the precise last stretch.
func (p *pacer) waitUntil(t time.Time) bool {
	for {
		d := time.Until(t)
		switch {
		case d <= 0:
			return true
		case d > fineWait:
			p.timer.Reset(d - fineWait)
			select {
			case <-p.ctx.Done():
				return false
			case <-p.stop:
				return false
			case <-p.timer.C:
			}
		default:
			if p.ctx.Err() != nil {
				return false
			}
			select {
			case <-p.stop:
				return false
			default:
			}
			p.fine(d)
		}
	}
}

func (p *pacer) close() {
	p.timer.Stop()
	p.done()
}
