package server

import (
	"encoding/json"
	"testing"

	"github.com/99designs/gqlgen/graphql"
)

// message has the shape of gqlgen's websocket messages.
type message struct {
	Payload json.RawMessage `json:"payload,omitempty"`
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	_       bool            // gqlgen's have an unexported field
}

// An event's message is the bytes json.Marshal writes; any other message is left to it.
func TestEventMessageIsWhatMarshalWrites(t *testing.T) {
	payload, err := json.Marshal(&graphql.Response{Data: json.RawMessage(`{"laborDemandPublished": {"title": "<Thợ hàn & phụ>\u00e9"}}`),
		Extensions: map[string]any{"cursor": "MTIz"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []*message{
		{Payload: payload, ID: "1", Type: "next"},
		{Payload: payload, ID: "sub-7_x", Type: "data"},
		{Payload: payload, Type: "next"},
	} {
		got, ok := eventMessage(m)
		want, _ := json.Marshal(m)
		if !ok || string(got) != string(want) {
			t.Errorf("eventMessage(%+v) = %s, %t; want %s", m, got, ok, want)
		}
	}
	for _, m := range []any{
		&message{Payload: payload, ID: `a"b`, Type: "next"}, // needs escaping
		&message{Payload: payload, ID: "<1>", Type: "next"},
		&message{Payload: json.RawMessage(` { "x" : 1 } `), ID: "1", Type: "pong"}, // a client's, not compact
		&message{Type: "next"},
		message{Payload: payload, ID: "1", Type: "next"}, // not a pointer
		&struct {
			Payload json.RawMessage `json:"payload"`
			ID      string          `json:"id,omitempty"`
			Type    string          `json:"type"`
		}{Payload: payload, ID: "1", Type: "next"},
	} {
		if got, ok := eventMessage(m); ok {
			t.Errorf("eventMessage(%+v) = %s, want it left to json.Marshal", m, got)
		}
	}
}
