package chatsim

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// BenchmarkChatHit measures the server's own cost of a cache hit, without
// latency or network: what chatsim adds to a loopback load test.
func BenchmarkChatHit(b *testing.B) {
	s := New(Options{Seed: 1})
	h := s.Handler()
	const body = `{"message":"What is your refund policy?","conversation_id":"c1"}`
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/api/chat", strings.NewReader(body)))
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/api/chat", strings.NewReader(body)))
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	}
}
