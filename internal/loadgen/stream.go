package loadgen

// Streamed responses (request.stream). The body is read as a sequence of
// events as it arrives, never buffered whole: memory per worker is one
// 4 KB read buffer plus the longest line or event (at most the target's
// max_body_bytes, which also caps the stream's total size). An event is
//
//   - sse: one server-sent event (data lines joined by "\n", dispatched at
//     the blank line that ends it; comments and events without data are
//     not events);
//   - ndjson: one non-blank line;
//   - chunked: the bytes one read of the body returned (what arrived
//     together: usually one flush of the server).
//
// The end event — SSE data or event name equal to checks.stream_end, or
// an NDJSON line or chunk containing it — ends the stream properly and is
// not counted as an event. With stream_end "eof" a clean end of the body
// is the proper end. A body that ends otherwise was cut (kind body); one
// that sends no byte for request.stream_idle_timeout stalled (kind
// timeout).
//
// The cache signal's JSON field is read from the first event whose data
// holds it as true or false (the header is the fallback, as for plain
// responses); checks.json_field must be non-null in at least one event and
// checks.body_contains must occur in at least one event (for chunked
// streams also across the boundary of two reads).

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"time"

	"github.com/loadcron/loadcron/internal/config"
	"github.com/loadcron/loadcron/internal/result"
)

// streamReadBuffer is the size of a stream's read buffer.
const streamReadBuffer = 4096

// The causes of a stream that did not end properly: canceled by its idle
// timeout, or ended (cleanly) without its end event.
var (
	errStalled = errors.New("stream stalled: no data within request.stream_idle_timeout")
	errNoEnd   = errors.New("stream ended without its end event (checks.stream_end)")
)

// streamSpec is how a scenario's responses are read as streams.
type streamSpec struct {
	mode string        // config.StreamSSE, StreamNDJSON or StreamChunked
	idle time.Duration // request.stream_idle_timeout
	end  []byte        // the end event's text; nil: a clean end of body
}

// newStreamSpec returns the scenario's stream spec, nil when it does not
// stream. Keys a hand-built config left empty get config's defaults.
func newStreamSpec(sc *config.Scenario) *streamSpec {
	if !sc.IsStream() {
		return nil
	}
	s := &streamSpec{mode: sc.Request.Stream, idle: sc.Request.StreamIdleTimeout}
	if s.idle <= 0 {
		s.idle = 10 * time.Second
	}
	end := sc.Checks.StreamEnd
	if end == "" && s.mode == config.StreamSSE {
		end = "[DONE]"
	}
	if end != "" && end != config.StreamEndEOF {
		s.end = []byte(end)
	}
	return s
}

// streamState is one worker's stream reader, reused for each request.
type streamState struct {
	spec  *streamSpec
	insp  *inspector
	limit int64

	br    *bufio.Reader
	idle  idleReader
	line  []byte // the line being assembled when it spans reads
	data  []byte // SSE: the event's data lines
	name  []byte // SSE: the event's name
	tail  []byte // chunked: the end of the previous read, for matches across reads
	chunk []byte // chunked: the read buffer

	now    func() time.Time   // the clock events are timed with
	gapRec result.GapRecorder // nil: gaps are not kept
	gaps   [result.MaxGapBatch]time.Duration
	nGaps  int

	// Per stream.
	hasData     bool
	first, last time.Time
	events      int64
	total       int64
	ended       bool
	over        bool
	cache       result.Cache // from the first event that decides it
	jsonOK      bool
	containsOK  bool
}

func newStreamState(spec *streamSpec, insp *inspector, limit int64, rec result.Recorder) *streamState {
	s := &streamState{spec: spec, insp: insp, limit: limit, now: time.Now}
	s.gapRec, _ = rec.(result.GapRecorder)
	if spec.mode == config.StreamChunked {
		s.chunk = make([]byte, streamReadBuffer)
	} else {
		s.br = bufio.NewReaderSize(nil, streamReadBuffer)
	}
	return s
}

// idleReader resets the stream's idle timer whenever bytes arrive.
type idleReader struct {
	r io.Reader
	t *time.Timer
	d time.Duration
}

func (ir *idleReader) Read(p []byte) (int, error) {
	n, err := ir.r.Read(p)
	if n > 0 {
		ir.t.Reset(ir.d)
	}
	return n, err
}

