package apitest_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/laborx/laborx/internal/apitest"
)

// TestWebsocketProtocolMessages: graphql-transport-ws (served by laborx's own
// transport) answers as gqlgen's did, message for message: ping is answered with pong
// and its payload, a subscription that does not validate with error and complete, an
// event with next carrying extensions.cursor, and a message a client may not send
// closes the connection. The legacy graphql-ws protocol is still served (by gqlgen).
func TestWebsocketProtocolMessages(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	tng := e.AddCenter(t, "TNG", "19")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := apitest.Dial(t, e.Server.URL, tng.Token(t, "viewer"))
	if err != nil {
		t.Fatal(err)
	}
	exchange := func(send string, want ...string) {
		t.Helper()
		if err := conn.Write(ctx, websocket.MessageText, []byte(send)); err != nil {
			t.Fatal(err)
		}
		for _, w := range want {
			_, got, err := conn.Read(ctx)
			if err != nil {
				t.Fatalf("after %s: %v", send, err)
			}
			if string(got) != w && !(strings.HasSuffix(w, "*") && strings.HasPrefix(string(got), strings.TrimSuffix(w, "*"))) {
				t.Errorf("after %s: got %s, want %s", send, got, w)
			}
		}
	}
	exchange(`{"type":"ping","payload":{"n": 1}}`, `{"payload":{"n":1},"type":"pong"}`)
	exchange(`{"type":"ping"}`, `{"type":"pong"}`)
	exchange(`{"id":"a","type":"subscribe","payload":{"query":"subscription { nope }"}}`,
		`{"payload":[{"message":*`, `{"id":"a","type":"complete"}`)
	publisher := e.AddCenter(t, "HPG", "31").Token(t, "publisher")
	// From the feed's tip now: the subscription may start after the publish below.
	exchange(`{"id":"b","type":"subscribe","payload":{"query":"subscription($after: String) { changes(after: $after) { entityId } }","variables":{"after":"` +
		feedCursor(t, e) + `"}}}`)
	e.Do(t, publisher, publishDemand, map[string]any{"in": demandInput(map[string]any{"title": "Giao thức"})}).NoErrors(t)
	_, got, err := conn.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(got), `{"payload":{"data":{"changes":{"entityId":"`) ||
		!strings.Contains(string(got), `"}},"extensions":{"cursor":"`) || !strings.HasSuffix(string(got), `"}},"id":"b","type":"next"}`) {
		t.Errorf("event: %s", got)
	}
	// A publish may make more than one change: events of b may still come before the
	// complete that answers the client's.
	if err := conn.Write(ctx, websocket.MessageText, []byte(`{"id":"b","type":"complete"}`)); err != nil {
		t.Fatal(err)
	}
	for {
		_, got, err := conn.Read(ctx)
		if err != nil {
			t.Fatalf("after complete: %v", err)
		}
		if string(got) == `{"id":"b","type":"complete"}` {
			break
		}
		if !strings.HasSuffix(string(got), `,"id":"b","type":"next"}`) {
			t.Fatalf("after complete: got %s, want complete", got)
		}
	}
	exchange(`{"type":"next","id":"b"}`)
	if _, _, err := conn.Read(ctx); websocket.CloseStatus(err) != websocket.StatusNormalClosure {
		t.Errorf("after a server's message from the client: %v, want the connection closed", err)
	}

	legacy, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(e.Server.URL, "http")+"/graphql",
		&websocket.DialOptions{Subprotocols: []string{"graphql-ws"}})
	if err != nil {
		t.Fatal(err)
	}
	defer legacy.CloseNow()
	if legacy.Subprotocol() != "graphql-ws" {
		t.Fatalf("subprotocol %q, want graphql-ws", legacy.Subprotocol())
	}
	init := `{"type":"connection_init","payload":{"authorization":"Bearer ` + tng.Token(t, "viewer") + `"}}`
	if err := legacy.Write(ctx, websocket.MessageText, []byte(init)); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`{"type":"connection_ack"}`, `{"type":"ka"}`} {
		if _, got, err := legacy.Read(ctx); err != nil || string(got) != want {
			t.Errorf("graphql-ws: got %s %v, want %s", got, err, want)
		}
	}
}
