package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/laborx/laborx/internal/app"
)

// serveUntilDone serves on ln until ctx ends (SIGTERM or Ctrl-C), then drains: /readyz
// turns 503 at once so the load balancer stops sending new clients, requests are still
// served for the drain period, then the listener closes, requests in flight finish up
// to their deadline, and every websocket is closed with 1001 "going away". The caller
// closes the pool afterwards. A second signal ends the process at once (main).
func serveUntilDone(ctx context.Context, srv *http.Server, ln net.Listener, a *app.App, ops opsFlags, logger *slog.Logger) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	a.Drain.Start()
	// Clients on kept-alive connections are told to reconnect, and so reach another
	// instance through the load balancer.
	srv.SetKeepAlivesEnabled(false)
	logger.Info("draining: /readyz answers 503, requests are still served", "drain", ops.drain.String())
	time.Sleep(ops.drain)

	logger.Info("shutting down: listener closed, finishing in-flight requests, closing websockets",
		"deadline", ops.shutdownDeadline().String())
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ops.shutdownDeadline())
	defer cancel()
	closed := make(chan struct{})
	go func() {
		defer close(closed)
		a.Drain.CloseWebsockets(shutdownCtx)
	}()
	err := srv.Shutdown(shutdownCtx)
	<-closed
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	logger.Info("stopped serving")
	return nil
}
