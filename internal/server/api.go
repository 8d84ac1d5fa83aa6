package server

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/loadcron/loadcron/internal/report"
)

// Limits of GET /api/v1/runs?limit=.
const (
	DefaultRunsLimit = 20
	MaxRunsLimit     = 1000
)

// TokenHeader is an alternative to "Authorization: Bearer" for the
// trigger API, for listeners whose web config enables basic auth (which
// takes the Authorization header).
const TokenHeader = "X-Loadcron-Token"

// RunsResponse is the body of GET /api/v1/runs.
type RunsResponse struct {
	Runs []RunView `json:"runs"`
}

// RunView is a report as the API serves it: every field of the JSON report
// (internal/report/README.md), plus "links" to the pages that show it.
type RunView struct {
	*report.Report
	Links RunLinks `json:"links"`
}

// RunLinks are where a run is shown. Links are absolute with
// server.external_url, root-relative ("/runs/…") without; dashboard links
// appear only with server.grafana_url.
type RunLinks struct {
	// Page is the run page (the console report as HTML).
	Page string `json:"page"`
	// API is this report in the API.
	API string `json:"api"`
	// Dashboard is the suite's overview dashboard around the run.
	Dashboard string `json:"dashboard,omitempty"`
	// Scenarios links each scenario, by name, to its section of the run
	// page and its dashboard.
	Scenarios map[string]ScenarioLinks `json:"scenarios"`
}

// ScenarioLinks are where one scenario of a run is shown.
type ScenarioLinks struct {
	Page      string `json:"page"`
	Dashboard string `json:"dashboard,omitempty"`
}

// runView adds the links to r.
func runView(r *report.Report, l linker) RunView {
	v := RunView{Report: r, Links: RunLinks{
		Page:      l.Run(r.RunID),
		API:       l.RunJSON(r.RunID),
		Dashboard: l.SuiteDashboard(r.Suite, r.StartedAt, r.FinishedAt),
		Scenarios: make(map[string]ScenarioLinks, len(r.TestResults)),
	}}
	for _, sr := range r.TestResults {
		v.Links.Scenarios[sr.Scenario] = ScenarioLinks{
			Page:      l.RunScenario(r.RunID, sr.Scenario),
			Dashboard: l.ScenarioDashboard(r.Suite, sr.Scenario, r.StartedAt, r.FinishedAt),
		}
	}
	return v
}

// TriggerResponse is the body of a 202 from POST /api/v1/suites/{suite}/run.
type TriggerResponse struct {
	RunID string `json:"run_id"`
	Suite string `json:"suite"`
}

// ErrorResponse is the body of every API error.
type ErrorResponse struct {
	Error string `json:"error"`
}

// listRuns serves GET /api/v1/runs?suite=&limit=.
func (s *Server) listRuns(w http.ResponseWriter, r *http.Request) {
	limit := DefaultRunsLimit
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxRunsLimit {
			writeError(w, http.StatusBadRequest, "limit must be an integer from 1 to "+strconv.Itoa(MaxRunsLimit))
			return
		}
		limit = n
	}
	resp := RunsResponse{Runs: []RunView{}}
	if s.opts.Runs != nil {
		l := newLinker(s.links(), "/")
		for _, rep := range s.opts.Runs.List(r.URL.Query().Get("suite"), limit) {
			resp.Runs = append(resp.Runs, runView(rep, l))
		}
	}
	writeJSON(w, http.StatusOK, resp)
}

// getRun serves GET /api/v1/runs/{id}.
func (s *Server) getRun(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if s.opts.Runs != nil {
		if rep, ok := s.opts.Runs.Get(id); ok {
			writeJSON(w, http.StatusOK, runView(rep, newLinker(s.links(), "/")))
			return
		}
	}
	writeError(w, http.StatusNotFound, "run "+strconv.Quote(id)+" not found")
}

// trigger serves POST /api/v1/suites/{suite}/run. Authentication comes
// before anything that depends on the suite, so an unauthenticated client
// learns nothing about which suites exist.
func (s *Server) trigger(w http.ResponseWriter, r *http.Request) {
	var want string
	if s.opts.Token != nil {
		want = s.opts.Token()
	}
	if want == "" || s.opts.Trigger == nil {
		writeError(w, http.StatusForbidden, "the trigger API is disabled: no trigger token is configured (server.trigger_token or server.trigger_token_file)")
		return
	}
	got, ok := requestToken(r)
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer realm="loadcron"`)
		writeError(w, http.StatusUnauthorized, "missing bearer token")
		return
	}
	if !tokenEqual(got, want) {
		s.badToken.log(r.Context(), s.log, slog.LevelWarn, "trigger rejected: invalid token", slog.String("remote", r.RemoteAddr))
		w.Header().Set("WWW-Authenticate", `Bearer realm="loadcron", error="invalid_token"`)
		writeError(w, http.StatusUnauthorized, "invalid token")
		return
	}

	suite := r.PathValue("suite")
	runID, err := s.opts.Trigger(suite)
	switch {
	case err == nil:
		s.log.Info("run triggered through the API", "suite", suite, "run", runID, "remote", r.RemoteAddr)
		writeJSON(w, http.StatusAccepted, TriggerResponse{RunID: runID, Suite: suite})
	case errors.Is(err, ErrUnknownSuite):
		writeError(w, http.StatusNotFound, "unknown suite "+strconv.Quote(suite))
	case errors.Is(err, ErrRunning):
		writeError(w, http.StatusConflict, "suite "+strconv.Quote(suite)+" is already running")
	case errors.Is(err, ErrUnavailable):
		writeError(w, http.StatusServiceUnavailable, err.Error())
	default:
		s.log.Error("trigger failed", "suite", suite, "err", err)
		writeError(w, http.StatusInternalServerError, "cannot start the run: "+err.Error())
	}
}

// requestToken extracts the token from "Authorization: Bearer <token>"
// (scheme case-insensitive, RFC 6750) or, failing that, from TokenHeader.
func requestToken(r *http.Request) (string, bool) {
	if auth := r.Header.Get("Authorization"); auth != "" {
		scheme, tok, found := strings.Cut(auth, " ")
		if found && strings.EqualFold(scheme, "Bearer") {
			tok = strings.TrimSpace(tok)
			return tok, tok != ""
		}
	}
	if tok := strings.TrimSpace(r.Header.Get(TokenHeader)); tok != "" {
		return tok, true
	}
	return "", false
}

// tokenEqual compares in constant time. Hashing first makes the time
// independent of the lengths too (ConstantTimeCompare returns early on a
// length mismatch).
func tokenEqual(got, want string) bool {
	g, w := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(g[:], w[:]) == 1
}

// writeJSON writes v as indented JSON with status code. It encodes before
// sending the header, so an encoding failure (a NaN, say) becomes a 500.
func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		code = http.StatusInternalServerError
		b, _ = json.Marshal(ErrorResponse{Error: "cannot encode the response: " + err.Error()})
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_, _ = w.Write(append(b, '\n')) // the client went away; nothing to do
}

// writeError writes {"error": msg}.
func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, ErrorResponse{Error: msg})
}
