package apitest_test

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/laborx/laborx/internal/apitest"
	"github.com/laborx/laborx/internal/postgres"
)

// TestPoolerExecModes: the exec modes a transaction pooler allows (no named prepared
// statements) serve writes, the loaders' ANY($1) over arrays of UUIDs and the
// transaction-local settings row-level security reads. Chosen without a direct LISTEN
// URL, they are warned about: through a pooler LISTEN would hear nothing.
func TestPoolerExecModes(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	hpg := e.AddCenter(t, "HPG", "31")
	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeCacheDescribe, pgx.QueryExecModeDescribeExec} {
		t.Run(mode.String(), func(t *testing.T) {
			logs := &lockedBuffer{}
			_, srv := e.NewInstance(t, apitest.Options{Pool: postgres.PoolOptions{ExecMode: mode},
				Logger: slog.New(slog.NewJSONHandler(logs, nil))})
			if !strings.Contains(logs.String(), "without --listen-database-url") {
				t.Errorf("no warning that LISTEN may go through the pooler:\n%s", logs)
			}
			tok := hpg.Token(t, "publisher")
			r := apitest.Post(t, srv.URL, tok, publishDemand, map[string]any{"in": demandInput(map[string]any{"idempotencyKey": mode.String()})})
			r.NoErrors(t)
			id := r.String(t, "publishLaborDemand.laborDemand.id")
			r = apitest.Post(t, srv.URL, tok, `query($ids: [ID!]!) { nodes(ids: $ids) { ... on LaborDemand { id center { code } } }
				laborDemands(first: 5) { edges { node { center { code } } } } }`, map[string]any{"ids": []string{id, hpg.ID}})
			r.NoErrors(t)
			if got := r.String(t, "nodes.0.center.code"); got != "HPG" {
				t.Errorf("the demand's center through %s: %q, want HPG", mode, got)
			}
		})
	}
}