// doStream sends one request whose response is a stream and records its
// result. It is do for request.stream: the same send, timing and
// classification, then the body read event by event.
func (w *worker) doStream(ctx context.Context, intended time.Time) {
	e := w.e
	res := &w.res
	*res = result.Result{}

	reqCtx, cancel := context.WithTimeout(ctx, e.timeout)
	defer cancel()
	// stall cancels the request when the stream goes quiet.
	streamCtx, stall := context.WithCancelCause(reqCtx)
	defer stall(nil)
	req, resp, intended := w.sendNet(ctx, streamCtx, intended)
	if resp == nil {
		return
	}
	if !e.insp.statusOK(res.Code) {
		// Not the stream the scenario asked for: judge it as a plain
		// response (its status fails the checks).
		n, _, _ := w.readBody(resp.Body)
		resp.Body.Close()
		e.hooks.InFlight.Add(-1)
		res.Latency = time.Since(intended)
		res.Bytes = n
		w.checkBody()
		res.Method, res.Path = req.Method, req.URL.Path
		w.finish()
		return
	}

	s := w.stream
	timer := time.AfterFunc(s.spec.idle, func() { stall(errStalled) })
	s.idle = idleReader{r: resp.Body, t: timer, d: s.spec.idle}
	rerr := s.read(&s.idle)
	timer.Stop()
	resp.Body.Close()
	end := time.Now()
	e.hooks.InFlight.Add(-1)

	res.Latency = end.Sub(intended)
	res.Bytes = s.total
	res.Streamed = true
	res.Stream = s.result(intended)
	switch {
	case rerr != nil:
		res.Kind = streamErrKind(ctx, reqCtx, streamCtx, rerr)
		res.Err = rerr
		if cause := context.Cause(streamCtx); errors.Is(cause, errStalled) {
			res.Err = cause // not the read's "context canceled"
		}
		res.BodyLimit = e.limit
	case s.over:
		res.Kind, res.BodyLimit = result.KindBody, e.limit
	case !s.ended:
		res.Kind, res.Err = result.KindBody, errNoEnd
	default:
		res.Kind, res.Check, res.Expect = s.check()
		res.Cache = s.cache
		if res.Cache == result.CacheUnknown {
			res.Cache = e.insp.cache(resp.Header, nil)
		}
	}
	if res.Kind != result.KindNone {
		res.Method, res.Path = req.Method, req.URL.Path
	}
	s.flushGaps()
	w.finish()
}

// streamErrKind classifies an error while reading a stream: loadcron's
// own cancellation, the request timeout or the idle timeout (timeout),
// else a broken stream (body).
func streamErrKind(runCtx, reqCtx, streamCtx context.Context, err error) result.Kind {
	switch {
	case runCtx.Err() != nil:
		return result.KindCanceled
	case errors.Is(context.Cause(streamCtx), errStalled):
		return result.KindTimeout
	default:
		return bodyErrKind(runCtx, reqCtx, err)
	}
}

// read reads one stream from r. It returns the read error, if any;
// s.ended, s.over and the event figures say the rest.
func (s *streamState) read(r io.Reader) error {
	s.reset()
	if s.spec.mode == config.StreamChunked {
		return s.readChunks(r)
	}
	s.br.Reset(r)
	defer s.br.Reset(nil) // do not keep the body reachable
	for {
		frag, err := s.br.ReadSlice('\n')
		if len(frag) > 0 {
			if s.count(len(frag)) {
				return nil
			}
			complete := frag[len(frag)-1] == '\n'
			line := frag
			if len(s.line) > 0 || !complete {
				// The line spans reads: assemble it (bounded by the limit).
				s.line = append(s.line, frag...)
				line = s.line
			}
			if complete {
				s.lineDone(line)
				s.line = s.line[:0]
				if s.ended || s.over {
					return nil
				}
			}
		}
		switch {
		case err == nil, errors.Is(err, bufio.ErrBufferFull):
		case errors.Is(err, io.EOF):
			if len(s.line) > 0 && s.spec.mode == config.StreamNDJSON {
				s.lineDone(s.line) // a last line without a newline
			}
			// An SSE event not closed by a blank line is incomplete:
			// dropped, as EventSource drops it.
			s.ended = s.ended || s.spec.end == nil
			return nil
		default:
			return err
		}
	}
}

// readChunks reads a chunked stream: every read that returns bytes is one
// event.
func (s *streamState) readChunks(r io.Reader) error {
	for {
		n, err := r.Read(s.chunk)
		if n > 0 {
			if s.count(n) {
				return nil
			}
			s.chunkDone(s.chunk[:n])
			if s.ended {
				return nil
			}
		}
		switch {
		case err == nil:
		case errors.Is(err, io.EOF):
			s.ended = s.ended || s.spec.end == nil
			return nil
		default:
			return err
		}
	}
}

func (s *streamState) reset() {
	s.line, s.data, s.name, s.tail = s.line[:0], s.data[:0], s.name[:0], s.tail[:0]
	s.hasData = false
	s.first, s.last = time.Time{}, time.Time{}
	s.events, s.total = 0, 0
	s.ended, s.over = false, false
	s.cache = result.CacheUnknown
	s.jsonOK, s.containsOK = false, false
	s.nGaps = 0
}

