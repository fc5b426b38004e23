package apitest_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/laborx/laborx/internal/apitest"
	"github.com/laborx/laborx/internal/exchange"
)

// demandEdge is what two reads of the same list must agree on: the row and its cursor.
type demandEdge struct{ id, cursor, province, status string }

// TestLaborDemandsByProvinceSameAsWhole: laborDemands with provinceCodes, newest first,
// is read a province at a time (keysetByPart), and statuses [OPEN] as conditions on the
// columns (demandOpenSQL). Both must give what the whole list gives restricted in Go: the
// same rows, in the same order, with the same cursors and totalCount, page after page,
// with ties of created_at across provinces, demands TNG may not see, and closed, filled
// and expired ones.
func TestLaborDemandsByProvinceSameAsWhole(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	hpg := e.AddCenter(t, "HPG", "31")
	tng := e.AddCenter(t, "TNG", "19")
	hp, tn := hpg.Token(t, "publisher"), tng.Token(t, "publisher")
	ctx := context.Background()
	tie := time.Now().Add(-time.Hour).UTC()
	for i := range 24 {
		tok, province := hp, []string{"31", "01"}[i%2]
		if i%3 == 0 {
			tok, province = tn, []string{"19", "01"}[i%2]
		}
		over := map[string]any{"workProvinceCode": province, "occupationCode": []string{"8153", "7212", "8212", "8211"}[i%4],
			"title": "Đơn " + string(rune('A'+i))}
		if i%5 == 1 {
			over["visibility"] = "AGREEMENT_PARTNERS" // HPG's are hidden from TNG
		}
		gid := mustPublishDemand(t, e, tok, over)
		_, id, err := exchange.ParseGlobalID(gid)
		if err != nil {
			t.Fatal(err)
		}
		var change string
		switch i % 7 {
		case 2:
			e.Do(t, tok, closeDemand, map[string]any{"in": map[string]any{"laborDemandId": gid}}).NoErrors(t)
		case 3:
			change = `UPDATE labor_demands SET filled_count = quantity WHERE id = $1`
		case 4:
			change = `UPDATE labor_demands SET expires_at = now() - interval '1 day' WHERE id = $1`
		}
		if change != "" {
			if _, err := e.App.DB.Pool.Exec(ctx, change, id); err != nil {
				t.Fatal(err)
			}
		}
		if i%4 != 0 { // runs of three demands created at the same instant, the id deciding
			if _, err := e.App.DB.Pool.Exec(ctx, `UPDATE labor_demands SET created_at = $2 WHERE id = $1`,
				id, tie.Add(-time.Duration(i/4)*time.Minute)); err != nil {
				t.Fatal(err)
			}
		}
	}

	const q = `query($f: LaborDemandFilter, $n: Int, $a: String) { laborDemands(filter: $f, first: $n, after: $a) {
		totalCount edges { cursor node { id status workProvince { code } } } pageInfo { hasNextPage endCursor } } }`
	// read lists every edge of the filter in pages of n, and the totalCount of each page.
	read := func(t *testing.T, f map[string]any, n int) ([]demandEdge, []int) {
		t.Helper()
		var edges []demandEdge
		var totals []int
		after := any(nil)
		for range 30 {
			r := e.Do(t, tn, q, map[string]any{"f": f, "n": n, "a": after})
			r.NoErrors(t)
			totals = append(totals, r.Int(t, "laborDemands.totalCount"))
			for _, ed := range r.Get("laborDemands.edges").([]any) {
				ed := ed.(map[string]any)
				node := ed["node"].(map[string]any)
				edges = append(edges, demandEdge{node["id"].(string), ed["cursor"].(string),
					node["workProvince"].(map[string]any)["code"].(string), node["status"].(string)})
			}
			if r.Get("laborDemands.pageInfo.hasNextPage") != true {
				return edges, totals
			}
			after = r.String(t, "laborDemands.pageInfo.endCursor")
		}
		t.Fatalf("%v: more than 30 pages", f)
		return nil, nil
	}
	whole, _ := read(t, map[string]any{}, 100)
	if len(whole) < 15 {
		t.Fatalf("TNG sees %d demands, want at least 15", len(whole))
	}
	for _, c := range []struct {
		name      string
		provinces []string // nil: no provinceCodes
		in        []string // the provinces the filter stands for (06 was merged into 19)
		filter    map[string]any
		status    func(string) bool
	}{
		{"open", nil, nil, map[string]any{"statuses": []string{"OPEN"}}, func(s string) bool { return s == "OPEN" }},
		{"open twice", nil, nil, map[string]any{"statuses": []string{"OPEN", "OPEN"}}, func(s string) bool { return s == "OPEN" }},
		{"open or filled", nil, nil, map[string]any{"statuses": []string{"FILLED", "OPEN"}}, func(s string) bool { return s == "OPEN" || s == "FILLED" }},
		{"two provinces", []string{"31", "01"}, []string{"31", "01"}, map[string]any{}, nil},
		{"two provinces, open", []string{"01", "31"}, []string{"31", "01"}, map[string]any{"statuses": []string{"OPEN"}},
			func(s string) bool { return s == "OPEN" }},
		{"merged and repeated", []string{"06", "19", "19"}, []string{"19"}, map[string]any{}, nil},
		{"closed or expired in 01", []string{"01"}, []string{"01"}, map[string]any{"statuses": []string{"CLOSED", "EXPIRED"}},
			func(s string) bool { return s == "CLOSED" || s == "EXPIRED" }},
		{"none there", []string{"79"}, []string{"79"}, map[string]any{}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			var want []demandEdge
			for _, ed := range whole {
				if (c.in == nil || slices.Contains(c.in, ed.province)) && (c.status == nil || c.status(ed.status)) {
					want = append(want, ed)
				}
			}
			if c.provinces != nil {
				c.filter["provinceCodes"] = c.provinces
			}
			for _, n := range []int{2, 5, 100} {
				got, totals := read(t, c.filter, n)
				if !slices.Equal(got, want) {
					t.Errorf("pages of %d:\n got %v\nwant %v", n, got, want)
				}
				for _, total := range totals {
					if total != len(want) {
						t.Errorf("pages of %d: totalCount %d, want %d", n, total, len(want))
					}
				}
			}
		})
	}
}
