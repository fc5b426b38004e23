package main

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
	"github.com/jackc/pgx/v5"

	"github.com/laborx/laborx/internal/apitest"
	"github.com/laborx/laborx/internal/demo"
	"github.com/laborx/laborx/internal/devdb"
)

// traversableTempDir is a temporary data dir the postgres OS user can reach when root
// runs the tests, so the embedded cluster lives inside it and goes with it.
func traversableTempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "laborx-cmd-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "data")
}

// drainFlags are the flags of a serve that checkDrains stops.
var drainFlags = []string{"--drain", "2s", "--request-timeout", "60s"}

// checkDrains stops `laborx serve` (as SIGTERM does) while a request is in flight
// and a subscription is open: /readyz turns 503 while the listener still accepts and
// requests are still served, then the listener closes, the in-flight request finishes
// with its answer, and the websocket is closed with 1001 "going away". serve was started
// with drainFlags. TestServeDemo stops its first serve so: a serve of its own would
// cost this test a cluster and the demo's seeding, seconds of CPU, for nothing else.
func checkDrains(t *testing.T, dataDir, url string, stop func()) {
	tok, err := demo.Token(dataDir, "TNG", "drain-test", []string{"publisher"}, 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	ws, err := apitest.Dial(t, url, tok)
	if err != nil {
		t.Fatal(err)
	}
	sub, _ := json.Marshal(map[string]any{"query": `subscription { changes { cursor } }`})
	if err := wsjson.Write(ctx, ws, map[string]any{"id": "1", "type": "subscribe", "payload": json.RawMessage(sub)}); err != nil {
		t.Fatal(err)
	}

	// A request in flight: it waits on a table lock the test holds.
	conn := attachDatabase(t, dataDir)
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `LOCK TABLE labor_demands IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	inFlight := make(chan string, 1)
	go func() { inFlight <- query(t, url, tok, `{ laborDemands { totalCount } }`) }()
	waitFor(t, "the request waits on the lock", func() bool {
		select {
		case got := <-inFlight:
			t.Fatalf("the request was answered before it waited on the lock: %s", got)
		default:
		}
		var n int
		_ = conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'`).Scan(&n)
		return n > 0
	})

	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		stop()
	}()
	waitFor(t, "/readyz answers 503", func() bool { return status(url+"/readyz") == http.StatusServiceUnavailable })
	// Still serving during the drain period: the load balancer has not noticed yet.
	if got := query(t, url, tok, `{ viewer { subject } }`); !strings.Contains(got, `"drain-test"`) {
		t.Errorf("during the drain: %s", got)
	}
	waitFor(t, "the listener closes", func() bool {
		c, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
		if err != nil {
			return true
		}
		c.Close()
		return false
	})
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if got := <-inFlight; !strings.Contains(got, `"totalCount"`) {
		t.Errorf("the in-flight request was answered %s, want its data", got)
	}
	readCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	for {
		var m map[string]any
		err := wsjson.Read(readCtx, ws, &m)
		if err == nil {
			continue // pings, events
		}
		if code := websocket.CloseStatus(err); code != websocket.StatusGoingAway {
			t.Errorf("websocket ended with %v (close code %d), want 1001 going away", err, code)
		}
		break
	}
	<-stopped
}

// attachDatabase connects to the embedded cluster a running serve started.
func attachDatabase(t *testing.T, dataDir string) *pgx.Conn {
	t.Helper()
	ctx := context.Background()
	c, err := devdb.Start(ctx, devdb.Options{Dir: filepath.Join(dataDir, "pg"), Attach: true})
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, c.DSN("laborx"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func status(url string) int {
	resp, err := http.Get(url)
	if err != nil {
		var opErr *net.OpError
		if errors.As(err, &opErr) {
			return -1
		}
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// waitFor polls cond; the bound only keeps a broken test from hanging.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("gave up waiting until %s", what)
}