// count adds n bytes read and reports whether the stream is now over the
// limit (then marked over).
func (s *streamState) count(n int) bool {
	s.total += int64(n)
	if s.total > s.limit {
		s.over = true
	}
	return s.over
}

// lineDone handles one complete line (with its line ending).
func (s *streamState) lineDone(line []byte) {
	line = trimEOL(line)
	if s.spec.mode == config.StreamNDJSON {
		if len(bytes.TrimSpace(line)) > 0 {
			s.event(line, nil, s.spec.end != nil && bytes.Contains(line, s.spec.end))
		}
		return
	}
	// Server-sent events (WHATWG HTML, "Interpreting an event stream").
	if len(line) == 0 {
		if s.hasData {
			end := s.spec.end != nil && (bytes.Equal(s.data, s.spec.end) || bytes.Equal(s.name, s.spec.end))
			s.event(s.data, s.name, end)
		}
		s.data, s.name, s.hasData = s.data[:0], s.name[:0], false
		return
	}
	if line[0] == ':' {
		return // a comment (keep-alive)
	}
	field, value := line, []byte(nil)
	if i := bytes.IndexByte(line, ':'); i >= 0 {
		field, value = line[:i], line[i+1:]
		value = bytes.TrimPrefix(value, []byte{' '})
	}
	switch string(field) {
	case "data":
		if s.hasData {
			s.data = append(s.data, '\n')
		}
		s.data = append(s.data, value...)
		s.hasData = true
	case "event":
		s.name = append(s.name[:0], value...)
	}
}

// chunkDone handles one read of a chunked stream.
func (s *streamState) chunkDone(b []byte) {
	end := s.spec.end != nil && (bytes.Contains(b, s.spec.end) || spans(s.tail, b, s.spec.end))
	if c := s.insp.bodyContains; c != nil && !s.containsOK && spans(s.tail, b, c) {
		s.containsOK = true
	}
	s.event(b, nil, end)
	keep := max(len(s.spec.end), len(s.insp.bodyContains)) - 1
	if keep > 0 {
		if len(b) >= keep {
			s.tail = append(s.tail[:0], b[len(b)-keep:]...)
		} else {
			s.tail = append(s.tail, b...)
			s.tail = s.tail[max(0, len(s.tail)-keep):]
		}
	}
}

// spans reports whether needle occurs across the boundary of tail and b:
// starting in tail and ending in b.
func spans(tail, b, needle []byte) bool {
	for k := 1; k < len(needle); k++ {
		if bytes.HasSuffix(tail, needle[:k]) && bytes.HasPrefix(b, needle[k:]) {
			return true
		}
	}
	return false
}

// event records one event with its data (and SSE name) as it arrives; the
// end event only marks the stream ended.
func (s *streamState) event(data, name []byte, end bool) {
	if end {
		s.ended = true
		return
	}
	now := s.now()
	s.events++
	if s.events == 1 {
		s.first = now
	} else {
		s.gap(now.Sub(s.last))
	}
	s.last = now
	in := s.insp
	if s.cache == result.CacheUnknown {
		s.cache = in.cacheBody(data)
	}
	if in.jsonField != nil && !s.jsonOK {
		v, ok := jsonLookup(data, in.jsonField)
		s.jsonOK = ok && string(v) != "null"
	}
	if in.bodyContains != nil && !s.containsOK && bytes.Contains(data, in.bodyContains) {
		s.containsOK = true
	}
}

// gap buffers one inter-event gap, handing a full batch to the recorder.
func (s *streamState) gap(d time.Duration) {
	if s.gapRec == nil {
		return
	}
	s.gaps[s.nGaps] = d
	s.nGaps++
	if s.nGaps == len(s.gaps) {
		s.flushGaps()
	}
}

// flushGaps hands the buffered gaps to the recorder.
func (s *streamState) flushGaps() {
	if s.nGaps > 0 && s.gapRec != nil {
		s.gapRec.RecordGaps(s.gaps[:s.nGaps])
	}
	s.nGaps = 0
}

// result is the stream's figures, times from origin.
func (s *streamState) result(origin time.Time) result.Stream {
	r := result.Stream{Events: s.events, Ended: s.ended && !s.over}
	if s.events > 0 {
		r.FirstEvent = s.first.Sub(origin)
		r.Span = s.last.Sub(s.first)
	}
	return r
}

// check applies the body checks to a stream that ended properly: the
// kind, the check that failed and what it expected, as inspector.check.
func (s *streamState) check() (result.Kind, result.Check, string) {
	in := s.insp
	if in.jsonField != nil && !s.jsonOK {
		return result.KindCheck, result.CheckJSONField, in.jsonFieldExpect
	}
	if in.bodyContains != nil && !s.containsOK {
		return result.KindCheck, result.CheckBodyContains, in.bodyContainsExpect
	}
	return result.KindNone, result.CheckNone, ""
}
