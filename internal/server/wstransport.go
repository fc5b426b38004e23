package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/laborx/laborx/graph"
)

// transportWS serves graphql-transport-ws (the graphql-ws library's protocol) as
// gqlgen's websocket transport does, message for message and close code for close
// code, with one difference that counts: an event's "next" message is written around
// the response's data as the executor produced it. gqlgen's transport encodes each
// response with json.Marshal, which re-scans and copies the data, once per subscriber
// and event; the data of an event shared by subscribers alike (graph.Streams) is the
// same bytes for all of them, and only the subscription's id is put around it here.
// Operations run through gqlgen's executor as before. The legacy graphql-ws protocol
// (subscriptions-transport-ws), chosen by a client that offers it, stays with gqlgen's
// transport.
type transportWS struct {
	implementation transport.WebsocketImplementation
	initTimeout    time.Duration
	init           wsInitFunc
}

// wsInitFunc checks a connection_init payload: the connection's context, or the
// refusal with the close code and reason to close with.
type wsInitFunc func(ctx context.Context, payload transport.InitPayload) (context.Context, *wsRefusal)

// wsRefusal is a connection refused at connection_init: err's text is what gqlgen
// would send as a connection error (graphql-transport-ws has none; it closes).
type wsRefusal struct {
	err    error
	code   int
	reason string
}

// gqlgenInit adapts init to gqlgen's transport (the legacy protocol).
func gqlgenInit(init wsInitFunc) transport.WebsocketInitFunc {
	return func(ctx context.Context, payload transport.InitPayload) (context.Context, *transport.InitPayload, error) {
		ctx, refused := init(ctx, payload)
		if refused != nil {
			ctx = transport.WithWebsocketCloseCode(ctx, refused.code)
			ctx = transport.AppendCloseReason(ctx, refused.reason)
			return ctx, nil, refused.err
		}
		return ctx, nil, nil
	}
}

const (
	subprotocolTransportWS = "graphql-transport-ws"
	subprotocolGraphQLWS   = "graphql-ws"
	// wsReadLimit is gqlgen's default bound on a client's message.
	wsReadLimit = 1 << 20
)

var _ graphql.Transport = transportWS{}

// Supports takes the websocket requests gqlgen's transport would serve with
// graphql-transport-ws: the client offers it and not graphql-ws, which gqlgen prefers.
func (t transportWS) Supports(r *http.Request) bool {
	if !isWebsocket(r) {
		return false
	}
	offered := false
	for _, values := range r.Header.Values("Sec-WebSocket-Protocol") {
		for p := range strings.SplitSeq(values, ",") {
			switch strings.TrimSpace(p) {
			case subprotocolGraphQLWS:
				return false
			case subprotocolTransportWS:
				offered = true
			}
		}
	}
	return offered
}

func (t transportWS) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	ws, err := t.implementation.Accept(w, r, transport.WebsocketAcceptOptions{
		ResponseHeader: http.Header{},
		Subprotocols:   []string{subprotocolTransportWS},
	})
	if err != nil {
		transport.SendErrorf(w, http.StatusBadRequest, "unable to upgrade")
		return
	}
	if ws.Subprotocol() != subprotocolTransportWS {
		_ = ws.WriteClose(transport.WebsocketCloseProtocolError, fmt.Sprintf("unsupported negotiated subprotocol %s", ws.Subprotocol()))
		return
	}
	if l, ok := ws.(transport.WebsocketReadLimiter); ok {
		l.SetReadLimit(wsReadLimit)
	}
	c := &wsConn{conn: ws, ctx: r.Context(), exec: exec, headers: r.Header, active: map[string]context.CancelFunc{}}
	if c.start(t) {
		c.run()
	}
}

// wsConn is one graphql-transport-ws connection.
type wsConn struct {
	conn    transport.WebsocketConn
	ctx     context.Context // the connection's, once connection_init is accepted
	exec    graphql.GraphExecutor
	headers http.Header

	mu     sync.Mutex // serialises writes and guards active, closed, event
	active map[string]context.CancelFunc
	closed bool
	event  []byte // the last event message, its buffer reused for the next one
}

// wsMessage is a graphql-transport-ws message, its fields in gqlgen's order.
type wsMessage struct {
	Payload json.RawMessage `json:"payload,omitempty"`
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
}

