package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
)

// Subscription is one graphql-transport-ws subscription, read as a client would.
type Subscription struct {
	conn *websocket.Conn
	ctx  context.Context
	// Cursor is the change-feed cursor of the last event Next returned
	// (extensions.cursor), what a client resubscribes with.
	Cursor string
	// CloseCode is the websocket close code Ended saw, 0 when the subscription ended
	// with complete instead.
	CloseCode websocket.StatusCode
	// A read NextWithin gave up waiting for stays pending for the next call: a
	// websocket read cannot be abandoned without closing the connection.
	pending chan wsRead
	reading bool
}

// nextPayload is a "next" message: an event, or the error that ends the stream.
type nextPayload struct {
	Data       map[string]any `json:"data"`
	Errors     []Error        `json:"errors"`
	Extensions struct {
		Cursor string `json:"cursor"`
	} `json:"extensions"`
}

type wsRead struct {
	m   wsMessage
	err error
}

type wsMessage struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// Dial opens a graphql-transport-ws connection and sends connection_init with the
// token. It returns the connection's first answer: connection_ack, or the close error
// when the server refuses the token.
func Dial(t testing.TB, baseURL, token string) (*websocket.Conn, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	url := "ws" + strings.TrimPrefix(baseURL, "http") + "/graphql"
	conn, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	t.Cleanup(func() { conn.CloseNow() })
	init, _ := json.Marshal(map[string]string{"authorization": "Bearer " + token})
	if err := wsjson.Write(ctx, conn, wsMessage{Type: "connection_init", Payload: init}); err != nil {
		t.Fatalf("connection_init: %v", err)
	}
	var ack wsMessage
	if err := wsjson.Read(ctx, conn, &ack); err != nil {
		return nil, err
	}
	if ack.Type != "connection_ack" {
		t.Fatalf("got %s, want connection_ack: %s", ack.Type, ack.Payload)
	}
	return conn, nil
}

// Subscribe starts a subscription on a new connection.
func Subscribe(t testing.TB, baseURL, token, query string, vars map[string]any) *Subscription {
	t.Helper()
	conn, err := Dial(t, baseURL, token)
	if err != nil {
		t.Fatalf("connection refused: %v", err)
	}
	payload, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	if err := wsjson.Write(ctx, conn, wsMessage{ID: "1", Type: "subscribe", Payload: payload}); err != nil {
		t.Fatalf("subscribe: %v", err)
	}
	return &Subscription{conn: conn, ctx: ctx}
}

// Next waits for the next event and returns its data. It fails the test on an error
// message or when nothing arrives within the wait.
func (s *Subscription) Next(t testing.TB, wait time.Duration) map[string]any {
	t.Helper()
	data, ok := s.NextWithin(t, wait)
	if !ok {
		t.Fatalf("no event within %s", wait)
	}
	return data
}

// NextWithin is Next that reports, instead of failing, when nothing arrives within the
// wait; the connection stays usable.
func (s *Subscription) NextWithin(t testing.TB, wait time.Duration) (map[string]any, bool) {
	t.Helper()
	if s.pending == nil {
		s.pending = make(chan wsRead, 1)
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		if !s.reading {
			s.reading = true
			go func() {
				var m wsMessage
				err := wsjson.Read(s.ctx, s.conn, &m)
				s.pending <- wsRead{m, err}
			}()
		}
		var m wsMessage
		select {
		case r := <-s.pending:
			s.reading = false
			if r.err != nil {
				t.Fatalf("waiting for an event: %v", r.err)
			}
			m = r.m
		case <-timer.C:
			return nil, false
		}
		ctx := s.ctx
		switch m.Type {
		case "ping":
			_ = wsjson.Write(ctx, s.conn, wsMessage{Type: "pong"})
			continue
		case "next":
			var p nextPayload
			if err := json.Unmarshal(m.Payload, &p); err != nil {
				t.Fatal(err)
			}
			if len(p.Errors) > 0 {
				t.Fatalf("event with errors: %s", m.Payload)
			}
			s.Cursor = p.Extensions.Cursor
			return p.Data, true
		default:
			t.Fatalf("unexpected %s message: %s", m.Type, m.Payload)
		}
	}
}

// Silent checks that no event arrives within the wait (events the subscriber may not
// see must not be delivered). It is a negative check, so pair it with a positive one
// that proves delivery works in the same test.
func (s *Subscription) Silent(t testing.TB, wait time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(s.ctx, wait)
	defer cancel()
	var m wsMessage
	for {
		err := wsjson.Read(ctx, s.conn, &m)
		if err != nil {
			return
		}
		if m.Type == "ping" {
			_ = wsjson.Write(ctx, s.conn, wsMessage{Type: "pong"})
			continue
		}
		t.Fatalf("expected no event, got %s: %s", m.Type, m.Payload)
	}
}

