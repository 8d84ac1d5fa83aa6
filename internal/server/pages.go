package server

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"time"
)

//go:embed *.html
var pageFiles embed.FS

// pages holds the HTML pages (status.html, run.html) and the layout they
// share (layout.html). html/template escapes every value in its context
// (text, attribute, URL), so names from the config or bodies from the
// target cannot inject markup.
var pages = template.Must(template.New("pages").Funcs(template.FuncMap{
	"pct":   func(v float64) string { return fmt.Sprintf("%.1f %%", v*100) },
	"ms":    func(v float64) string { return fmt.Sprintf("%.2f", v) },
	"rps":   func(v float64) string { return fmt.Sprintf("%.2f", v) },
	"ts":    formatTime,
	"until": func(t time.Time) string { return untilText(t, time.Now()) },
	"secs": func(v float64) string {
		return (time.Duration(v * float64(time.Second))).Round(time.Millisecond).String()
	},
	"stclass": statusClass,
}).ParseFS(pageFiles, "*.html"))

// pageCSP allows nothing but the page itself: no script at all, inline
// styles, and data: images (the empty favicon, so the browser requests
// nothing else).
const pageCSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"

// links returns the configured link bases.
func (s *Server) links() LinkBase {
	if s.opts.Links == nil {
		return LinkBase{}
	}
	return s.opts.Links()
}

// writePage renders the named page into a buffer first, so a template
// error gives a clean 500 rather than half a page.
func (s *Server) writePage(w http.ResponseWriter, code int, name string, data any) {
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, name, data); err != nil {
		s.log.Error("render page", "page", name, "err", err)
		writeText(w, http.StatusInternalServerError, "cannot render the page\n")
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", pageCSP)
	w.WriteHeader(code)
	_, _ = w.Write(buf.Bytes()) // the client went away; nothing to do
}
