package loadgen

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"time"

	"github.com/loadcron/loadcron/internal/result"
)

// traceState records the first-byte time of the worker's current request.
// One ClientTrace per worker, reused, so tracing adds no closure per request.
type traceState struct {
	firstByte time.Time
	trace     *httptrace.ClientTrace
}

func (t *traceState) init() {
	t.trace = &httptrace.ClientTrace{
		GotFirstResponseByte: func() { t.firstByte = time.Now() },
	}
}

// do sends one request and records its result. intended is the open
// model's intended send time (zero in the closed model): latency counts
// from it, so a request that waited for a free slot carries that wait.
func (w *worker) do(ctx context.Context, intended time.Time) {
	if !w.e.admit() {
		return // over safety.max_requests_per_run: nothing sent, nothing recorded
	}
	if w.stream != nil {
		// Streams always take net/http: the events are read as they come.
		w.doStream(ctx, intended)
		return
	}
	if w.h1 != nil {
		w.doH1(ctx, intended)
		return
	}
	e := w.e
	res := &w.res
	*res = result.Result{}

	reqCtx, cancel := context.WithTimeout(ctx, e.timeout)
	defer cancel()
	req, resp, origin := w.sendNet(ctx, reqCtx, intended)
	if resp == nil {
		return
	}
	n, over, rerr := w.readBody(resp.Body)
	resp.Body.Close()
	e.hooks.InFlight.Add(-1)

	res.Latency = time.Since(origin)
	res.Bytes = n
	if w.judge(ctx, reqCtx, rerr, false, over) {
		res.Cache = e.insp.cache(resp.Header, w.buf)
	}
	if res.Kind != result.KindNone {
		res.Method, res.Path = req.Method, req.URL.Path
	}
	w.finish()
}

// judge sets the kind of a response whose body readBody read into w.buf:
// a read error (classified as bodyErrKind does with reqCtx), a response
// later than the timeout (late), a body over the limit, else what the
// checks say. It reports whether the checks ran: only then is the cache
// signal read.
func (w *worker) judge(ctx, reqCtx context.Context, rerr error, late, over bool) (checked bool) {
	res := &w.res
	switch {
	case rerr != nil:
		res.Kind = bodyErrKind(ctx, reqCtx, rerr)
		res.Err = rerr
		res.BodyLimit = w.e.limit
	case late:
		res.Kind = result.KindTimeout
		res.Err = errOverTimeout
	case over:
		res.Kind = result.KindBody
		res.BodyLimit = w.e.limit
	default:
		w.checkBody()
		return true
	}
	return false
}

// checkBody applies the checks to the response's code and its body in
// w.buf. Only a failure shows the start of the body; a success must not
// pay for it.
func (w *worker) checkBody() {
	res := &w.res
	res.Kind, res.Check, res.Expect = w.e.insp.check(res.Code, w.buf)
	if res.Kind != result.KindNone {
		res.Body = w.buf[:min(len(w.buf), result.BodyExampleBytes)]
	}
}

// sendNet builds the worker's next request on reqCtx (traced), sends it
// with net/http and sets the result's status code and time to first byte.
// It returns the request, the response and the time the latency counts
// from (see send). A request that could not be built or got no response
// is recorded here, and resp is nil.
func (w *worker) sendNet(ctx, reqCtx context.Context, intended time.Time) (req *http.Request, resp *http.Response, origin time.Time) {
	req, err := w.reqs.next(httptrace.WithClientTrace(reqCtx, w.trace.trace))
	if err != nil {
		w.notBuilt(err, w.reqs.plan.method)
		return nil, nil, origin
	}
	w.trace.firstByte = time.Time{}
	start, origin := w.send(intended)
	resp, err = w.client.Do(req)
	if err != nil {
		w.noResponse(ctx, err, origin, req.Method, req.URL.Path)
		return nil, nil, origin
	}
	w.res.Code = resp.StatusCode
	// The first byte arrived before Do returned.
	if !w.trace.firstByte.IsZero() {
		w.res.TTFB = w.trace.firstByte.Sub(start)
	}
	return req, resp, origin
}