// SubscribeOnce starts a subscription that the server is expected to refuse and
// returns the refusal as a Response (gqlgen sends a resolver's refusal as a "next"
// message with errors and null data, a malformed one as "error").
func SubscribeOnce(t testing.TB, baseURL, token, query string, vars map[string]any) *Response {
	t.Helper()
	return Subscribe(t, baseURL, token, query, vars).refusal(t, 20*time.Second)
}

// refusal reads the error message that ends the subscription.
func (s *Subscription) refusal(t testing.TB, wait time.Duration) *Response {
	t.Helper()
	ctx, cancel := context.WithTimeout(s.ctx, wait)
	defer cancel()
	for {
		var m wsMessage
		if err := wsjson.Read(ctx, s.conn, &m); err != nil {
			t.Fatalf("waiting for the refusal: %v", err)
		}
		switch m.Type {
		case "ping":
			_ = wsjson.Write(ctx, s.conn, wsMessage{Type: "pong"})
		case "error":
			r := &Response{Raw: m.Payload}
			if err := json.Unmarshal(m.Payload, &r.Errors); err != nil {
				t.Fatal(err)
			}
			return r
		case "next":
			r := &Response{Raw: m.Payload}
			var p struct {
				Data   map[string]any `json:"data"`
				Errors []Error        `json:"errors"`
			}
			if err := json.Unmarshal(m.Payload, &p); err != nil {
				t.Fatal(err)
			}
			if len(p.Errors) == 0 {
				t.Fatalf("got an event, want a refusal: %s", m.Payload)
			}
			r.Data, r.Errors = p.Data, p.Errors
			return r
		default:
			t.Fatalf("got %s, want error: %s", m.Type, m.Payload)
		}
	}
}

// Ended waits for the server to complete the subscription (or close the connection)
// and fails the test if an event arrives instead or nothing happens within the wait.
func (s *Subscription) Ended(t testing.TB, wait time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(s.ctx, wait)
	defer cancel()
	for {
		var m wsMessage
		err := wsjson.Read(ctx, s.conn, &m)
		switch {
		case err != nil && websocket.CloseStatus(err) != -1:
			s.CloseCode = websocket.CloseStatus(err)
			return
		case err != nil:
			t.Fatalf("waiting for the subscription to end: %v", err)
		case m.Type == "complete":
			return
		case m.Type == "ping":
			_ = wsjson.Write(ctx, s.conn, wsMessage{Type: "pong"})
		default:
			t.Fatalf("expected the subscription to end, got %s: %s", m.Type, m.Payload)
		}
	}
}

// Failed waits for the server to end the subscription with an error: a "next" message
// carrying errors and no data, then complete (or the connection closing). It returns
// the errors and fails the test on an event, a bare complete, or nothing in the wait.
func (s *Subscription) Failed(t testing.TB, wait time.Duration) []Error {
	t.Helper()
	r := s.refusal(t, wait)
	s.Ended(t, wait)
	return r.Errors
}

// Read waits for the next event without a testing.TB, for goroutines that read many
// subscriptions at once (benchmarks); it answers pings and returns the event's data and
// cursor, or an error for anything but an event.
func (s *Subscription) Read(ctx context.Context) (map[string]any, string, error) {
	for {
		var m wsMessage
		if err := wsjson.Read(ctx, s.conn, &m); err != nil {
			return nil, "", err
		}
		if m.Type == "ping" {
			_ = wsjson.Write(ctx, s.conn, wsMessage{Type: "pong"})
			continue
		}
		var p nextPayload
		if err := json.Unmarshal(m.Payload, &p); m.Type != "next" || err != nil || len(p.Errors) > 0 {
			return nil, "", fmt.Errorf("got %s: %s", m.Type, m.Payload)
		}
		return p.Data, p.Extensions.Cursor, nil
	}
}

// ReadMessage is Read for benchmarks that read many subscriptions at once and check
// only part of each event: it reads the next message other than a ping (which it
// answers) into buf, reused from call to call, and returns its bytes, valid until the
// next call. A ctx that never ends (context.Background) spares the websocket library
// a hand-off per read to its timeout goroutine; Close then stops the read.
func (s *Subscription) ReadMessage(ctx context.Context, buf *bytes.Buffer) ([]byte, error) {
	for {
		_, r, err := s.conn.Reader(ctx)
		if err != nil {
			return nil, err
		}
		buf.Reset()
		if _, err := buf.ReadFrom(r); err != nil {
			return nil, err
		}
		if b := buf.Bytes(); !bytes.Contains(b, []byte(`"ping"`)) || !isPing(b) {
			return b, nil
		}
		_ = wsjson.Write(ctx, s.conn, wsMessage{Type: "pong"})
	}
}

func isPing(b []byte) bool {
	var m wsMessage
	return json.Unmarshal(b, &m) == nil && m.Type == "ping"
}

// Close closes the subscription's connection at once (a pending read returns an error).
func (s *Subscription) Close() { s.conn.CloseNow() }
