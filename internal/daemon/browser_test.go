package daemon

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/loadcron/loadcron/internal/testtools"
)

// artifactsDir is where tests leave files for people to look at: the
// directory $LOADCRON_ARTIFACTS_DIR, or bin/artifacts in the repository
// (git-ignored).
func artifactsDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("LOADCRON_ARTIFACTS_DIR")
	if dir == "" {
		dir = filepath.Join("..", "..", "bin", "artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// browser starts headless Chromium for the test (skipped without it on a
// workstation, failed in CI) and returns a tab context.
func browser(t *testing.T) context.Context {
	t.Helper()
	exe := testtools.Need(t, "chromium")
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.NoSandbox, // as root, Chromium refuses to start without it
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 1600),
		// This machine's network is closed: keep Chromium from reaching
		// for Google's hosts at all.
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
	)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	tab, tcancel := chromedp.NewContext(actx)
	t.Cleanup(func() { tcancel(); acancel(); cancel() })
	return tab
}

// consoleLog collects what the tab writes to its console (calls, uncaught
// exceptions, browser log entries such as failed loads or CSP
// violations).
type consoleLog struct {
	mu   sync.Mutex
	msgs []chromedp.ConsoleMessage
	done chan struct{}
}

func watchConsole(tab context.Context) *consoleLog {
	c := &consoleLog{done: make(chan struct{})}
	msgs := chromedp.Console(tab) // subscribes now, before any navigation
	go func() {
		defer close(c.done)
		for m, err := range msgs {
			if err != nil {
				return // the tab closed
			}
			c.mu.Lock()
			c.msgs = append(c.msgs, m)
			c.mu.Unlock()
		}
	}()
	return c
}

// errors returns the errors and exceptions seen from message from on,
// except those of URLs under skip.
func (c *consoleLog) errors(from int, skip string) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, m := range c.msgs[min(from, len(c.msgs)):] {
		if skip != "" && strings.HasPrefix(m.URL, skip) {
			continue
		}
		if m.Type == chromedp.ConsoleError || m.IsException() {
			out = append(out, m.String()+" ("+m.URL+")")
		}
	}
	return out
}

func (c *consoleLog) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.msgs)
}

