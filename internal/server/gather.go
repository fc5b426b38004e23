package server

import (
	"bufio"
	"net"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// A websocket connection's frames are written by one goroutine per connection, which
// writes whatever frames have gathered meanwhile with one system call. The websocket
// library flushes every message on its own (one write(2) per event and subscriber);
// a `write` on a loopback or LAN socket costs more CPU than rendering the event, so an
// instance that falls behind a burst (a thousand subscribers, fifty changes a second)
// spends most of its time in them. With the writes gathered, the further it falls
// behind the cheaper each event gets, and it catches up: frames waiting for one socket
// go out together, in the order they were written. An instance that keeps up writes
// each frame at once, as before.

// maxPendingWrites is how many bytes a connection may have waiting for its writer
// before the next frame's writer blocks, as a full socket buffer blocked it before:
// a client that stops reading holds up its own subscriptions, not the instance.
const maxPendingWrites = 256 << 10

// closeFlushWait bounds how long closing a connection waits for its waiting frames
// (the close frame among them) to be written.
const closeFlushWait = time.Second

// gatheringWriter lets the websocket library hijack the connection through a
// gatheredConn (see above).
type gatheringWriter struct {
	http.ResponseWriter
	counts *writeCounts
}

// gatherWrites wraps the response writer of a websocket upgrade; counts (nil: none)
// counts its frames and writes.
func gatherWrites(w http.ResponseWriter, counts *writeCounts) http.ResponseWriter {
	return gatheringWriter{w, counts}
}

// writeCounts counts the frames written to websockets and the writes they took.
type writeCounts struct {
	frames, writes atomic.Int64
}

// Unwrap lets http.ResponseController reach the server's writer.
func (w gatheringWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Hijack hands the websocket library the connection with gathered writes. net/http
// has already flushed the 101 answer, so a fresh buffered writer loses nothing.
func (w gatheringWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	g := newGatheredConn(conn, w.counts)
	return g, bufio.NewReadWriter(brw.Reader, bufio.NewWriter(g)), nil
}

// gatheredConn is a net.Conn whose Write queues the bytes for its writer goroutine.
type gatheredConn struct {
	net.Conn

	mu      sync.Mutex
	cond    *sync.Cond // pending filled or drained, err set, or closing
	pending []byte     // written by the caller, not yet by the writer
	spare   []byte     // the writer's last batch, reused
	err     error      // the writer's write failed: every later Write fails with it
	closing bool
	done    chan struct{} // closed when the writer goroutine has returned
	counts  *writeCounts
}

func newGatheredConn(conn net.Conn, counts *writeCounts) *gatheredConn {
	g := &gatheredConn{Conn: conn, counts: counts, done: make(chan struct{})}
	g.cond = sync.NewCond(&g.mu)
	go g.writeLoop()
	return g
}

// Write queues p; it blocks only while maxPendingWrites bytes wait already.
func (g *gatheredConn) Write(p []byte) (int, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for len(g.pending) >= maxPendingWrites && g.err == nil && !g.closing {
		g.cond.Wait()
	}
	switch {
	case g.err != nil:
		return 0, g.err
	case g.closing:
		return 0, net.ErrClosed
	}
	if g.counts != nil {
		g.counts.frames.Add(1)
	}
	g.pending = append(g.pending, p...)
	g.cond.Broadcast()
	return len(p), nil
}

// writeLoop writes what gathered, in order, until the connection closes and nothing
// waits, or a write fails.
func (g *gatheredConn) writeLoop() {
	defer close(g.done)
	g.mu.Lock()
	defer g.mu.Unlock()
	for {
		for len(g.pending) == 0 && !g.closing {
			g.cond.Wait()
		}
		if len(g.pending) == 0 {
			return
		}
		// Let whatever else is runnable go first (no wait when nothing is): when the
		// instance is behind, the other frames for this socket are being rendered.
		g.mu.Unlock()
		runtime.Gosched()
		g.mu.Lock()
		batch := g.pending
		g.pending = g.spare[:0]
		g.mu.Unlock()
		if g.counts != nil {
			g.counts.writes.Add(1)
		}
		_, err := g.Conn.Write(batch)
		g.mu.Lock()
		g.spare = batch
		g.cond.Broadcast()
		if err != nil {
			g.err = err
			g.pending = nil
			return
		}
	}
}

// Close writes the frames still waiting (for at most closeFlushWait: a peer that reads
// nothing more must not hold the close up) and closes the connection.
func (g *gatheredConn) Close() error {
	g.mu.Lock()
	g.closing = true
	g.cond.Broadcast()
	g.mu.Unlock()
	select {
	case <-g.done:
	case <-time.After(closeFlushWait):
	}
	return g.Conn.Close()
}
