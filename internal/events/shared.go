package events

import (
	"sync"
	"time"
)

// sharedFor is how long a shared read is reused: the subscribers woken by one change
// ask for its object within that time even when the instance is slow (a thousand
// subscribers on a starved machine took seconds), and its answer is a state at or
// after that change, as a subscriber's own read would be; one asking later reads
// afresh.
const sharedFor = 5 * time.Second

// shared lets the subscribers of one instance share the reads a change causes: every
// subscriber with the same rights loads the same object for the same change (callers
// put the change's sequence in the key), so the first one reads, the others wait for
// and reuse its answer.
type shared struct {
	mu      sync.Mutex
	entries map[SharedKey]*sharedEntry
}

// SharedKey names a shared read: what is read (a kind of object, a render), for
// which change, and for whom (callers alike: everything of them the read depends on).
// Its parts are strings a subscription makes once, so a delivery builds none.
type SharedKey struct {
	What string
	Seq  int64
	Who  string
}

type sharedEntry struct {
	at   time.Time
	done chan struct{}
	v    any
	err  error
}

// sweep drops the entries too old to be reused.
func (s *shared) sweep() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, e := range s.entries {
		if time.Since(e.at) >= sharedFor {
			delete(s.entries, k)
		}
	}
}

// Shared returns read's answer for key, reading once for all the subscribers of the hub
// that ask within sharedFor. Failed reads are not shared: each asker retries.
func Shared[T any](h *Hub, key SharedKey, read func() (T, error)) (T, error) {
	s := &h.shared
	s.mu.Lock()
	e, ok := s.entries[key]
	if ok && time.Since(e.at) < sharedFor {
		s.mu.Unlock()
		<-e.done
		if e.err == nil {
			return e.v.(T), nil
		}
		return read() // the reader failed: read (and retry) on our own
	}
	e = &sharedEntry{at: time.Now(), done: make(chan struct{})}
	if s.entries == nil {
		s.entries = map[SharedKey]*sharedEntry{}
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

// Cached returns the answer Shared has for key when it is read already (successfully,
// within sharedFor), without waiting for a read under way or starting one.
func Cached[T any](h *Hub, key SharedKey) (T, bool) {
	s := &h.shared
	s.mu.Lock()
	e, ok := s.entries[key]
	s.mu.Unlock()
	var zero T
	if !ok || time.Since(e.at) >= sharedFor {
		return zero, false
	}
	select {
	case <-e.done:
		if e.err == nil {
			return e.v.(T), true
		}
	default:
	}
	return zero, false
}
