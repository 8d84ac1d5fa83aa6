package chatsim

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

// ShutdownTimeout bounds how long Serve waits for answers still being
// written once its context is canceled.
const ShutdownTimeout = 5 * time.Second

// Serve answers HTTP requests on ln until ctx is canceled, then shuts down
// and returns nil (or the error that stopped it earlier). It closes ln.
// On cancellation, requests still waiting for a slot or sleeping end at
// once (counted as Canceled, answered 503) so shutdown does not wait for a
// 14-second simulated reply.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	// Request contexts derive from baseCtx, which ends with ctx; Shutdown
	// alone would wait for every sleeping handler.
	baseCtx, cancelBase := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelBase()
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		BaseContext:       func(net.Listener) context.Context { return baseCtx },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	s.log.Info("chatsim serving", "addr", ln.Addr().String())

	select {
	case err := <-errc:
		return fmt.Errorf("chatsim: serve: %w", err)
	case <-ctx.Done():
	}
	cancelBase()
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ShutdownTimeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	if err != nil {
		err = errors.Join(fmt.Errorf("chatsim: shutdown: %w", err), srv.Close())
	}
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, fmt.Errorf("chatsim: serve: %w", serr))
	}
	s.log.Info("chatsim stopped")
	return err
}

// Start listens on addr ("127.0.0.1:0" picks a free port) and serves in the
// background until ctx is canceled or stop is called. It returns the
// address actually bound ("127.0.0.1:41234") and stop, which shuts the
// server down, waits for it and returns Serve's result; stop may be called
// more than once.
func (s *Server) Start(ctx context.Context, addr string) (string, func() error, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return "", nil, fmt.Errorf("chatsim: listen: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	var (
		once    sync.Once
		stopErr error
	)
	stop := func() error {
		cancel()
		once.Do(func() { stopErr = <-done })
		return stopErr
	}
	return ln.Addr().String(), stop, nil
}
