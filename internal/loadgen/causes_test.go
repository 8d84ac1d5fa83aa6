package loadgen

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/loadcron/loadcron/internal/config"
	"github.com/loadcron/loadcron/internal/result"
	"github.com/loadcron/loadcron/internal/stats"
)

// runCollected runs spec into a stats collector and returns its summary.
func runCollected(t *testing.T, spec *Spec, opts ...stats.Option) stats.Summary {
	t.Helper()
	col := stats.NewCollector(spec.Scenario.Users, opts...)
	out, err := Run(context.Background(), spec, Hooks{Recorder: col.Recorder, Dropped: col.AddDropped})
	if err != nil {
		t.Fatal(err)
	}
	return col.Summary(out.Elapsed, 0)
}

func TestCausesFromARealTarget(t *testing.T) { bothClients(t, testCausesFromARealTarget) }

func testCausesFromARealTarget(t *testing.T) {
	// Each user's iteration picks the answer (by path): 404, 500, a 200
	// without the checked field, or a good 200. The query and the
	// Authorization header (echoed by the 500) carry values that must never
	// show up in a cause.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/chat/1":
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"detail":"Not Found"}`)
		case "/chat/2":
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprintf(w, "internal error for %s", r.Header.Get("Authorization"))
		case "/chat/3":
			fmt.Fprint(w, `{"cached":false}`)
		default:
			fmt.Fprint(w, `{"reply":"hi","cached":true}`)
		}
	}))
	defer srv.Close()
	spec := testSpec(srv.URL, func(tg *config.Target, sc *config.Scenario) {
		tg.Headers = map[string]string{"Authorization": "Bearer sekret"}
		sc.Users, sc.RequestsPerUser = 2, 10
		sc.Request.Path = `/chat/{{if eq .Iteration 1 6}}1{{else if eq .Iteration 2 7}}2{{else if eq .Iteration 3 8}}3{{else}}0{{end}}?api_key=querysecret`
		sc.Checks.JSONField = "reply"
	})
	s := runCollected(t, spec, stats.WithSecrets("Bearer sekret"))

	// Per user: iterations 0..9 → 1 and 6 are 404, 2 and 7 are 500, 3 and
	// 8 miss the field; two users.
	want := []stats.Cause{
		// equal counts: in the order of the error kinds
		{Kind: "http_4xx", Cause: "404 GET /chat/1", Count: 4, Example: `404 GET /chat/1: {"detail":"Not Found"}`},
		{Kind: "http_5xx", Cause: "500 GET /chat/2", Count: 4, Example: "500 GET /chat/2: internal error for <redacted>"},
		{Kind: "check", Cause: "json_field reply missing", Count: 4,
			Example: `json_field reply missing — GET /chat/3 → 200: {"cached":false}`},
	}
	if !reflect.DeepEqual(s.Causes, want) {
		t.Errorf("causes = %+v\nwant %+v", s.Causes, want)
	}
	wantCodes := []stats.CodeCount{{Code: 200, Count: 12}, {Code: 404, Count: 4}, {Code: 500, Count: 4}}
	if !reflect.DeepEqual(s.StatusCodes, wantCodes) {
		t.Errorf("codes = %v, want %v", s.StatusCodes, wantCodes)
	}
	for _, c := range s.Causes {
		if strings.Contains(c.Cause+c.Example, "querysecret") || strings.Contains(c.Cause+c.Example, "sekret") {
			t.Errorf("a secret leaked into %+v", c)
		}
	}
}

func TestCausesNothingListens(t *testing.T) { bothClients(t, testCausesNothingListens) }

func testCausesNothingListens(t *testing.T) {
	// A port where nothing listens: every request is refused, one cause,
	// no status code but "no response".
	addr := closedAddr(t)
	spec := testSpec("http://"+addr, func(_ *config.Target, sc *config.Scenario) {
		sc.Users, sc.RequestsPerUser = 3, 4
		sc.Request.Path = "/chat?q=x"
	})
	s := runCollected(t, spec)
	if len(s.Causes) != 1 || s.Causes[0].Count != 12 || s.Causes[0].Kind != "connection" {
		t.Fatalf("causes = %+v, want one connection cause ×12", s.Causes)
	}
	c := s.Causes[0]
	if want := "dial tcp " + addr + ": connect: connection refused"; c.Cause != want {
		t.Errorf("cause = %q, want %q", c.Cause, want)
	}
	if !strings.HasSuffix(c.Example, " — GET /chat") {
		t.Errorf("example = %q, want the request without its query", c.Example)
	}
	if !reflect.DeepEqual(s.StatusCodes, []stats.CodeCount{{Code: 0, Count: 12}}) {
		t.Errorf("codes = %v, want 12 without a response", s.StatusCodes)
	}
}

func TestSuccessCarriesNoFailureDetails(t *testing.T) {
	bothClients(t, testSuccessCarriesNoFailureDetails)
}

func testSuccessCarriesNoFailureDetails(t *testing.T) {
	// The failure fields stay zero on a success, so nothing downstream pays
	// for them, and are cleared after a failure.
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n++
		if n == 1 {
			http.Error(w, "first fails", http.StatusBadGateway)
			return
		}
		fmt.Fprint(w, `{"cached":true}`)
	}))
	defer srv.Close()
	spec := testSpec(srv.URL, func(_ *config.Target, sc *config.Scenario) { sc.RequestsPerUser = 2 })
	var s sink
	if _, err := Run(context.Background(), spec, s.hooks()); err != nil {
		t.Fatal(err)
	}
	if len(s.results) != 2 {
		t.Fatalf("%d results, want 2", len(s.results))
	}
	failed, ok := s.results[0], s.results[1]
	if failed.Kind != result.KindHTTP5xx || failed.Method != "GET" || failed.Path != "/" || len(failed.Body) == 0 || failed.Check != result.CheckStatus {
		t.Errorf("failure = %+v, want method, path, body and the status check", failed)
	}
	if ok.Kind != result.KindNone || ok.Err != nil || ok.Method != "" || ok.Path != "" || ok.Body != nil || ok.Check != result.CheckNone || ok.Expect != "" {
		t.Errorf("success carries failure details: %+v", ok)
	}
}