var (
	errWSInvalid     = errors.New("invalid message received")
	errWSReadTimeout = errors.New("read timeout")
)

// next reads the client's next message; a message that does not decode, or whose type
// is not one a client sends, is an error, as in gqlgen.
func (c *wsConn) next() (wsMessage, error) {
	_, r, err := c.conn.NextReader()
	if err != nil {
		return wsMessage{}, err
	}
	var m wsMessage
	dec := json.NewDecoder(r)
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return wsMessage{}, errWSInvalid
	}
	switch m.Type {
	case "connection_init", "subscribe", "complete", "ping", "pong":
		return m, nil
	}
	return wsMessage{}, errWSInvalid
}

func (c *wsConn) nextWithin(d time.Duration) (wsMessage, error) {
	type read struct {
		m   wsMessage
		err error
	}
	done := make(chan read, 1)
	go func() {
		m, err := c.next()
		done <- read{m, err}
	}()
	select {
	case r := <-done:
		return r.m, r.err
	case <-time.After(d):
		return wsMessage{}, errWSReadTimeout
	}
}

// start waits for connection_init and checks it; false when the connection is closed.
func (c *wsConn) start(t transportWS) bool {
	var m wsMessage
	var err error
	if t.initTimeout != 0 {
		m, err = c.nextWithin(t.initTimeout)
	} else {
		m, err = c.next()
	}
	switch {
	case errors.Is(err, errWSReadTimeout):
		c.close(transport.WebsocketCloseProtocolError, "connection initialisation timeout")
		return false
	case err != nil:
		c.close(transport.WebsocketCloseProtocolError, "decoding error")
		return false
	case m.Type != "connection_init":
		c.close(transport.WebsocketCloseProtocolError, "unexpected message")
		return false
	}
	var payload transport.InitPayload
	if len(m.Payload) > 0 {
		if err := json.Unmarshal(m.Payload, &payload); err != nil {
			c.close(transport.WebsocketCloseProtocolError, "decoding error")
			return false
		}
	}
	ctx, refused := t.init(c.ctx, payload)
	if refused != nil {
		reason := refused.reason
		if reason == "" {
			reason = "terminated"
		}
		c.close(refused.code, reason)
		return false
	}
	c.ctx = ctx
	c.send(wsMessage{Type: "connection_ack"})
	return true
}

func (c *wsConn) run() {
	ctx, cancel := context.WithCancel(c.ctx)
	defer cancel()
	go func() {
		<-ctx.Done()
		c.close(transport.WebsocketCloseNormalClosure, "terminated")
	}()
	for {
		start := graphql.Now()
		m, err := c.next()
		if err != nil {
			return // the client closed, or sent what is not a client's message
		}
		switch m.Type {
		case "subscribe":
			c.subscribe(start, m)
		case "complete":
			c.mu.Lock()
			stop := c.active[m.ID]
			c.mu.Unlock()
			if stop != nil {
				stop()
			}
		case "ping":
			c.send(wsMessage{Type: "pong", Payload: m.Payload})
		case "pong":
		case "connection_init":
			c.close(transport.WebsocketCloseProtocolError, "unexpected message")
			return
		}
	}
}

