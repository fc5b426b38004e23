package server

import (
	"io"
	"net"
	"testing"
)

// Frames written while the socket is busy go out together, in order, and closing
// writes what still waits before the connection closes.
func TestGatheredWritesKeepOrderAndFlushOnClose(t *testing.T) {
	client, peer := net.Pipe() // a write blocks until the peer reads it
	counts := &writeCounts{}
	g := newGatheredConn(client, counts)
	frames := []string{"one ", "two ", "three ", "four "}
	for _, f := range frames {
		if n, err := g.Write([]byte(f)); err != nil || n != len(f) {
			t.Fatalf("write %q: %d, %v", f, n, err)
		}
	}
	got := make(chan string)
	go func() {
		b, _ := io.ReadAll(peer)
		got <- string(b)
	}()
	if _, err := g.Write([]byte("close")); err != nil {
		t.Fatal(err)
	}
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}
	if s := <-got; s != "one two three four close" {
		t.Fatalf("peer read %q", s)
	}
	// Nobody read while the four were written: the writer blocked on the first write
	// and the rest waited for it together.
	if f, w := counts.frames.Load(), counts.writes.Load(); f != 5 || w > 3 {
		t.Fatalf("%d frames in %d writes, want 5 in at most 3", f, w)
	}
	if _, err := g.Write([]byte("late")); err == nil {
		t.Fatal("write after close succeeded")
	}
}
