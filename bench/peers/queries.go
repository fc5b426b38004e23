package main

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/laborx/laborx/internal/app"
	"github.com/laborx/laborx/internal/demo"
	"github.com/laborx/laborx/internal/exchange"
	"github.com/laborx/laborx/internal/pii"
	"github.com/laborx/laborx/internal/server"
)

// query is one request measured on every system that can answer it.
type query struct {
	name        string
	what        string
	laborx      string // request body
	postgraphle string // request body; empty when PostGraphile has no equivalent here
	pgbench     bool   // replay laborx's statements with pgbench
	script      string // pgbench script file, filled by capture
	defines     []string
	statements  int // statements laborx ran for one request, from the tracer
}

const demandFields = `id title quantity wageMin wageMax center { code name province { name } } occupation { code titleVi } workProvince { code name }`

const pgDemandFields = `id title quantity wageMin wageMax centerByCenterId { code name provinceByProvinceCode { name } }
	occupationByOccupationCode { code titleVi } provinceByWorkProvinceCode { code name }`

func definedQueries(demandID string, demandUUID string) []*query {
	q3filter := `filter: {occupationCode: "8", provinceCodes: ["01", "79", "31"], statuses: [OPEN]}`
	pgQ3filter := `filter: {occupationCode: {startsWith: "8"}, workProvinceCode: {in: ["01", "79", "31"]}, status: {equalTo: "OPEN"}}`
	expires := time.Now().UTC().AddDate(0, 1, 0).Format(time.RFC3339)
	return []*query{
		{name: "Q1", what: "50 newest demands with center, its province, occupation, work province",
			laborx:      gqlBody(`{ laborDemands(first: 50) { edges { node { `+demandFields+` } } } }`, nil),
			postgraphle: gqlBody(`{ allLaborDemands(first: 50, orderBy: [CREATED_AT_DESC, ID_DESC]) { edges { node { `+pgDemandFields+` } } } }`, nil),
			pgbench:     true},
		{name: "Q2", what: "Q1 + totalCount",
			laborx:      gqlBody(`{ laborDemands(first: 50) { totalCount edges { node { `+demandFields+` } } } }`, nil),
			postgraphle: gqlBody(`{ allLaborDemands(first: 50, orderBy: [CREATED_AT_DESC, ID_DESC]) { totalCount edges { node { `+pgDemandFields+` } } } }`, nil),
			pgbench:     true},
		{name: "Q3", what: "occupation prefix 8 + 3 provinces + OPEN, 50, nested",
			laborx:      gqlBody(`{ laborDemands(first: 50, `+q3filter+`) { edges { node { `+demandFields+` } } } }`, nil),
			postgraphle: gqlBody(`{ allLaborDemands(first: 50, orderBy: [CREATED_AT_DESC, ID_DESC], `+pgQ3filter+`) { edges { node { `+pgDemandFields+` } } } }`, nil),
			pgbench:     true},
		{name: "Q4", what: "one demand by id, nested",
			laborx:      gqlBody(`query($id: ID!) { node(id: $id) { ... on LaborDemand { `+demandFields+` } } }`, map[string]any{"id": demandID}),
			postgraphle: gqlBody(`query($id: UUID!) { laborDemandById(id: $id) { `+pgDemandFields+` } }`, map[string]any{"id": demandUUID}),
			pgbench:     true},
		{name: "viewer", what: "{ viewer { roles } }",
			laborx: gqlBody(`{ viewer { roles } }`, nil), pgbench: true},
		{name: "publish", what: "publishLaborDemand (a new demand per request)",
			laborx: gqlBody(`mutation($exp: DateTime!) { publishLaborDemand(input: {employer: {name: "Công ty Bench"}, occupationCode: "8153",
				title: "Công nhân may (bench)", quantity: 5, workProvinceCode: "01", employmentType: FULL_TIME, expiresAt: $exp}) {
				laborDemand { id } userErrors { code } } }`, map[string]any{"exp": expires})},
	}
}

// prepareQueries checks that laborx and PostGraphile return the same rows for each
// query, then captures the SQL laborx runs for it as a pgbench script.
func (b *bench) prepareQueries(ctx context.Context, systems []*system) ([]*query, error) {
	var lx, pg *system
	for _, s := range systems {
		switch s.kind {
		case "laborx":
			lx = s
		case "postgraphile":
			pg = s
		}
	}
	first, err := post(lx.url, lx.token, gqlBody(`{ laborDemands(first: 1) { edges { node { id } } } }`, nil))
	if err != nil {
		return nil, fmt.Errorf("laborx: %w", err)
	}
	id := dig(first, "laborDemands", "edges", 0, "node", "id").(string)
	_, key, err := exchange.ParseGlobalID(id)
	if err != nil {
		return nil, err
	}
	queries := definedQueries(id, key.String())
	if b.cfg.only != "" {
		queries = slicesFilter(queries, func(q *query) bool { return slicesContains(strings.Split(b.cfg.only, ","), q.name) })
	}
	for _, q := range queries {
		if q.postgraphle == "" || q.name == "publish" {
			continue
		}
		a, err := post(lx.url, lx.token, q.laborx)
		if err != nil {
			return nil, fmt.Errorf("%s on laborx: %w", q.name, err)
		}
		p, err := post(pg.url, pg.token, q.postgraphle)
		if err != nil {
			return nil, fmt.Errorf("%s on PostGraphile: %w", q.name, err)
		}
		if la, pa := rowsOf(a), rowsOf(p); la != pa {
			return nil, fmt.Errorf("%s: laborx and PostGraphile disagree:\n  laborx:       %.400s\n  PostGraphile: %.400s", q.name, la, pa)
		}
	}
	return queries, b.capture(ctx, queries)
}

