package server

import (
	"compress/gzip"
	"log"
	"net/http"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// MetricsHandler is what /metrics serves: g in the format the scraper
// asks for (OpenMetrics too, for exemplars), gzip-compressed at
// gzip.BestSpeed when the scraper accepts it. promhttp's own compression
// uses gzip's default level, which costs about twice the CPU for a body
// a third smaller: on a loopback or LAN scrape the bytes do not matter,
// the daemon's CPU does (issue 11: a 50-scenario scrape under 10 ms).
// errorLog may be nil.
func MetricsHandler(g prometheus.Gatherer, errorLog *log.Logger) http.Handler {
	h := promhttp.HandlerFor(g, promhttp.HandlerOpts{
		EnableOpenMetrics: true,
		ErrorLog:          errorLog,
		// A failing collector should not blank the whole scrape.
		ErrorHandling:      promhttp.ContinueOnError,
		DisableCompression: true,
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Vary", "Accept-Encoding")
		if !acceptsGzip(r.Header.Get("Accept-Encoding")) {
			h.ServeHTTP(w, r)
			return
		}
		gz := gzipWriters.Get().(*gzip.Writer)
		gz.Reset(w)
		defer gzipWriters.Put(gz)
		w.Header().Set("Content-Encoding", "gzip")
		h.ServeHTTP(&gzipResponse{ResponseWriter: w, gz: gz}, r)
		_ = gz.Close() // the scraper sees a truncated body if this fails
	})
}

var gzipWriters = sync.Pool{New: func() any {
	gz, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed) // a valid level: no error
	return gz
}}

// acceptsGzip reports whether an Accept-Encoding header value lists gzip
// with a non-zero quality.
func acceptsGzip(header string) bool {
	for part := range strings.SplitSeq(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			continue
		}
		q := strings.ReplaceAll(params, " ", "")
		return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
	}
	return false
}

// gzipResponse sends the body through gz.
type gzipResponse struct {
	http.ResponseWriter
	gz *gzip.Writer
}

func (g *gzipResponse) WriteHeader(code int) {
	g.Header().Del("Content-Length") // the length of the uncompressed body
	g.ResponseWriter.WriteHeader(code)
}

func (g *gzipResponse) Write(p []byte) (int, error) { return g.gz.Write(p) }
