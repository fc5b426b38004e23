package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/laborx/laborx/internal/demo"
)

// benchQueries are the named request mixes `laborx bench` can drive; each is what a
// class of client sends most.
var benchQueries = map[string]string{
	"viewer":  `{ viewer { center { code name province { name } } roles } }`,
	"centers": `{ centers(first: 20) { totalCount edges { node { code name province { name successor { name } } } } } }`,
	"changes": `{ changes(first: 100) { edges { cursor node { sequence entityType action } } } }`,
	"demands": `{ laborDemands(first: 20, filter: {statuses: [OPEN]}) { totalCount edges { node { title quantity openPositions
		wageMin wageMax center { name province { name } } occupation { titleVi parent { titleVi } } workProvince { name } } } } }`,
	"search": `{ laborDemands(first: 20, filter: {text: "may cong nghiep", provinceCodes: ["30", "31"]}) { edges { node { title center { code } } } } }`,
	"supplies": `{ laborSupplies(first: 20) { totalCount edges { node { quantity availableFrom occupation { titleVi } center { name }
		destinationProvinces { name } } } } }`,
	"referrals": `{ referrals(first: 20) { totalCount edges { node { status origin { code } destination { code }
		occupation { titleVi } worker { fullName nationalIdMasked } events { to at } } } } }`,
	// publish writes: a new demand per request, numbered by the change sequencer
	// (docs/scaling.md measures what it allows). $EXPIRES becomes a date
	// half a year ahead (a demand expires within a year).
	"publish": `mutation { publishLaborDemand(input: {employer: {name: "Công ty bench", taxCode: "0200123456"},
		occupationCode: "8153", title: "Công nhân may (bench)", description: "bench", quantity: 1, wageMin: 7000000, wageMax: 9000000,
		workProvinceCode: "19", employmentType: FULL_TIME, expiresAt: "$EXPIRES"}) { laborDemand { id } userErrors { code message } } }`,
	"agreements": `{ agreements(first: 10) { edges { node { title status isActive parties { code }
		quotaLines { occupation { code } workers referred hired } signatures { center { code } } } } } }`,
}

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	names := make([]string, 0, len(benchQueries))
	for n := range benchQueries {
		names = append(names, n)
	}
	sort.Strings(names)
	fs := newFlags("bench", "bench [--url http://127.0.0.1:8080] [--duration 10s] [--concurrency 8] [--query NAME]", stderr)
	dataDir := fs.String("data-dir", env("LABORX_DATA_DIR", "./.laborx"), "where the demo keys are kept (LABORX_DATA_DIR)")
	target := fs.String("url", "http://127.0.0.1:8080", "server to load; loopback addresses only")
	duration := fs.Duration("duration", 10*time.Second, "how long to run, at most 5m")
	concurrency := fs.Int("concurrency", 8, "parallel clients")
	queryName := fs.String("query", "centers", "request mix: "+strings.Join(names, ", "))
	center := fs.String("center", "TNG", "demo center whose token the clients use")
	if err := fs.Parse(args); err != nil {
		return err
	}
	q, ok := benchQueries[*queryName]
	q = strings.ReplaceAll(q, "$EXPIRES", time.Now().AddDate(0, 6, 0).UTC().Format(time.RFC3339))
	if !ok {
		return fmt.Errorf("--query must be one of %v", names)
	}
	if *duration <= 0 || *duration > 5*time.Minute || *concurrency < 1 || *concurrency > 256 {
		return fmt.Errorf("--duration must be in (0, 5m] and --concurrency in [1, 256]")
	}
	if err := requireLoopback(*target); err != nil {
		return err
	}
	token, err := demo.Token(*dataDir, *center, "bench", []string{"publisher", "coordinator"}, time.Hour)
	if err != nil {
		return fmt.Errorf("bench uses the demo keys (run `laborx serve --demo` first): %w", err)
	}
	res := benchmark(ctx, *target+"/graphql", token, q, *duration, *concurrency)
	fmt.Fprintf(stdout, "query=%s concurrency=%d duration=%s\n", *queryName, *concurrency, *duration)
	fmt.Fprintf(stdout, "requests=%d errors=%d throughput=%.1f req/s\n", res.ok+res.failed, res.failed, float64(res.ok)/duration.Seconds())
	fmt.Fprintf(stdout, "latency p50=%s p90=%s p99=%s max=%s\n", res.pct(50), res.pct(90), res.pct(99), res.pct(100))
	if res.firstErr != "" {
		fmt.Fprintf(stdout, "first error: %s\n", res.firstErr)
	}
	return nil
}

// requireLoopback keeps load on this machine: bench is a measuring tool, not a way to
// load someone else's server.
func requireLoopback(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("--url: %w", err)
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("--url must be a loopback address (127.0.0.1, ::1, localhost), got %q", host)
}

type benchResult struct {
	mu        sync.Mutex
	latencies []time.Duration
	ok        int
	failed    int
	firstErr  string
}

func (r *benchResult) pct(p int) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	i := (len(r.latencies) - 1) * p / 100
	return r.latencies[i].Round(10 * time.Microsecond)
}

func benchmark(ctx context.Context, endpoint, token, query string, d time.Duration, workers int) *benchResult {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	body, _ := json.Marshal(map[string]string{"query": query})
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
	res := &benchResult{}
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				start := time.Now()
				errText := benchRequest(ctx, client, endpoint, token, body)
				elapsed := time.Since(start)
				if ctx.Err() != nil {
					return // cut off by the deadline: not a measurement
				}
				res.mu.Lock()
				res.latencies = append(res.latencies, elapsed)
				if errText == "" {
					res.ok++
				} else {
					res.failed++
					if res.firstErr == "" {
						res.firstErr = errText
					}
				}
				res.mu.Unlock()
			}
		}()
	}
	wg.Wait()
	slices.Sort(res.latencies)
	return res
}

func benchRequest(ctx context.Context, client *http.Client, endpoint, token string, body []byte) string {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || bytes.Contains(b, []byte(`"errors"`)) || bytes.Contains(b, []byte(`"userErrors":[{`)) {
		return fmt.Sprintf("status %d: %.200s", resp.StatusCode, b)
	}
	return ""
}
