package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// recorder receives every notification Alertmanager sends in an e2e
// stack: the webhook copy of each notification (structured: alerts with
// labels, annotations, startsAt/endsAt, fingerprint) at
// /webhook/<receiver>, and what the shipped receivers' own integrations
// send, rendered by the shipped templates, at /slack/<receiver> and
// /pagerduty/<receiver>.
type recorder struct {
	srv *httptest.Server
	mu  sync.Mutex
	// notes are the webhook notifications, in arrival order.
	notes []notification
	// msgs are the Slack and PagerDuty messages, in arrival order.
	msgs []message
}

// notification is one webhook notification.
type notification struct {
	Receiver string
	At       time.Time
	Status   string
	GroupKey string
	Alerts   []notifiedAlert
}

// notifiedAlert is one alert of a notification.
type notifiedAlert struct {
	Status      string            `json:"status"`
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	StartsAt    time.Time         `json:"startsAt"`
	EndsAt      time.Time         `json:"endsAt"`
	Fingerprint string            `json:"fingerprint"`
}

// message is a Slack or PagerDuty message: the text the shipped templates
// rendered.
type message struct {
	Receiver string
	Kind     string // slack or pagerduty
	At       time.Time
	Text     string
}

func newRecorder(t *testing.T) *recorder {
	r := &recorder{}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /webhook/{receiver}", func(w http.ResponseWriter, req *http.Request) {
		var n struct {
			Status   string          `json:"status"`
			GroupKey string          `json:"groupKey"`
			Alerts   []notifiedAlert `json:"alerts"`
		}
		if err := json.NewDecoder(req.Body).Decode(&n); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.mu.Lock()
		r.notes = append(r.notes, notification{Receiver: req.PathValue("receiver"), At: time.Now(), Status: n.Status, GroupKey: n.GroupKey, Alerts: n.Alerts})
		r.mu.Unlock()
	})
	mux.HandleFunc("POST /slack/{receiver}", func(w http.ResponseWriter, req *http.Request) {
		var m struct {
			Attachments []struct {
				Title string `json:"title"`
				Text  string `json:"text"`
			} `json:"attachments"`
		}
		if err := json.NewDecoder(req.Body).Decode(&m); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var text strings.Builder
		for _, a := range m.Attachments {
			text.WriteString(a.Title + "\n" + a.Text + "\n")
		}
		r.addMessage(req.PathValue("receiver"), "slack", text.String())
	})
	mux.HandleFunc("POST /pagerduty/{receiver}", func(w http.ResponseWriter, req *http.Request) {
		var m struct {
			Payload struct {
				Summary       string            `json:"summary"`
				CustomDetails map[string]string `json:"custom_details"`
			} `json:"payload"`
		}
		if err := json.NewDecoder(req.Body).Decode(&m); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.addMessage(req.PathValue("receiver"), "pagerduty", m.Payload.Summary+"\n"+m.Payload.CustomDetails["alerts"])
		w.WriteHeader(http.StatusAccepted) // as PagerDuty's Events API answers
	})
	r.srv = httptest.NewServer(mux)
	t.Cleanup(r.srv.Close)
	return r
}

func (r *recorder) addMessage(receiver, kind, text string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, message{Receiver: receiver, Kind: kind, At: time.Now(), Text: text})
}

// all returns copies of what was received so far.
func (r *recorder) all() ([]notification, []message) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.notes), slices.Clone(r.msgs)
}

// match selects alerts of notifications.
type match func(notifiedAlert) bool

// alertMatch matches alertname and every given label.
func alertMatch(name string, labels ...string) match {
	return func(a notifiedAlert) bool {
		if a.Labels["alertname"] != name {
			return false
		}
		for i := 0; i+1 < len(labels); i += 2 {
			if a.Labels[labels[i]] != labels[i+1] {
				return false
			}
		}
		return true
	}
}

