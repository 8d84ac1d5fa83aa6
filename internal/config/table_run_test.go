package config_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loadcron/loadcron/internal/runner"
	"github.com/loadcron/loadcron/internal/stats"
)

// TestTableConfigsRun runs every config of testdata/table/ that loads,
// as `loadcron run` would (the same runner), against a local target that
// answers every request: no run may crash or end in error, no request may
// be refused, and the suite sends load. What validate accepts runs. Each
// suite gets at most runBudget: a longer one (a 30 s ramp-up) is canceled
// then, which is not a configuration failure.
func TestTableConfigsRun(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every accepted table config for a few seconds")
	}
	var served atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"cached": false, "reply": "ok"}`)
	}))
	defer srv.Close()
	ran := 0
	errBudget := errors.New("the test's time budget")
	const runBudget = 2 * time.Second
	for _, c := range readTable(t) {
		if c.want != nil {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			cfg, err := c.load()
			if err != nil {
				t.Fatal(err)
			}
			// Point every target at the local server, through the same
			// override path as --set, so the config is validated again.
			for name := range cfg.Targets {
				c.sets = append(c.sets, "targets."+name+".url="+srv.URL)
			}
			if cfg, err = c.load(); err != nil {
				t.Fatalf("pointed at %s: %v", srv.URL, err)
			}
			for _, name := range cfg.SuiteNames() {
				ctx, cancel := context.WithTimeoutCause(context.Background(), runBudget, errBudget)
				before := served.Load()
				rep := (&runner.Runner{Config: cfg, UserAgent: "loadcron/test"}).Run(ctx, cfg.Suites[name], "run-table", "manual")
				cancel()
				budget := func(msg string) bool { return strings.Contains(msg, errBudget.Error()) }
				if rep.Partial && ctx.Err() == nil {
					t.Errorf("suite %s: partial report", name)
				}
				for _, sr := range rep.TestResults {
					if budget(sr.Error) {
						continue // canceled by the test's own time budget
					}
					if sr.Status == stats.StatusError || sr.Errors["disallowed"] > 0 || sr.TotalRequests == 0 {
						t.Errorf("suite %s scenario %s: status %s, %d requests, errors %v, %q",
							name, sr.Scenario, sr.Status, sr.TotalRequests, sr.Errors, sr.Error)
					}
				}
				if served.Load() == before {
					t.Errorf("suite %s sent no load", name)
				}
			}
		})
		ran++
	}
	if ran < 8 {
		t.Errorf("only %d accepted configs in the table", ran)
	}
}