// TestStatusPageInABrowser looks at the status page as a person would, in
// headless Chromium, against a daemon with a failing and a passing suite:
// the violated threshold is visible, every scenario has its trend charts,
// the links work (one is followed to the run page), the page fetches
// nothing but itself and logs no console error. It leaves a screenshot of
// the status page in the artefacts directory.
func TestStatusPageInABrowser(t *testing.T) {
	tab := browser(t)
	console := watchConsole(tab)
	d, _ := startWhy(t)

	// First prove the console watch can fail: a page with a script error
	// and a missing image must be caught.
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprint(w, `<!doctype html><title>bad</title><img src="/missing.png"><script>console.error("boom")</script>`)
	}))
	defer bad.Close()
	if err := chromedp.Do(tab, chromedp.Navigate(bad.URL), chromedp.WaitReady(chromedp.CSS("img"))); err != nil {
		t.Fatal(err)
	}
	sync := func() { // a round trip: events sent before its reply have been read
		if _, err := chromedp.Run(tab, chromedp.Evaluate[int]("1")); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "the bad page's console errors", func() bool { sync(); return len(console.errors(0, "")) >= 2 })
	from := console.len()

	// The status page.
	status := d.addr + "/"
	if err := chromedp.Do(tab, chromedp.Navigate(status), chromedp.WaitVisible(chromedp.CSS("section.scenario"))); err != nil {
		t.Fatal(err)
	}
	text, err := chromedp.Run(tab, chromedp.Text(chromedp.CSS("body")))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"✘ min_success_rate: 50.0% (limit ≥ 90.0%)",
		"4× http_4xx: 404 GET /chat",
		"status codes: 200=8, 404=4, 500=4",
		"⚠ min_successful_requests: no successful request (limit ≥ 1)",
		"P95 latency:",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the page does not show %q", want)
		}
	}

	// A drawn chart per scenario: each scenario section has its four SVGs,
	// laid out with a size, each with a line through the runs.
	charts, err := chromedp.Run(tab, chromedp.Evaluate[[]map[string]any](`
		Array.from(document.querySelectorAll("section.scenario")).map(s => ({
			id: s.id,
			svgs: s.querySelectorAll("svg.trend").length,
			drawn: Array.from(s.querySelectorAll("svg.trend")).filter(g => {
				const r = g.getBoundingClientRect();
				return r.width > 50 && r.height > 20 && g.querySelector("polyline").getAttribute("points").split(" ").length === `+fmt.Sprint(whyRuns)+`;
			}).length,
		}))`))
	if err != nil {
		t.Fatal(err)
	}
	if len(charts) != 3 {
		t.Errorf("%d scenario sections, want 3: %v", len(charts), charts)
	}
	for _, c := range charts {
		if c["svgs"] != 4.0 || c["drawn"] != 4.0 {
			t.Errorf("scenario %v: %v charts, %v drawn with %d runs; want 4", c["id"], c["svgs"], c["drawn"], whyRuns)
		}
	}

	// Nothing was fetched but the page itself (the favicon is data:).
	resources, err := chromedp.Run(tab, chromedp.Evaluate[[]string](
		`performance.getEntriesByType("resource").map(e => e.name)`))
	if err != nil {
		t.Fatal(err)
	}
	if len(resources) != 0 {
		t.Errorf("the page fetched %v", resources)
	}

	// The screenshot, for people.
	png, err := chromedp.Run(tab, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(artifactsDir(t), "status-page.png")
	if err := os.WriteFile(shot, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot of the status page: %s", shot)

	// Every link on the page answers (same-origin ones here; Grafana is
	// not configured).
	hrefs, err := chromedp.Run(tab, chromedp.Evaluate[[]string](`Array.from(document.links).map(a => a.href)`))
	if err != nil {
		t.Fatal(err)
	}
	checked := map[string]bool{}
	for _, h := range hrefs {
		u, err := url.Parse(h)
		if err != nil {
			t.Errorf("link %q: %v", h, err)
			continue
		}
		u.Fragment = ""
		if checked[u.String()] {
			continue
		}
		checked[u.String()] = true
		if !strings.HasPrefix(u.String(), d.addr+"/") {
			t.Errorf("link %q leaves the daemon", h)
			continue
		}
		if code := get(t, u.String()); code != 200 {
			t.Errorf("link %s answers %d", u, code)
		}
	}
	if len(checked) < 10 {
		t.Errorf("only %d distinct links checked: %v", len(checked), hrefs)
	}

	// Follow the failing scenario's "run report" link, as a person would.
	err = chromedp.Do(tab,
		chromedp.Click(chromedp.CSS("#s-broken-scenario-flaky-chat a.run-link")),
		chromedp.WaitVisible(chromedp.CSS("#scenario-flaky-chat pre")))
	if err != nil {
		t.Fatal(err)
	}
	loc, err := chromedp.Run(tab, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(loc, d.addr+"/runs/") || !strings.HasSuffix(loc, "#scenario-flaky-chat") {
		t.Errorf("the run report link led to %s", loc)
	}
	block, err := chromedp.Run(tab, chromedp.Text(chromedp.CSS("#scenario-flaky-chat pre")))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Results: Flaky chat", "Status codes: 200=8, 404=4, 500=4", "❌ min_success_rate: 50.0% (limit ≥ 90.0%)"} {
		if !strings.Contains(block, want) {
			t.Errorf("the run page's scenario block lacks %q:\n%s", want, block)
		}
	}

	sync()
	// The bad page's favicon request may still fail after it: skip its
	// server.
	if errs := console.errors(from, bad.URL); len(errs) > 0 {
		t.Errorf("the pages logged console errors: %v", errs)
	}
}