func (c *wsConn) subscribe(start time.Time, m wsMessage) {
	ctx := graphql.StartOperationTrace(c.ctx)
	params := &graphql.RawParams{}
	dec := json.NewDecoder(bytes.NewReader(m.Payload))
	dec.UseNumber()
	if err := dec.Decode(params); err != nil {
		c.sendErrors(m.ID, &gqlerror.Error{Message: "invalid json"})
		c.complete(m.ID)
		return
	}
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	params.Headers = c.headers
	rc, errs := c.exec.CreateOperationContext(ctx, params)
	if errs != nil {
		resp := c.exec.DispatchError(graphql.WithOperationContext(ctx, rc), errs)
		if errcode.GetErrorKind(errs) == errcode.KindProtocol {
			c.sendErrors(m.ID, resp.Errors...)
		} else {
			c.sendResponse(m.ID, &graphql.Response{Errors: errs})
		}
		c.complete(m.ID)
		return
	}
	ctx, cancel := context.WithCancel(graphql.WithOperationContext(ctx, rc))
	c.mu.Lock()
	c.active[m.ID] = cancel
	c.mu.Unlock()
	go func() {
		defer func() {
			if r := recover(); r != nil {
				err := rc.Recover(ctx, r)
				var gqlErr *gqlerror.Error
				if !errors.As(err, &gqlErr) {
					gqlErr = &gqlerror.Error{}
					if err != nil {
						gqlErr.Message = err.Error()
					}
				}
				c.sendErrors(m.ID, gqlErr)
			}
			if c.ctx.Err() == nil {
				// A cancelled connection closes the socket; complete would read as a normal end.
				c.complete(m.ID)
			}
			c.mu.Lock()
			delete(c.active, m.ID)
			c.mu.Unlock()
			cancel()
		}()
		responses, ctx := c.exec.DispatchOperation(ctx, rc)
		for {
			if resp, ok := graph.SharedEvent(ctx); ok {
				c.sendResponse(m.ID, resp) // rendered for a subscriber alike
				continue
			}
			resp := responses(ctx)
			if resp == nil {
				return
			}
			c.sendResponse(m.ID, resp)
		}
	}()
}

// sendResponse sends resp as a "next" message. An event's (data and extensions, no
// errors) is written around its data as it is; any other is encoded as gqlgen does.
func (c *wsConn) sendResponse(id string, resp *graphql.Response) {
	c.mu.Lock()
	if msg, ok := appendNext(c.event[:0], id, resp); ok {
		// The websocket library has copied msg when Write returns: its buffer is free.
		c.event = msg
		_ = c.conn.WriteJSON(encodedMessage(msg))
		c.mu.Unlock()
		return
	}
	c.mu.Unlock()
	b, err := json.Marshal(resp)
	if err != nil {
		panic(err)
	}
	c.send(wsMessage{ID: id, Type: "next", Payload: b})
}

func (c *wsConn) complete(id string) { c.send(wsMessage{ID: id, Type: "complete"}) }

func (c *wsConn) sendErrors(id string, list ...*gqlerror.Error) {
	errs := make([]error, len(list))
	for i, err := range list {
		errs[i] = err
	}
	b, err := json.Marshal(errs)
	if err != nil {
		panic(err)
	}
	c.send(wsMessage{ID: id, Type: "error", Payload: b})
}

// send writes m encoded as encoding/json does (gqlgen's messages).
func (c *wsConn) send(m wsMessage) {
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	c.write(b)
}

func (c *wsConn) write(msg []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	_ = c.conn.WriteJSON(encodedMessage(msg))
}

func (c *wsConn) close(code int, reason string) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	_ = c.conn.WriteClose(code, reason)
	for _, stop := range c.active {
		stop()
	}
	c.closed = true
	c.mu.Unlock()
	_ = c.conn.Close()
}

// appendNext appends to b the "next" message of an event, {"payload":{"data":…,
// "extensions":{"cursor":"…"}},"id":"…","type":"next"}, its data as the executor
// wrote it (valid, compact JSON); false for a response of another shape (errors,
// incremental parts, other extensions), which the caller encodes in full.
func appendNext(b []byte, id string, resp *graphql.Response) ([]byte, bool) {
	if len(resp.Errors) > 0 || resp.Label != "" || resp.Path != nil || resp.HasNext != nil || !plainText(id) {
		return nil, false
	}
	var cursor string
	switch len(resp.Extensions) {
	case 0:
	case 1:
		s, ok := resp.Extensions["cursor"].(string)
		if !ok || !plainText(s) {
			return nil, false
		}
		cursor = s
	default:
		return nil, false
	}
	data := []byte(resp.Data)
	if len(data) == 0 {
		data = []byte("null")
	}
	b = append(b, `{"payload":{"data":`...)
	b = append(b, data...)
	if len(resp.Extensions) == 1 {
		b = append(b, `,"extensions":{"cursor":"`...)
		b = append(b, cursor...)
		b = append(b, `"}`...)
	}
	b = append(b, `},"id":"`...)
	b = append(b, id...)
	return append(b, `","type":"next"}`...), true
}

// encodedMessage is a websocket message already encoded: coderConn writes it as it is.
type encodedMessage []byte
