package server

import (
	"bytes"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/loadcron/loadcron/internal/report"
)

// runPageView is what run.html renders: one report in the console's shape
// (the same text `loadcron run` prints, from report.Console), cut into one
// section per scenario so links can point at a scenario.
type runPageView struct {
	Title     string
	Refresh   bool
	L         linker
	Report    *report.Report
	Dashboard string
	Header    string
	Scenarios []runScenario
	Summary   string
}

// runScenario is one scenario's console block.
type runScenario struct {
	ID, Name, Dashboard, Text string
}

// runPage serves GET /runs/{id}.
func (s *Server) runPage(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	var rep *report.Report
	if s.opts.Runs != nil {
		rep, _ = s.opts.Runs.Get(id)
	}
	if rep == nil {
		s.notFoundPage(w, "run "+strconv.Quote(id)+" not found")
		return
	}
	s.writePage(w, http.StatusOK, "run", runPageViewOf(rep, newLinker(s.links(), "../")))
}

func runPageViewOf(rep *report.Report, l linker) runPageView {
	v := runPageView{
		Title:     rep.Suite + " · " + rep.RunID + " · loadcron",
		L:         l,
		Report:    rep,
		Dashboard: l.SuiteDashboard(rep.Suite, rep.StartedAt, rep.FinishedAt),
	}
	// The console's own methods, piece by piece: the page shows exactly
	// what the console prints. Writes to a bytes.Buffer cannot fail.
	var buf bytes.Buffer
	c := &report.Console{W: &buf}
	_ = c.ReplayHeader(rep)
	v.Header = buf.String()
	for _, sr := range rep.TestResults {
		buf.Reset()
		_ = c.ReplayScenario(sr)
		v.Scenarios = append(v.Scenarios, runScenario{
			ID:        ScenarioAnchor(sr.Scenario),
			Name:      sr.Scenario,
			Dashboard: l.ScenarioDashboard(rep.Suite, sr.Scenario, rep.StartedAt, rep.FinishedAt),
			Text:      buf.String(),
		})
	}
	buf.Reset()
	_ = c.Summary(rep, "")
	v.Summary = buf.String()
	return v
}

// lastRun serves GET /runs/last?suite=S[&scenario=X][&t=UNIX]: a redirect
// to the newest run of suite S (to scenario X's section when given), so an
// alert can link to "the run that shows it" without knowing its id. With t
// (Unix seconds, fractions allowed) it is the newest run that had started
// by then: an alert's annotation carries the time its scenario last
// finished, so the link still leads to that run after newer ones.
func (s *Server) lastRun(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	suite, scenario := q.Get("suite"), q.Get("scenario")
	if suite == "" {
		s.notFoundPage(w, "which suite? use /runs/last?suite=NAME[&scenario=NAME][&t=UNIX]")
		return
	}
	at := time.Time{}
	if v := q.Get("t"); v != "" {
		sec, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(sec) || math.IsInf(sec, 0) || sec < 0 || sec > 1e11 {
			s.notFoundPage(w, "t must be Unix seconds, got "+strconv.Quote(v))
			return
		}
		at = time.Unix(0, int64(sec*1e9))
	}
	var runs []*report.Report
	if s.opts.Runs != nil {
		limit := 1
		if !at.IsZero() {
			limit = 0 // all, newest first: take the first that started by t
		}
		runs = s.opts.Runs.List(suite, limit)
	}
	for len(runs) > 0 && !at.IsZero() && runs[0].StartedAt.After(at) {
		runs = runs[1:]
	}
	if len(runs) == 0 {
		s.notFoundPage(w, "suite "+strconv.Quote(suite)+" has no run yet")
		return
	}
	// Relative to /runs/last, so it works behind a proxy's path prefix
	// too; absolute when external_url is set.
	l := newLinker(s.links(), "../")
	target := l.Run(runs[0].RunID)
	if scenario != "" {
		target = l.RunScenario(runs[0].RunID, scenario)
	}
	// Not http.Redirect: it would make the path absolute and lose the
	// prefix.
	w.Header().Set("Location", target)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusFound)
}

// notFoundPage answers 404 with a short page.
func (s *Server) notFoundPage(w http.ResponseWriter, msg string) {
	s.writePage(w, http.StatusNotFound, "notfound", struct {
		Title, Msg string
		Refresh    bool
		L          linker
	}{"not found · loadcron", msg, false, newLinker(s.links(), "../")})
}
