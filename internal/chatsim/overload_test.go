package chatsim

import (
	"context"
	"net/http"
	"testing"
)

// holdSlot starts a request that sleeps until its context is canceled, and
// waits until it holds a concurrency slot. It returns the cancel function
// and a channel that yields once the request has returned.
func holdSlot(t *testing.T, s *Server, post func(ctx context.Context) error) (context.CancelFunc, <-chan error) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- post(ctx) }()
	waitFor(t, "the first request to take the slot", func() bool { return s.Stats().Active == 1 })
	return cancel, done
}

func TestOverloadRejects(t *testing.T) {
	s, ts := newTestServer(t, Options{MaxConcurrent: 1})
	cancel, done := holdSlot(t, s, func(ctx context.Context) error {
		_, err := doRaw(ctx, ts, http.MethodPost, "/api/chat?delay=1m", []byte(`{"message":"slow"}`))
		return err
	})

	r := postChat(t.Context(), t, ts, "", ChatRequest{Message: "fast"})
	if r.status != http.StatusServiceUnavailable {
		t.Errorf("second request: status %d, want 503", r.status)
	}
	if r.header.Get("Retry-After") == "" {
		t.Error("503 without Retry-After")
	}

	cancel()
	if err := <-done; err == nil {
		t.Error("the canceled client got an answer")
	}
	// The slot is freed as soon as the client gives up.
	waitFor(t, "the canceled request to be counted", func() bool { return s.Stats().Canceled == 1 })
	if r := postChat(t.Context(), t, ts, "", ChatRequest{Message: "fast"}); r.status != http.StatusOK {
		t.Errorf("after cancel: status %d, want 200", r.status)
	}
	st := s.Stats()
	if st.Rejected != 1 || st.Canceled != 1 || st.Misses != 1 || st.Active != 0 {
		t.Errorf("stats = %+v, want 1 rejected, 1 canceled, 1 miss, none active", st)
	}
	if st.ByStatus[503] != 2 {
		t.Errorf("by_status[503] = %d, want 2 (rejected + canceled)", st.ByStatus[503])
	}
	checkSums(t, st)
}

func TestOverloadQueues(t *testing.T) {
	s, ts := newTestServer(t, Options{MaxConcurrent: 1, Queue: true})
	cancel, done := holdSlot(t, s, func(ctx context.Context) error {
		_, err := doRaw(ctx, ts, http.MethodPost, "/api/chat?delay=1m", []byte(`{"message":"slow"}`))
		return err
	})

	queued := make(chan chatResult, 1)
	go func() {
		r, err := doRaw(t.Context(), ts, http.MethodPost, "/api/chat", []byte(`{"message":"fast"}`))
		if err != nil {
			r.status = -1
		}
		queued <- r
	}()
	waitFor(t, "the second request to queue", func() bool { return s.Stats().Queued == 1 })
	select {
	case r := <-queued:
		t.Fatalf("queued request answered %d while the slot was held", r.status)
	default:
	}

	cancel() // frees the slot
	<-done
	if r := <-queued; r.status != http.StatusOK {
		t.Errorf("queued request: status %d, want 200", r.status)
	}
	st := s.Stats()
	if st.Rejected != 0 || st.Canceled != 1 || st.Misses != 1 || st.Queued != 0 {
		t.Errorf("stats = %+v, want 0 rejected, 1 canceled, 1 miss, none queued", st)
	}
	checkSums(t, st)
}

func TestQueuedRequestCanGiveUp(t *testing.T) {
	s, ts := newTestServer(t, Options{MaxConcurrent: 1, Queue: true})
	cancelSlow, slowDone := holdSlot(t, s, func(ctx context.Context) error {
		_, err := doRaw(ctx, ts, http.MethodPost, "/api/chat?delay=1m", []byte(`{"message":"slow"}`))
		return err
	})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		_, err := doRaw(ctx, ts, http.MethodPost, "/api/chat", []byte(`{"message":"q"}`))
		done <- err
	}()
	waitFor(t, "the request to queue", func() bool { return s.Stats().Queued == 1 })
	cancel()
	<-done
	waitFor(t, "the queued request to leave", func() bool { return s.Stats().Queued == 0 })
	cancelSlow()
	<-slowDone
	waitFor(t, "both to be counted", func() bool { return s.Stats().InFlight == 0 })
	st := s.Stats()
	if st.Canceled != 2 || st.Active != 0 {
		t.Errorf("stats = %+v, want 2 canceled, none active", st)
	}
	checkSums(t, st)
}
