package loadgen

import (
	"context"
	"net/http"
	"time"

	"github.com/loadcron/loadcron/internal/result"
)

// doH1 is do for the HTTP/1.1 client: the same result, timing and
// classification, without a per-request context, timer, trace or header
// map.
func (w *worker) doH1(ctx context.Context, intended time.Time) {
	e := w.e
	c := w.h1
	res := &w.res
	*res = result.Result{}

	req, err := w.reqs.appendH1(c.wbuf)
	if err != nil {
		// Templates were validated at config load for user 0 and every
		// query; a request that still renders a path that is not an
		// origin-form target on the target's host, or a header that
		// cannot be sent, is refused (disallowed). Any other render error
		// is a data problem of this one request.
		res.Kind = result.KindCheck
		if isDisallowed(err) {
			res.Kind = result.KindDisallowed
			e.refuse(err)
		}
		w.finish()
		return
	}
	if e.plan.h1.whole == nil {
		c.wbuf = req // keep the grown buffer (never the shared static request)
	}
	c.checkIdle()

	e.hooks.InFlight.Add(1)
	start := time.Now()
	if intended.IsZero() {
		intended = start
	} else {
		// At least 1 ns, so that a paced request always says it was paced.
		res.Lateness = max(start.Sub(intended), 1)
	}
	code, first, err := c.roundTrip(ctx, start.Add(e.timeout), req, e.plan.method == http.MethodHead, e.plan.replayable)
	if err != nil {
		e.hooks.InFlight.Add(-1)
		res.Latency = time.Since(intended)
		res.Kind = classify(ctx, err)
		if res.Kind == result.KindDisallowed {
			e.refuse(err)
		}
		w.finish()
		return
	}
	res.Code = code
	n, over, rerr := w.readBody(&c.body)
	end := time.Now()
	c.release(rerr == nil && !over)
	e.hooks.InFlight.Add(-1)

	res.Latency = end.Sub(intended)
	res.TTFB = first.Sub(start)
	res.Bytes = n
	body := w.buf
	switch {
	case rerr != nil:
		res.Kind = bodyErrKind(ctx, nil, rerr)
	case end.Sub(start) > e.timeout:
		// Over the timeout, though within the connection deadline's
		// slack: net/http would have cut it off.
		res.Kind = result.KindTimeout
	case over:
		res.Kind = result.KindBody
	default:
		res.Kind = e.insp.check(res.Code, body)
		res.Cache = e.insp.cacheRaw(c.cacheVal, c.hasCache, body)
	}
	w.finish()
}
