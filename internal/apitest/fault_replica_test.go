package apitest_test

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/laborx/laborx/internal/apitest"
	"github.com/laborx/laborx/internal/pgtest"
)

// tcpProxy forwards loopback connections to a PostgreSQL server, so a test can take a
// "replica" away (Close) while the server behind it stays up for everyone else.
type tcpProxy struct {
	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func newTCPProxy(t *testing.T, target string) *tcpProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &tcpProxy{ln: ln}
	t.Cleanup(p.Close)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(up, c); up.Close() }()
			go func() { _, _ = io.Copy(c, up); c.Close() }()
		}
	}()
	return p
}

// Close stops listening and cuts every connection, as a replica that dies does.
func (p *tcpProxy) Close() {
	p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// through rewrites dsn to reach its server through the proxy.
func (p *tcpProxy) through(t *testing.T, dsn string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.Host = p.ln.Addr().String()
	return u.String()
}

// TestReplicaDownStatisticsFromPrimary: statistics read the replica (here another,
// empty, database, so the difference shows) until it goes away; then the same query is
// answered from the primary, /readyz stays 200, and a metric and a log line say so.
func TestReplicaDownStatisticsFromPrimary(t *testing.T) {
	replicaDSN := pgtest.NewDSN(t, pgtest.Laborx)
	u, err := url.Parse(replicaDSN)
	if err != nil {
		t.Fatal(err)
	}
	proxy := newTCPProxy(t, u.Host)
	logs := &lockedBuffer{}
	e := apitest.NewWith(t, apitest.Options{ReadDatabaseURL: proxy.through(t, replicaDSN),
		Logger: slog.New(slog.NewJSONHandler(logs, nil))})
	hpg := e.AddCenter(t, "HPG", "31")
	mustPublishDemand(t, e, hpg.Token(t, "publisher"), map[string]any{"quantity": 12})
	tok := hpg.Token(t, "viewer")
	fields := []string{"province", "occupation", "demandPositions", "supplyWorkers", "shortage"}

	wantRows(t, "replica", rows(t, e.Do(t, tok, statsMarketBalanceDefault, nil), "stats.marketBalance", fields...))
	wantMetric(t, e, "laborx_read_replica_in_use 1")

	proxy.Close()
	wantRows(t, "primary", rows(t, e.Do(t, tok, statsMarketBalanceDefault, nil), "stats.marketBalance", fields...), "31 81 12 0 12")
	if got := status(t, e.Server.URL+"/readyz"); got != http.StatusOK {
		t.Errorf("/readyz with the replica down: %d, want 200", got)
	}
	wantMetric(t, e, "laborx_read_replica_in_use 0")
	if !strings.Contains(logs.String(), `"msg":"statistics read the primary: read replica unreachable"`) {
		t.Errorf("no log line says statistics left the replica:\n%s", logs.String())
	}
}

func status(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// wantMetric wants a line of /metrics.
func wantMetric(t *testing.T, e *apitest.Env, line string) {
	t.Helper()
	resp, err := http.Get(e.Server.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(b), "\n"+line+"\n") {
		t.Errorf("/metrics lacks %q", line)
	}
}
