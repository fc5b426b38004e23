package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe to read while serve writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestServeDemo runs the program as a user would: `serve --demo` on its embedded
// PostgreSQL, then a token from `token mint` answers a query, then SIGINT-style
// cancellation shuts everything down (draining, checkDrains), and a second start finds
// the data again.
func TestServeDemo(t *testing.T) {
	dataDir := traversableTempDir(t)
	url, stop := startServe(t, dataDir, drainFlags...)
	checkDataDirLayout(t, dataDir)

	var tok bytes.Buffer
	if err := run(context.Background(), []string{"token", "mint", "--data-dir", dataDir, "--center", "HPG", "--roles", "publisher,coordinator"}, &tok, io.Discard); err != nil {
		t.Fatalf("token mint: %v", err)
	}
	got := query(t, url, strings.TrimSpace(tok.String()), `{ viewer { center { code province { name } } roles } }`)
	if !strings.Contains(got, `"code":"HPG"`) || !strings.Contains(got, `"Hải Phòng"`) || !strings.Contains(got, `"COORDINATOR"`) {
		t.Errorf("viewer = %s", got)
	}
	var op bytes.Buffer
	if err := run(context.Background(), []string{"token", "mint", "--data-dir", dataDir, "--operator"}, &op, io.Discard); err != nil {
		t.Fatalf("token mint --operator: %v", err)
	}
	got = query(t, url, strings.TrimSpace(op.String()), `{ centers { totalCount } }`)
	if !strings.Contains(got, `"totalCount":5`) {
		t.Errorf("centers = %s, want the 5 demo centers", got)
	}
	// Tools run while serve holds the embedded cluster: they use it instead of refusing.
	if err := run(context.Background(), []string{"center", "add", "--data-dir", dataDir, "--code", "BKN-2", "--name", "Chi nhánh Bắc Kạn",
		"--province", "19"}, io.Discard, io.Discard); err != nil {
		t.Fatalf("center add while serving: %v", err)
	}
	csvPath := filepath.Join(t.TempDir(), "supply.csv")
	csv := "occupation_code,quantity,available_from,destination_province_codes,expected_wage_min,notes\n" +
		"8153,12,2026-12-01,31,7000000,Thợ may Chợ Mới\n7212,5,2026-12-15,,,Thợ hàn\n"
	if err := os.WriteFile(csvPath, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := run(context.Background(), []string{"import", "supply", csvPath, "--data-dir", dataDir, "--center", "TNG"},
		io.Discard, io.Discard); err != nil {
		t.Fatalf("import supply while serving: %v", err)
	}
	got = query(t, url, strings.TrimSpace(op.String()), `{ center(code: "BKN-2") { name } laborSupplies(filter: {text: "Cho Moi"}) { totalCount } }`)
	if !strings.Contains(got, `"Chi nhánh Bắc Kạn"`) || !strings.Contains(got, `"totalCount":1`) {
		t.Errorf("after center add and import: %s", got)
	}

	var bench bytes.Buffer
	if err := run(context.Background(), []string{"bench", "--data-dir", dataDir, "--url", url, "--duration", "1s", "--concurrency", "2"}, &bench, io.Discard); err != nil {
		t.Fatalf("bench: %v", err)
	}
	if !strings.Contains(bench.String(), "errors=0") || strings.Contains(bench.String(), "requests=0 ") {
		t.Errorf("bench against the demo server:\n%s", bench.String())
	}
	if err := run(context.Background(), []string{"bench", "--data-dir", dataDir, "--url", "http://192.0.2.1:8080"}, io.Discard, io.Discard); err == nil {
		t.Error("bench accepted a non-loopback target")
	}

	// Stopped and started again on the same data dir, the exchange still knows its
	// centers and keys: the token minted before works.
	t.Run("SIGTERM drains", func(t *testing.T) { checkDrains(t, dataDir, url, stop) })
	stop() // when the subtest failed early
	url, _ = startServe(t, dataDir)
	got = query(t, url, strings.TrimSpace(tok.String()), `{ viewer { center { code } } centers { totalCount } }`)
	if !strings.Contains(got, `"code":"HPG"`) || !strings.Contains(got, `"totalCount":6`) {
		t.Errorf("after restart: %s, want HPG and the 5 demo centers plus BKN-2", got)
	}
}

// startServe runs `laborx serve --demo` (with extra flags) until stop is called (or the
// test ends) and returns its URL.
func startServe(t *testing.T, dataDir string, extra ...string) (url string, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	done := make(chan struct{})
	var runErr error
	go func() {
		defer close(done)
		args := append([]string{"serve", "--demo", "--dev", "--data-dir", dataDir, "--addr", "127.0.0.1:0", "--rate-limit", "0"}, extra...)
		runErr = run(ctx, args, out, io.Discard)
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case <-done:
				if runErr != nil {
					t.Errorf("serve returned %v after shutdown", runErr)
				}
			case <-time.After(60 * time.Second):
				t.Error("serve did not shut down within 60s")
			}
		})
	}
	t.Cleanup(stop)
	re := regexp.MustCompile(`GraphQL:\s+(http://\S+)/graphql`)
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			// The banner also carries ready-to-paste tokens.
			if !strings.Contains(out.String(), "TNG (") || !strings.Contains(out.String(), "operator:") {
				t.Errorf("banner lacks demo tokens:\n%s", out.String())
			}
			return m[1], stop
		}
		select {
		case <-done:
			t.Fatalf("serve exited early: %v\n%s", runErr, out.String())
		case <-time.After(100 * time.Millisecond):
		}
	}
	t.Fatalf("serve did not print its address:\n%s", out.String())
	return "", stop
}

func query(t *testing.T, url, token, q string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"query": q})
	req, _ := http.NewRequest(http.MethodPost, url+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func TestEveryCommandHasHelp(t *testing.T) {
	for _, args := range [][]string{
		{"--help"}, {"serve", "--help"}, {"migrate", "--help"}, {"center", "--help"}, {"center", "add", "--help"},
		{"center", "add-key", "--help"}, {"token", "mint", "--help"}, {"operator", "--help"}, {"seed", "--help"}, {"bench", "--help"},
		{"data-dir", "--help"}, {"data-dir", "remove", "--help"},
	} {
		var out, errOut bytes.Buffer
		err := run(context.Background(), args, &out, &errOut)
		if err != nil && !strings.Contains(err.Error(), "help") {
			t.Errorf("laborx %v: %v", args, err)
		}
		if out.Len()+errOut.Len() == 0 {
			t.Errorf("laborx %v printed nothing", args)
		}
	}
}
