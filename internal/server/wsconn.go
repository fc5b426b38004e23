package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"slices"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/coder/websocket"
)

// coderWebsocket is gqlgen's adapter of coder/websocket (transport.CoderWebsocketImplementation,
// whose behaviour it keeps) with one change: an event's message is written without
// being encoded a second time. gqlgen encodes each response into the message's
// payload, then hands the message to the adapter, which encoded it again: the
// payload, already compact JSON, was scanned and copied once more for every event and
// subscriber. Here a "next" (or legacy "data") message is put together around its
// payload bytes as they are.
type coderWebsocket struct {
	opts websocket.AcceptOptions
}

var _ transport.WebsocketImplementation = coderWebsocket{}

func (u coderWebsocket) Accept(w http.ResponseWriter, r *http.Request, options transport.WebsocketAcceptOptions) (transport.WebsocketConn, error) {
	for key, values := range options.ResponseHeader {
		for _, value := range values {
			w.Header().Add(key, value)
		}
	}
	opts := u.opts
	opts.Subprotocols = slices.Clone(opts.Subprotocols)
	for _, p := range options.Subprotocols {
		if !slices.Contains(opts.Subprotocols, p) {
			opts.Subprotocols = append(opts.Subprotocols, p)
		}
	}
	conn, err := websocket.Accept(w, r, &opts)
	if err != nil {
		return nil, err
	}
	return &coderConn{conn: conn}, nil
}

type coderConn struct {
	conn *websocket.Conn

	mu                sync.Mutex
	readDeadlineTimer *time.Timer
	closeHandshake    bool
}

var (
	_ transport.WebsocketConn          = (*coderConn)(nil)
	_ transport.WebsocketReadLimiter   = (*coderConn)(nil)
	_ transport.WebsocketReadDeadliner = (*coderConn)(nil)
)

func (c *coderConn) Close() error {
	c.mu.Lock()
	c.stopReadDeadlineLocked()
	handshake := c.closeHandshake
	c.mu.Unlock()
	if handshake {
		return nil // WriteClose's goroutine closes the connection after the handshake
	}
	return c.conn.CloseNow()
}

func (c *coderConn) NextReader() (int, io.Reader, error) {
	typ, data, err := c.conn.Read(context.Background())
	switch {
	case err != nil && (websocket.CloseStatus(err) == websocket.StatusNormalClosure || websocket.CloseStatus(err) == websocket.StatusNoStatusRcvd):
		return int(typ), nil, transport.ErrWebsocketClosed
	case err != nil:
		return int(typ), nil, err
	}
	return int(typ), bytes.NewReader(data), nil
}

func (c *coderConn) WriteJSON(v any) error {
	if m, ok := v.(encodedMessage); ok {
		return c.conn.Write(context.Background(), websocket.MessageText, m)
	}
	data, ok := eventMessage(v)
	if !ok {
		var err error
		if data, err = json.Marshal(v); err != nil {
			return err
		}
	}
	return c.conn.Write(context.Background(), websocket.MessageText, data)
}

// WriteClose closes in the background: coder/websocket's close handshake waits up to
// 5 s for the peer's close frame, which must not hold up the transport's teardown.
func (c *coderConn) WriteClose(code int, message string) error {
	c.mu.Lock()
	c.stopReadDeadlineLocked()
	if c.closeHandshake {
		c.mu.Unlock()
		return nil
	}
	c.closeHandshake = true
	c.mu.Unlock()
	go func() { _ = c.conn.Close(websocket.StatusCode(code), message) }()
	return nil
}

func (c *coderConn) Subprotocol() string { return c.conn.Subprotocol() }

func (c *coderConn) SetReadLimit(limit int64) { c.conn.SetReadLimit(limit) }

// SetReadDeadline closes the connection when the deadline passes (the missing pong).
func (c *coderConn) SetReadDeadline(deadline time.Time) error {
	c.mu.Lock()
	c.stopReadDeadlineLocked()
	now := false
	if !deadline.IsZero() {
		if d := time.Until(deadline); d <= 0 {
			now = true
		} else {
			c.readDeadlineTimer = time.AfterFunc(d, func() { _ = c.conn.CloseNow() })
		}
	}
	c.mu.Unlock()
	if now {
		return c.conn.CloseNow()
	}
	return nil
}

func (c *coderConn) stopReadDeadlineLocked() {
	if c.readDeadlineTimer != nil {
		c.readDeadlineTimer.Stop()
		c.readDeadlineTimer = nil
	}
}

// messageFields are the field indexes of a gqlgen websocket message type (Payload
// json.RawMessage `json:"payload,omitempty"`, ID string `json:"id,omitempty"`, Type
// `json:"type"`); ok is false for a type of any other shape.
type messageFields struct {
	payload, id, typ int
	ok               bool
}

var messageShapes sync.Map // reflect.Type → messageFields

// eventMessage encodes v, a gqlgen message that carries an event, as json.Marshal
// would: {"payload":…,"id":"…","type":"next"}, the payload appended as it is (gqlgen
// produced it with json.Marshal: compact, HTML-escaped). It reports false for any
// other message or shape, which the caller encodes in full.
func eventMessage(v any) ([]byte, bool) {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return nil, false
	}
	rv = rv.Elem()
	f := fieldsOf(rv.Type())
	if !f.ok {
		return nil, false
	}
	typ, id := rv.Field(f.typ).String(), rv.Field(f.id).String()
	payload := rv.Field(f.payload).Bytes()
	if typ != "next" && typ != "data" || len(payload) == 0 || !plainText(id) {
		return nil, false
	}
	b := make([]byte, 0, len(payload)+len(id)+40)
	b = append(b, `{"payload":`...)
	b = append(b, payload...)
	if id != "" {
		b = append(b, `,"id":"`...)
		b = append(b, id...)
		b = append(b, '"')
	}
	b = append(b, `,"type":"`...)
	b = append(b, typ...)
	return append(b, `"}`...), true
}

func fieldsOf(t reflect.Type) messageFields {
	if f, ok := messageShapes.Load(t); ok {
		return f.(messageFields)
	}
	f := messageFields{payload: -1, id: -1, typ: -1}
	exported := 0
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		exported++
		switch tag := sf.Tag.Get("json"); {
		case tag == "payload,omitempty" && sf.Type == reflect.TypeFor[json.RawMessage]():
			f.payload = i
		case tag == "id,omitempty" && sf.Type.Kind() == reflect.String:
			f.id = i
		case tag == "type" && sf.Type.Kind() == reflect.String:
			f.typ = i
		}
	}
	f.ok = exported == 3 && f.payload >= 0 && f.id >= 0 && f.typ >= 0
	messageShapes.Store(t, f)
	return f
}

// plainText reports whether s is JSON string text as it is: printable ASCII that
// json.Marshal would not escape.
func plainText(s string) bool {
	for i := range len(s) {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}
