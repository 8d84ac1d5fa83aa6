package loadgen

import (
	"bytes"
	"context"
	"errors"
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
		w.notBuilt(err, e.plan.method)
		return
	}
	if e.plan.h1.whole == nil {
		c.wbuf = req // keep the grown buffer (never the shared static request)
	}
	c.checkIdle()

	start, intended := w.send(intended)
	code, first, err := c.roundTrip(ctx, start.Add(e.timeout), req, e.plan.method == http.MethodHead, e.plan.replayable)
	if err != nil {
		w.noResponse(ctx, err, intended, e.plan.method, h1Path(req))
		return
	}
	res.Code = code
	n, over, rerr := w.readBody(&c.body)
	end := time.Now()
	c.release(rerr == nil && !over, end)
	e.hooks.InFlight.Add(-1)

	res.Latency = end.Sub(intended)
	res.TTFB = first.Sub(start)
	res.Bytes = n
	// Over the timeout, though within the connection deadline's slack, is
	// late: net/http would have cut it off.
	if w.judge(ctx, nil, rerr, end.Sub(start) > e.timeout, over) {
		res.Cache = e.insp.cacheRaw(c.cacheVal, c.hasCache, w.buf)
	}
	if res.Kind != result.KindNone {
		res.Method, res.Path = e.plan.method, h1Path(req)
	}
	w.finish()
}

// errOverTimeout is the cause of an HTTP/1.1 response that completed, but
// after the target's timeout.
var errOverTimeout = errors.New("response took longer than the target's timeout")

// h1Path is the path of a rendered request ("GET /p?q HTTP/1.1…" gives
// "/p"), for a failure's cause; only failures pay for the string.
func h1Path(req []byte) string {
	_, rest, ok := bytes.Cut(req, []byte(" "))
	if !ok {
		return ""
	}
	target, _, _ := bytes.Cut(rest, []byte(" "))
	path, _, _ := bytes.Cut(target, []byte("?"))
	return string(path)
}
