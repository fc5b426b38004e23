package apitest

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Hammered is what Hammer counted at each server, in the order of their URLs.
type Hammered struct {
	Accepted, Refused []int
	// Elapsed runs from the first request sent to the last answer received.
	Elapsed time.Duration
}

// TotalAccepted adds up the requests the servers admitted.
func (h Hammered) TotalAccepted() int {
	var n int
	for _, a := range h.Accepted {
		n += a
	}
	return n
}

// Hammer sends `{ viewer { subject } }` with token to every server (base URLs) from
// clients goroutines each, back to back, for d, and counts the 200s and the 429s
// RATE_LIMITED with Retry-After. Any other answer fails the test.
func Hammer(t testing.TB, d time.Duration, clients int, token string, urls ...string) Hammered {
	t.Helper()
	transport := &http.Transport{MaxIdleConnsPerHost: clients}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport, Timeout: 10 * time.Second}
	body := []byte(`{"query":"{ viewer { subject } }"}`)
	accepted := make([]atomic.Int64, len(urls))
	refused := make([]atomic.Int64, len(urls))
	var (
		wg       sync.WaitGroup
		failures = make(chan string, clients*len(urls))
	)
	start := time.Now()
	deadline := start.Add(d)
	for i, url := range urls {
		for range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for time.Now().Before(deadline) {
					req, _ := http.NewRequest(http.MethodPost, url+"/graphql", bytes.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("Authorization", "Bearer "+token)
					resp, err := client.Do(req)
					if err != nil {
						failures <- err.Error()
						return
					}
					raw, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					switch {
					case resp.StatusCode == http.StatusOK && !bytes.Contains(raw, []byte(`"errors"`)):
						accepted[i].Add(1)
					case resp.StatusCode == http.StatusTooManyRequests && resp.Header.Get("Retry-After") == "1" &&
						bytes.Contains(raw, []byte(`"code":"RATE_LIMITED"`)):
						refused[i].Add(1)
					default:
						failures <- fmt.Sprintf("%s: status %d %.300s", url, resp.StatusCode, raw)
						return
					}
				}
			}()
		}
	}
	wg.Wait()
	h := Hammered{Elapsed: time.Since(start)}
	close(failures)
	for f := range failures {
		t.Errorf("hammer: %s", f)
	}
	for i := range urls {
		h.Accepted = append(h.Accepted, int(accepted[i].Load()))
		h.Refused = append(h.Refused, int(refused[i].Load()))
	}
	return h
}

// WaitRateLimitInstances waits (up to 10 s) until every server's /metrics reports
// that n instances share the rate limits: before that, a caller's first requests get
// the share of the instances an instance has seen so far.
func WaitRateLimitInstances(t testing.TB, n int, urls ...string) {
	t.Helper()
	for _, url := range urls {
		WaitMetric(t, url, "laborx_rate_limit_instances", strconv.Itoa(n))
	}
}

// WaitMetric waits (up to 10 s) until url's /metrics reports value for the unlabelled
// metric name.
func WaitMetric(t testing.TB, url, name, value string) {
	t.Helper()
	want := name + " " + value
	deadline := time.Now().Add(10 * time.Second)
	for {
		line, err := metricLine(url, name+" ")
		if err == nil && line == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s/metrics: %q (%v), want %q", url, line, err, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// metricLine returns the first line of url's /metrics that starts with prefix.
func metricLine(url, prefix string) (string, error) {
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), prefix) {
			return sc.Text(), nil
		}
	}
	return "", sc.Err()
}
