package main

import (
	"io"
	"log/slog"
	"math"
	"net/http"
	"strings"
	"testing"
)

func TestDebugAddrRefusesNonLoopback(t *testing.T) {
	for _, addr := range []string{":6060", "0.0.0.0:6060", "[::]:6060", "10.1.2.3:6060", "example.com:6060", "127.0.0.1"} {
		if srv, err := listenDebug(addr, slog.New(slog.DiscardHandler)); err == nil {
			srv.Close()
			t.Errorf("listenDebug(%q) listened, want a refusal", addr)
		}
	}
	if srv, err := listenDebug("", slog.New(slog.DiscardHandler)); srv != nil || err != nil {
		t.Errorf("listenDebug(\"\") = %v, %v; want no listener", srv, err)
	}
}

// TestDebugAddrServesPprof: a loopback listener answers the pprof index and a heap
// profile over real HTTP.
func TestDebugAddrServesPprof(t *testing.T) {
	// Port 0 picks a free port; listenDebug logs the address it serves on.
	logged := &syncBuffer{}
	srv, err := listenDebug("127.0.0.1:0", slog.New(slog.NewTextHandler(logged, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	_, rest, ok := strings.Cut(logged.String(), "pprof=")
	if !ok {
		t.Fatalf("no address logged: %s", logged.String())
	}
	base := strings.Fields(rest)[0]
	for _, path := range []string{"", "heap?debug=1", "goroutine?debug=1"} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || len(body) == 0 {
			t.Errorf("GET %s%s: %d, %d bytes", base, path, resp.StatusCode, len(body))
		}
	}
}

func TestGCFlags(t *testing.T) {
	for in, want := range map[string]int{"400": 400, "off": -1, "OFF": -1, "0": 0} {
		if got, err := parseGCPercent(in); err != nil || got != want {
			t.Errorf("parseGCPercent(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "-5", "4x", "1e3"} {
		if _, err := parseGCPercent(in); err == nil {
			t.Errorf("parseGCPercent(%q) accepted", in)
		}
	}
	for in, want := range map[string]int64{"1GiB": 1 << 30, "512MiB": 512 << 20, "4096": 4096, "10KiB": 10 << 10, "2TiB": 2 << 40,
		"100B": 100, "off": math.MaxInt64} {
		if got, err := parseMemoryLimit(in); err != nil || got != want {
			t.Errorf("parseMemoryLimit(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "1GB", "-1MiB", "0", "MiB", "99999999999TiB"} {
		if _, err := parseMemoryLimit(in); err == nil {
			t.Errorf("parseMemoryLimit(%q) accepted", in)
		}
	}
}
