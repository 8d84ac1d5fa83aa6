package chatsim

import (
	"net/http"
	"time"
)

// maxAdminBody caps an /admin/faults request body.
const maxAdminBody = 64 << 10

// Health is the body of GET /health.
type Health struct {
	// Status is "healthy" (200) or "unhealthy" (503).
	Status string `json:"status"`
	// Cache is "memory" for the built-in cache, "redis" for RedisCache,
	// "custom" for another one passed in Options.Cache, or "off" when the
	// cache-off fault is set.
	Cache string `json:"cache"`
	// UptimeSeconds is the time since New.
	UptimeSeconds float64 `json:"uptime_seconds"`
}

func (s *Server) handleHealth(w http.ResponseWriter, _ *http.Request) {
	f := s.Faults()
	h := Health{Status: "healthy", Cache: "memory", UptimeSeconds: time.Since(s.started).Seconds()}
	switch s.cache.(type) {
	case *MemoryCache:
	case *RedisCache:
		h.Cache = "redis"
	default:
		h.Cache = "custom"
	}
	if f.CacheOff {
		h.Cache = "off"
	}
	status := http.StatusOK
	if f.Unhealthy {
		h.Status, status = "unhealthy", http.StatusServiceUnavailable
	}
	writeJSON(w, status, h)
}

func (s *Server) handleGetFaults(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.Faults())
}

// handlePatchFaults applies a partial update: keys absent from the body
// keep their value; unknown keys and out-of-range values are rejected with
// 400 and change nothing.
func (s *Server) handlePatchFaults(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(r.Body, maxAdminBody)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, ErrorResponse{Error: err.Error()})
		return
	}
	p, err := decodeFaultsPatch(body, true)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, ErrorResponse{Error: "bad faults: " + err.Error()})
		return
	}
	s.faultsMu.Lock()
	f := p.apply(s.Faults())
	if err = f.Validate(); err == nil {
		s.storeFaults(f)
	}
	s.faultsMu.Unlock()
	if err != nil {
		writeJSON(w, http.StatusBadRequest, ErrorResponse{Error: "bad faults: " + err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, f)
}

func (s *Server) handleStats(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.Stats())
}

func (s *Server) handleReset(w http.ResponseWriter, _ *http.Request) {
	s.Reset()
	writeJSON(w, http.StatusOK, s.Stats())
}
