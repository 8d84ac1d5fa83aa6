package loadgen

import (
	"bufio"
	"bytes"
	"io"
)

// Body framings of an HTTP/1.1 response (RFC 9112 §6.3).
const (
	bodyNone    = iota // HEAD, 1xx, 204, 304
	bodyFixed          // Content-Length
	bodyChunked        // Transfer-Encoding: chunked
	bodyEOF            // no length: up to the end of the connection
)

// h1Body reads one response body from its connection's buffered reader.
// It is reused for every response of the connection.
type h1Body struct {
	c      *h1Conn
	mode   int
	length int64 // Content-Length while parsing headers (-1: none)
	remain int64 // bytes left in the body (fixed) or chunk (chunked)
	crlf   bool  // a chunk's trailing CRLF is still to read
	done   bool  // the body was read to its end
}

func (b *h1Body) reset(mode int, length int64) {
	b.mode, b.remain, b.crlf = mode, length, false
	b.done = mode == bodyNone || (mode == bodyFixed && length == 0)
}

// Read implements io.Reader. A body that ends before its framing says it
// should gives io.ErrUnexpectedEOF.
func (b *h1Body) Read(p []byte) (int, error) {
	if b.done {
		return 0, io.EOF
	}
	switch b.mode {
	case bodyFixed:
		n, err := b.readRemain(p)
		if b.remain == 0 {
			b.done = true
			return n, io.EOF
		}
		return n, err
	case bodyEOF:
		n, err := b.c.br.Read(p)
		if err == io.EOF {
			b.done = true
		}
		return n, err
	}
	// chunked
	if b.remain == 0 {
		if err := b.nextChunk(); err != nil {
			return 0, err
		}
		if b.done {
			return 0, io.EOF
		}
	}
	n, err := b.readRemain(p)
	if b.remain == 0 {
		b.crlf = true
	}
	return n, err
}

// readRemain reads at most what is left of the fixed-length body or of
// the current chunk; the connection ending first is an unexpected EOF.
func (b *h1Body) readRemain(p []byte) (int, error) {
	if int64(len(p)) > b.remain {
		p = p[:b.remain]
	}
	n, err := b.c.br.Read(p)
	b.remain -= int64(n)
	return n, eofUnexpected(err)
}

// nextChunk reads the end of the previous chunk and the next chunk's size
// line; a zero size ends the body after its trailer section.
func (b *h1Body) nextChunk() error {
	br := b.c.br
	if b.crlf {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return chunkErr(err)
		}
		if len(trimEOL(line)) != 0 {
			return errChunked
		}
		b.crlf = false
	}
	line, err := br.ReadSlice('\n')
	if err != nil {
		return chunkErr(err)
	}
	line = trimEOL(line)
	if i := bytes.IndexByte(line, ';'); i >= 0 {
		line = line[:i] // chunk extensions
	}
	line = bytes.TrimSpace(line)
	if len(line) == 0 || len(line) > 15 {
		return errChunked
	}
	var size int64
	for _, d := range line {
		switch {
		case '0' <= d && d <= '9':
			d -= '0'
		case 'a' <= d && d <= 'f':
			d -= 'a' - 10
		case 'A' <= d && d <= 'F':
			d -= 'A' - 10
		default:
			return errChunked
		}
		size = size<<4 | int64(d)
	}
	if size > 0 {
		b.remain = size
		return nil
	}
	// Last chunk: skip trailer lines up to the blank line.
	budget := h1MaxHeaderBytes
	for {
		line, err := br.ReadSlice('\n')
		budget -= len(line)
		if err == bufio.ErrBufferFull && budget > 0 {
			continue // a trailer line longer than the buffer
		}
		if err != nil && err != io.EOF {
			return eofUnexpected(err)
		}
		if err == io.EOF {
			return io.ErrUnexpectedEOF
		}
		if len(trimEOL(line)) == 0 {
			b.done = true
			return nil
		}
	}
}

// chunkErr is the error of a failed read of a chunk's framing line: a
// line longer than the buffer is malformed; a timeout or a broken
// connection stays what it is, so that a target trickling its chunks past
// the timeout is a timeout, not a malformed body.
func chunkErr(err error) error {
	if err == bufio.ErrBufferFull {
		return errChunked
	}
	return eofUnexpected(err)
}

// eofUnexpected turns an end of stream where more was due (inside a
// header block, a fixed-length body or a chunk) into an unexpected EOF.
func eofUnexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
