package events

import (
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

// TestSharedReadsOnce: subscribers asking for the same key at once share one read; a
// failed read is not handed to the others.
func TestSharedReadsOnce(t *testing.T) {
	h := NewHub(nil, nil, nil)
	var reads atomic.Int32
	release := make(chan struct{})
	read := func() (int, error) {
		reads.Add(1)
		<-release
		return 7, nil
	}
	var wg sync.WaitGroup
	started := make(chan struct{})
	wg.Go(func() {
		close(started)
		if v, err := Shared(h, SharedKey{What: "k"}, read); v != 7 || err != nil {
			t.Errorf("first asker got %d, %v", v, err)
		}
	})
	<-started
	for reads.Load() == 0 { // wait for the first asker to own the read
		runtime.Gosched()
	}
	for range 10 {
		wg.Go(func() {
			if v, err := Shared(h, SharedKey{What: "k"}, read); v != 7 || err != nil {
				t.Errorf("asker got %d, %v", v, err)
			}
		})
	}
	close(release)
	wg.Wait()
	if n := reads.Load(); n != 1 {
		t.Errorf("%d reads for 11 askers at once, want 1", n)
	}

	boom := errors.New("connection reset")
	if _, err := Shared(h, SharedKey{What: "bad"}, func() (int, error) { return 0, boom }); !errors.Is(err, boom) {
		t.Errorf("failed read: %v", err)
	}
	if v, err := Shared(h, SharedKey{What: "bad"}, func() (int, error) { return 3, nil }); v != 3 || err != nil {
		t.Errorf("after a failed read the next asker got %d, %v; want its own read", v, err)
	}
}
