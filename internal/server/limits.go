package server

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Limits bound what one client can hold on every route, so slow or large
// requests cannot pile up connections and goroutines in the daemon.
type Limits struct {
	// ReadHeaderTimeout bounds reading a request's headers (default
	// DefaultReadHeaderTimeout): slowloris clients are cut off after it.
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading the whole request, body included, from
	// its first byte (default DefaultReadTimeout): a client that trickles
	// a body is cut off after it, whether or not the route reads the body.
	ReadTimeout time.Duration
	// MaxHeaderBytes bounds the request line and headers (default
	// DefaultMaxHeaderBytes); more is answered 431.
	MaxHeaderBytes int
	// MaxBodyBytes bounds a request body (default DefaultMaxBodyBytes): no
	// route needs one, so a declared larger body is answered 413 at once
	// and a longer one is not read past it.
	MaxBodyBytes int64
	// IdleTimeout closes kept-alive connections without a request
	// (default DefaultIdleTimeout).
	IdleTimeout time.Duration
}

// Defaults of Limits, documented in internal/server/README.md.
const (
	DefaultReadHeaderTimeout = 5 * time.Second
	DefaultReadTimeout       = 15 * time.Second
	DefaultMaxHeaderBytes    = 64 << 10
	DefaultMaxBodyBytes      = 64 << 10
	DefaultIdleTimeout       = 2 * time.Minute
)

// withDefaults fills unset limits.
func (l Limits) withDefaults() Limits {
	if l.ReadHeaderTimeout <= 0 {
		l.ReadHeaderTimeout = DefaultReadHeaderTimeout
	}
	if l.ReadTimeout <= 0 {
		l.ReadTimeout = DefaultReadTimeout
	}
	if l.ReadHeaderTimeout > l.ReadTimeout {
		l.ReadHeaderTimeout = l.ReadTimeout
	}
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if l.MaxBodyBytes <= 0 {
		l.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if l.IdleTimeout <= 0 {
		l.IdleTimeout = DefaultIdleTimeout
	}
	return l
}

// limitBody answers 413 to a request that declares a body over the limit
// and caps the body of the others, on every route.
func (s *Server) limitBody(next http.Handler) http.Handler {
	max := s.opts.Limits.MaxBodyBytes
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > max {
			// Close: the rest of that body is not read.
			w.Header().Set("Connection", "close")
			writeText(w, http.StatusRequestEntityTooLarge, "request body over "+strconv.FormatInt(max, 10)+" bytes\n")
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, max)
		next.ServeHTTP(w, r)
	})
}

// logLimiter lets one log line of a kind through per interval and counts
// the ones it held back, so a client retrying a bad token (or a scanner)
// cannot flood the log: the next line says how many were suppressed.
type logLimiter struct {
	interval time.Duration
	mu       sync.Mutex
	last     time.Time
	held     int
}

// allow reports whether a line may be logged now and how many were held
// back since the last one.
func (l *logLimiter) allow(now time.Time) (ok bool, suppressed int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.last.IsZero() && now.Sub(l.last) < l.interval {
		l.held++
		return false, 0
	}
	suppressed, l.held, l.last = l.held, 0, now
	return true, suppressed
}

// log logs msg at level through l's limit, adding "suppressed" when lines
// were held back.
func (l *logLimiter) log(ctx context.Context, log *slog.Logger, level slog.Level, msg string, attrs ...slog.Attr) {
	ok, n := l.allow(time.Now())
	if !ok {
		return
	}
	if n > 0 {
		attrs = append(attrs, slog.Int("suppressed", n), slog.Duration("suppressed_within", l.interval))
	}
	log.LogAttrs(ctx, level, msg, attrs...)
}

// DefaultLogInterval is how often a repeated warning about rejected
// credentials (or a TLS handshake error) may be logged.
const DefaultLogInterval = time.Minute

// limitedWriter is the http.Server's error log with a limit: TLS
// handshake errors and the like from one bad client come once per
// interval with a count.
type limitedWriter struct {
	lim *logLimiter
	log *slog.Logger
}

func (w *limitedWriter) Write(p []byte) (int, error) {
	msg := string(p)
	if n := len(msg); n > 0 && msg[n-1] == '\n' {
		msg = msg[:n-1]
	}
	w.lim.log(context.Background(), w.log, slog.LevelWarn, "http server error", slog.String("err", msg))
	return len(p), nil
}