// rowsOf reduces a response to what both systems must agree on: the demands' titles
// and quantities in order, and totalCount where asked.
func rowsOf(data map[string]any) string {
	var out []string
	for _, v := range data {
		conn, _ := v.(map[string]any)
		if tc, ok := conn["totalCount"]; ok {
			out = append(out, fmt.Sprintf("total=%v", tc))
		}
		nodes := []any{conn}
		if edges, ok := conn["edges"].([]any); ok {
			nodes = nil
			for _, e := range edges {
				nodes = append(nodes, e.(map[string]any)["node"])
			}
		}
		for _, n := range nodes {
			n := n.(map[string]any)
			out = append(out, fmt.Sprintf("%v/%v", n["title"], n["quantity"]))
		}
	}
	return fmt.Sprintf("%d %s", len(out), strings.Join(out, ","))
}

func dig(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			v = v.(map[string]any)[k]
		case int:
			v = v.([]any)[k]
		}
	}
	return v
}

func slicesFilter[T any](s []T, keep func(T) bool) []T {
	var out []T
	for _, x := range s {
		if keep(x) {
			out = append(out, x)
		}
	}
	return out
}

func slicesContains(s []string, x string) bool {
	for _, y := range s {
		if strings.TrimSpace(y) == x {
			return true
		}
	}
	return false
}

// recorder is a pgx tracer that keeps the statements of the request being captured.
type recorder struct {
	mu    sync.Mutex
	on    bool
	stmts []pgx.TraceQueryStartData
}

func (r *recorder) add(sql string, args []any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.on {
		r.stmts = append(r.stmts, pgx.TraceQueryStartData{SQL: sql, Args: args})
	}
}

func (r *recorder) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	r.add(d.SQL, d.Args)
	return ctx
}
func (r *recorder) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
func (r *recorder) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	return ctx
}
func (r *recorder) TraceBatchQuery(_ context.Context, _ *pgx.Conn, d pgx.TraceBatchQueryData) {
	r.add(d.SQL, d.Args)
}
func (r *recorder) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}

// capture runs each query through an in-process laborx (the code of this checkout) on
// the same database with a tracer, and writes the statements of its second request
// (the first warms caches) as a pgbench script. Arguments become pgbench variables
// (-D), which pgbench -M prepared sends as parameters, as laborx does; each is written
// in PostgreSQL's text form of the parameter type the server infers.
func (b *bench) capture(ctx context.Context, queries []*query) error {
	keyText, err := os.ReadFile(demo.PIIKeyPath(b.cfg.dataDir))
	if err != nil {
		return err
	}
	key, err := pii.ParseKey(strings.TrimSpace(string(keyText)))
	if err != nil {
		return err
	}
	rec := &recorder{}
	cfg := server.DefaultConfig()
	cfg.RateLimit = 0
	a, err := app.New(ctx, app.Config{DatabaseURL: b.dsn, PIIKey: key, QueryTracer: rec, Server: cfg, Logger: b.log})
	if err != nil {
		return err
	}
	defer a.Close()
	srv := httptest.NewServer(a.Handler)
	defer srv.Close()
	token, err := lxToken(b.cfg.dataDir)
	if err != nil {
		return err
	}
	for _, q := range queries {
		if _, err := post(srv.URL+"/graphql", token, q.laborx); err != nil {
			return fmt.Errorf("capture %s: %w", q.name, err)
		}
		rec.mu.Lock()
		rec.on, rec.stmts = true, nil
		rec.mu.Unlock()
		if _, err := post(srv.URL+"/graphql", token, q.laborx); err != nil {
			return fmt.Errorf("capture %s: %w", q.name, err)
		}
		rec.mu.Lock()
		rec.on = false
		stmts := rec.stmts
		rec.mu.Unlock()
		q.statements = len(stmts)
		if len(stmts) == 0 {
			q.pgbench = false // nothing to replay: laborx answered from memory
		}
		if !q.pgbench {
			continue
		}
		if err := b.writeScript(ctx, q, stmts); err != nil {
			return fmt.Errorf("pgbench script for %s: %w", q.name, err)
		}
	}
	return nil
}

var placeholder = regexp.MustCompile(`\$(\d+)`)

func (b *bench) writeScript(ctx context.Context, q *query, stmts []pgx.TraceQueryStartData) error {
	var script strings.Builder
	for i, st := range stmts {
		sql := strings.TrimRight(strings.TrimSpace(st.SQL), ";")
		var oids []uint32
		if len(st.Args) > 0 {
			sd, err := b.monitor.Prepare(ctx, "", sql)
			if err != nil {
				return err
			}
			oids = sd.ParamOIDs
		}
		values := make([]string, len(st.Args))
		isNull := make([]bool, len(st.Args))
		for j, arg := range st.Args {
			text, err := b.monitor.TypeMap().Encode(oids[j], pgtype.TextFormatCode, arg, nil)
			if err != nil {
				return fmt.Errorf("encode $%d of %q: %w", j+1, sql, err)
			}
			values[j], isNull[j] = string(text), text == nil
		}
		sql = placeholder.ReplaceAllStringFunc(sql, func(m string) string {
			n := mustAtoi(m[1:]) - 1
			if isNull[n] {
				return "NULL"
			}
			name := fmt.Sprintf("s%dp%d", i+1, n+1)
			q.defines = append(q.defines, name+"="+values[n])
			return ":" + name
		})
		script.WriteString(sql + ";\n")
	}
	q.script = fmt.Sprintf("%s/%s.sql", b.tmp, q.name)
	return os.WriteFile(q.script, []byte(script.String()), 0o600)
}

func mustAtoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}