// causeErr is the error to show as a failure's cause (and in the health
// check's message): without the *url.Error wrapper, whose text repeats
// the method and the whole URL (query included).
func causeErr(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// notBuilt records a request whose template could not be rendered into
// a request. Templates were validated at config load for user 0 and every
// query; a request that still renders a path that is not an origin-form
// target on the target's host, or a header that cannot be sent, is
// refused (disallowed). Any other render error is a data problem of this
// one request.
func (w *worker) notBuilt(err error, method string) {
	res := &w.res
	res.Kind = result.KindCheck
	res.Check, res.Err, res.Method = result.CheckTemplate, err, method
	if isDisallowed(err) {
		res.Kind, res.Check = result.KindDisallowed, result.CheckNone
		w.e.refuse(err)
	}
	w.finish()
}

// send counts a request that leaves now as in flight. It returns the send
// time and the time the request's latency counts from: in the open model
// the intended send time (and the request's lateness is set), in the
// closed model (intended zero) the send time.
func (w *worker) send(intended time.Time) (start, origin time.Time) {
	w.e.hooks.InFlight.Add(1)
	start = time.Now()
	if intended.IsZero() {
		return start, start
	}
	// At least 1 ns, so that a paced request always says it was paced.
	w.res.Lateness = max(start.Sub(intended), 1)
	return start, intended
}

// noResponse records a sent request that got no response (latency from
// origin): its kind, its cause without the URL, and which request it was
// (method and path, never the query). A connection the dialer refused is
// the engine's refusal.
func (w *worker) noResponse(ctx context.Context, err error, origin time.Time, method, path string) {
	w.e.hooks.InFlight.Add(-1)
	res := &w.res
	res.Latency = time.Since(origin)
	res.Kind = classify(ctx, err)
	if res.Kind == result.KindDisallowed {
		w.e.refuse(err)
	}
	res.Err = causeErr(err)
	res.Method, res.Path = method, path
	w.finish()
}

// finish hands the result to the recorder and the engine's progress.
func (w *worker) finish() {
	if t := w.reqs.trace; t != nil {
		w.res.TraceID = t.id
	}
	w.rec.Record(&w.res)
	w.e.done(w.res.Kind == result.KindNone)
}

// readBody reads the body into the worker's reused buffer, growing it up
// to the target's limit. over reports a body longer than the limit (the
// rest is not read: the connection is dropped instead).
func (w *worker) readBody(r io.Reader) (n int64, over bool, err error) {
	limit := w.e.limit
	buf := w.buf[:0]
	for {
		if len(buf) == cap(buf) {
			if int64(cap(buf)) > limit {
				w.buf = buf
				return int64(len(buf)), true, nil
			}
			grown := make([]byte, len(buf), min(2*cap(buf), int(limit)+1))
			copy(grown, buf)
			buf = grown
		}
		m, rerr := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+m]
		if int64(len(buf)) > limit {
			w.buf = buf
			return int64(len(buf)), true, nil
		}
		if rerr == io.EOF {
			w.buf = buf
			return int64(len(buf)), false, nil
		}
		if rerr != nil {
			w.buf = buf
			return int64(len(buf)), false, rerr
		}
	}
}

// bodyErrKind classifies an error while reading the body. reqCtx is the
// request's own context (nil for the HTTP/1.1 client, whose timeout is a
// deadline on the connection).
func bodyErrKind(runCtx, reqCtx context.Context, err error) result.Kind {
	switch {
	case runCtx.Err() != nil:
		return result.KindCanceled
	case reqCtx != nil && errors.Is(reqCtx.Err(), context.DeadlineExceeded),
		errors.Is(err, context.DeadlineExceeded), isTimeout(err):
		return result.KindTimeout
	default:
		return result.KindBody
	}
}
