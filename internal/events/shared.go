package events

import (
	"sync"
	"time"
)

// sharedFor bounds how long a shared read is reused within one wake-up generation: a
// subscriber's 15 s poll (the guard against a lost notification) always reads afresh.
const sharedFor = time.Second

// shared lets the subscribers of one wake-up share their reads: after a notification,
// every subscriber of the same center at the same cursor asks for the same page and
// every subscriber with the same key re-checks the same key; the first one reads, the
// others wait for and reuse its answer. An entry belongs to the wake-up generation it
// was read in: a later commit's notification starts a new generation, so nothing
// committed after a shared read is hidden by it.
type shared struct {
	mu      sync.Mutex
	gen     uint64
	entries map[string]*sharedEntry
}

type sharedEntry struct {
	gen  uint64
	at   time.Time
	done chan struct{}
	v    any
	err  error
}

// next starts a new generation; entries of older ones are dropped.
func (s *shared) next() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gen++
	s.entries = nil
}

// Shared returns read's answer for key, reading once per wake-up generation for all the
// subscribers of the hub that ask. Failed reads are not shared: each asker retries.
func Shared[T any](h *Hub, key string, read func() (T, error)) (T, error) {
	s := &h.shared
	s.mu.Lock()
	e, ok := s.entries[key]
	if ok && e.gen == s.gen && time.Since(e.at) < sharedFor {
		s.mu.Unlock()
		<-e.done
		if e.err == nil {
			return e.v.(T), nil
		}
		return read() // the reader failed: read (and retry) on our own
	}
	e = &sharedEntry{gen: s.gen, at: time.Now(), done: make(chan struct{})}
	if s.entries == nil {
		s.entries = map[string]*sharedEntry{}
	}
	s.entries[key] = e
	s.mu.Unlock()

	v, err := read()
	e.v, e.err = v, err
	close(e.done)
	if err != nil {
		s.mu.Lock()
		if s.entries[key] == e {
			delete(s.entries, key)
		}
		s.mu.Unlock()
	}
	return v, err
}