// first returns the first notification with an alert in status (firing or
// resolved) that m matches, and that alert.
func (r *recorder) first(status string, m match) (notification, notifiedAlert, bool) {
	notes, _ := r.all()
	for _, n := range notes {
		for _, a := range n.Alerts {
			if a.Status == status && m(a) {
				return n, a, true
			}
		}
	}
	return notification{}, notifiedAlert{}, false
}

// occurrences returns every alert that m matches, in every notification.
func (r *recorder) occurrences(m match) []notifiedAlert {
	notes, _ := r.all()
	var out []notifiedAlert
	for _, n := range notes {
		for _, a := range n.Alerts {
			if m(a) {
				out = append(out, a)
			}
		}
	}
	return out
}

// await waits until an alert that m matches arrives in status.
func (r *recorder) await(t *testing.T, what, status string, m match, timeout time.Duration) (notification, notifiedAlert) {
	t.Helper()
	var n notification
	var a notifiedAlert
	eventually(t, timeout, what, func() (bool, string) {
		var ok bool
		n, a, ok = r.first(status, m)
		return ok, "not yet: " + r.summary()
	})
	return n, a
}

// summary lists the notifications so far, for failure messages.
func (r *recorder) summary() string {
	notes, _ := r.all()
	var out []string
	for _, n := range notes {
		for _, a := range n.Alerts {
			out = append(out, fmt.Sprintf("%s:%s %s/%s/%s/%s", n.Receiver, a.Status, a.Labels["alertname"], a.Labels["suite"], a.Labels["scenario"], a.Labels["instance"]))
		}
	}
	return fmt.Sprintf("%d notifications [%s]", len(notes), strings.Join(out, ", "))
}

// checkConventions checks every notification received: routing follows
// the severity (critical → pager, warning → ticket; info never notified),
// every alert carries a summary and a runbook link, and no alert was
// notified resolved before a receiver was told it fired.
func (r *recorder) checkConventions(t *testing.T) {
	t.Helper()
	notes, _ := r.all()
	fired := map[string]bool{} // receiver + fingerprint
	for _, n := range notes {
		for _, a := range n.Alerts {
			key := n.Receiver + "/" + a.Fingerprint
			name := fmt.Sprintf("%s %s (%v)", a.Status, a.Labels["alertname"], a.Labels)
			if want := receiverFor(a.Labels["severity"]); n.Receiver != want {
				t.Errorf("%s: sent to receiver %s, want %s", name, n.Receiver, want)
			}
			if a.Annotations["summary"] == "" || !strings.HasPrefix(a.Annotations["runbook_url"], "https://") {
				t.Errorf("%s: no summary or runbook link: %v", name, a.Annotations)
			}
			switch a.Status {
			case "firing":
				fired[key] = true
			case "resolved":
				if !fired[key] {
					t.Errorf("%s: resolved notification to %s for an alert never sent firing there", name, n.Receiver)
				}
			}
		}
	}
}

// checkGroupedRendering checks every notification that carried several
// alerts: the same receiver's Slack or PagerDuty message (rendered by the
// shipped templates, sent at the same time) names each alert's summary and
// runbook link — not only what the alerts share. It returns how many such
// grouped notifications it checked.
func (r *recorder) checkGroupedRendering(t *testing.T) int {
	t.Helper()
	notes, msgs := r.all()
	grouped := 0
	for _, n := range notes {
		if len(n.Alerts) < 2 {
			continue
		}
		grouped++
		var candidates []string
		for _, m := range msgs {
			if m.Receiver == n.Receiver && m.At.Sub(n.At).Abs() < 2*time.Second {
				candidates = append(candidates, m.Text)
			}
		}
		found := false
		for _, text := range candidates {
			all := true
			for _, a := range n.Alerts {
				all = all && strings.Contains(text, a.Annotations["summary"]) && strings.Contains(text, a.Annotations["runbook_url"])
			}
			found = found || all
		}
		if !found {
			t.Errorf("grouped notification to %s of %d alerts (%s): no rendered message names each alert's summary and runbook; messages: %q",
				n.Receiver, len(n.Alerts), n.GroupKey, candidates)
		}
	}
	return grouped
}
