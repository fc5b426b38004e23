package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// listenDebug serves net/http/pprof on addr, which must be a loopback address: the
// profiles show the program's memory and goroutines, and a CPU profile costs the
// server while it runs, so they are never offered to the network. It returns nil, nil
// for an empty addr (the default: no debug listener).
func listenDebug(addr string, logger *slog.Logger) (*http.Server, error) {
	if addr == "" {
		return nil, nil
	}
	if err := requireLoopbackAddr(addr); err != nil {
		return nil, fmt.Errorf("--debug-addr: %w", err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--debug-addr: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	// No WriteTimeout: a CPU profile or trace streams for as long as it was asked to.
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("debug listener", "err", err)
		}
	}()
	logger.Info("debug listener", "pprof", "http://"+ln.Addr().String()+"/debug/pprof/")
	return srv, nil
}

// requireLoopbackAddr accepts host:port listen addresses whose host is a loopback IP
// or localhost; an empty host would listen on every interface.
func requireLoopbackAddr(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("must be a loopback address (127.0.0.1:PORT, [::1]:PORT, localhost:PORT), got %q", addr)
}
