package apitest_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/laborx/laborx/internal/apitest"
)

const feedQuery = `query($after: String) { changes(first: 100, after: $after) {
	totalCount edges { cursor node { sequence entityType entityId action actorCenter { code } payload } }
	pageInfo { hasNextPage endCursor } } }`

func TestChangeFeedOrderVisibilityAndResume(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	tng := e.AddCenter(t, "TNG", "19") // CREATED (all) + KEY_ADDED (TNG only)
	hpg := e.AddCenter(t, "HPG", "31") // CREATED (all) + KEY_ADDED (HPG only)

	kinds := func(r *apitest.Response) []string {
		var out []string
		for _, edge := range r.Get("changes.edges").([]any) {
			n := edge.(map[string]any)["node"].(map[string]any)
			out = append(out, n["entityType"].(string)+":"+n["action"].(string))
		}
		return out
	}
	r := e.Do(t, tng.Token(t, "viewer"), feedQuery, nil)
	r.NoErrors(t)
	if got := kinds(r); len(got) != 3 || got[0] != "Center:CREATED" || got[1] != "CenterKey:KEY_ADDED" || got[2] != "Center:CREATED" {
		t.Errorf("TNG's feed = %v, want its own key change and both centers' creation", got)
	}
	if n := r.Int(t, "changes.totalCount"); n != 3 {
		t.Errorf("totalCount = %d, want 3", n)
	}
	// Sequences ascend; the operator sees all four, gap-free.
	r = e.Do(t, e.OperatorToken(t), feedQuery, nil)
	var seqs []int
	for i := range r.Len("changes.edges") {
		seqs = append(seqs, r.Int(t, "changes.edges."+strconv.Itoa(i)+".node.sequence"))
	}
	if len(seqs) != 4 || seqs[0] != 1 || seqs[3] != 4 {
		t.Errorf("operator sequences = %v, want 1..4", seqs)
	}
	// Resuming after the second change gives the rest.
	cursor := r.String(t, "changes.edges.1.cursor")
	r = e.Do(t, hpg.Token(t, "viewer"), feedQuery, map[string]any{"after": cursor})
	if got := kinds(r); len(got) != 2 || got[0] != "Center:CREATED" || got[1] != "CenterKey:KEY_ADDED" {
		t.Errorf("HPG's feed after %s = %v", cursor, got)
	}
	r = e.Do(t, hpg.Token(t, "viewer"), feedQuery, map[string]any{"after": "garbage"})
	if codes := r.ErrorCodes(); len(codes) != 1 || codes[0] != "BAD_USER_INPUT" {
		t.Errorf("bad cursor: errors = %v", codes)
	}
}

// TestChangesSubscriptionAcrossInstances subscribes on one server and changes data
// through another on the same database: LISTEN/NOTIFY carries it across.
func TestChangesSubscriptionAcrossInstances(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	tng := e.AddCenter(t, "TNG", "19")
	_, second := e.NewInstance(t, apitest.Options{})
	latest := e.Do(t, tng.Token(t, "viewer"), feedQuery, nil).String(t, "changes.pageInfo.endCursor")

	sub := apitest.Subscribe(t, second.URL, tng.Token(t, "viewer"),
		`subscription($after: String) { changes(after: $after) { sequence entityType action payload } }`, map[string]any{"after": latest})

	// A change on the first instance visible to all: delivered on the second.
	e.AddCenter(t, "HPG", "31")
	ev := sub.Next(t, 20*time.Second)
	if ev["changes"].(map[string]any)["entityType"] != "Center" {
		t.Fatalf("first event = %v, want HPG's creation", ev)
	}
	// HPG's key change is not TNG's to see; the next TNG sees is BNH's creation.
	e.AddCenter(t, "BNH", "24")
	ev = sub.Next(t, 20*time.Second)
	c := ev["changes"].(map[string]any)
	if c["entityType"] != "Center" || c["payload"].(map[string]any)["code"] != "BNH" {
		t.Fatalf("second event = %v, want BNH's creation (HPG's key change is not TNG's to see)", ev)
	}
}

func TestSubscriptionRefusesBadTokens(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	_, err := apitest.Dial(t, e.Server.URL, "garbage")
	if err == nil {
		t.Fatal("connection with a garbage token was acknowledged")
	}
	if status := websocket.CloseStatus(err); status != 4403 || !strings.Contains(err.Error(), "UNAUTHENTICATED") {
		t.Errorf("close = %d (%v), want 4403 with UNAUTHENTICATED", status, err)
	}
}
