package apitest_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/laborx/laborx/internal/apitest"
)

const publishDemand = `mutation($in: PublishLaborDemandInput!) { publishLaborDemand(input: $in) {
	laborDemand { id status version quantity openPositions visibility title
		center { code } occupation { code titleVi } workProvince { code name } employer { name taxCode }
		requirements { minAge skillLevel } benefits { housing meals note } }
	userErrors { field message code } } }`

const publishSupply = `mutation($in: PublishLaborSupplyInput!) { publishLaborSupply(input: $in) {
	laborSupply { id status version quantity destinationProvinces { code } center { code } occupation { code } }
	userErrors { field message code } } }`

// demandInput is a valid demand: Hải Phòng's garment factory wants sewing machine operators.
func demandInput(over map[string]any) map[string]any {
	in := map[string]any{
		"employer":         map[string]any{"name": "Công ty May Hải Phòng", "taxCode": "0200123456"},
		"occupationCode":   "8153",
		"title":            "Công nhân may công nghiệp",
		"description":      "Làm việc tại KCN Đình Vũ",
		"quantity":         10,
		"wageMin":          7000000,
		"wageMax":          9000000,
		"workProvinceCode": "31",
		"employmentType":   "FULL_TIME",
		"requirements":     map[string]any{"minAge": 18, "maxAge": 40, "skillLevel": "SEMI_SKILLED"},
		"benefits":         map[string]any{"housing": true, "meals": true, "note": "Hỗ trợ tiền xe"},
		"expiresAt":        time.Now().Add(30 * 24 * time.Hour).UTC().Format(time.RFC3339),
	}
	return withOverrides(in, over)
}

func supplyInput(over map[string]any) map[string]any {
	in := map[string]any{
		"occupationCode":           "8153",
		"skillLevel":               "SKILLED",
		"quantity":                 25,
		"availableFrom":            time.Now().Format(time.DateOnly),
		"destinationProvinceCodes": []string{"31", "24"},
		"expectedWageMin":          7500000,
		"notes":                    "Lao động Bắc Kạn cũ trở về từ Bắc Ninh",
	}
	return withOverrides(in, over)
}

func mustPublishDemand(t *testing.T, e *apitest.Env, token string, over map[string]any) string {
	t.Helper()
	r := e.Do(t, token, publishDemand, map[string]any{"in": demandInput(over)})
	r.NoErrors(t)
	return r.String(t, "publishLaborDemand.laborDemand.id")
}

func mustPublishSupply(t *testing.T, e *apitest.Env, token string, over map[string]any) string {
	t.Helper()
	r := e.Do(t, token, publishSupply, map[string]any{"in": supplyInput(over)})
	r.NoErrors(t)
	return r.String(t, "publishLaborSupply.laborSupply.id")
}

func TestPublishLaborDemand(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	hpg := e.AddCenter(t, "HPG", "31")
	tok := hpg.Token(t, "publisher")

	t.Run("OK", func(t *testing.T) {
		r := e.Do(t, tok, publishDemand, map[string]any{"in": demandInput(nil)})
		r.NoErrors(t)
		for path, want := range map[string]any{
			"publishLaborDemand.laborDemand.status":            "OPEN",
			"publishLaborDemand.laborDemand.visibility":        "ALL_PARTNERS",
			"publishLaborDemand.laborDemand.center.code":       "HPG",
			"publishLaborDemand.laborDemand.occupation.code":   "8153",
			"publishLaborDemand.laborDemand.workProvince.name": "Hải Phòng",
			"publishLaborDemand.laborDemand.employer.taxCode":  "0200123456",
			"publishLaborDemand.laborDemand.benefits.note":     "Hỗ trợ tiền xe",
			"publishLaborDemand.laborDemand.openPositions":     float64(10),
			"publishLaborDemand.laborDemand.version":           float64(1),
		} {
			if got := r.Get(path); got != want {
				t.Errorf("%s = %v, want %v", path, got, want)
			}
		}
		id := r.String(t, "publishLaborDemand.laborDemand.id")
		n := e.Do(t, tok, `query($id: ID!) { node(id: $id) { ... on LaborDemand { title wageMax } } }`, map[string]any{"id": id})
		n.NoErrors(t)
		if n.Get("node.wageMax") != float64(9000000) {
			t.Errorf("node(id:) = %s", n.Raw)
		}
	})

	t.Run("ErrValidation", func(t *testing.T) {
		cases := []struct {
			over map[string]any
			code string
			msg  string
		}{
			{map[string]any{"occupationCode": "9999"}, "UNKNOWN_OCCUPATION", ""},
			{map[string]any{"occupationCode": "815"}, "UNKNOWN_OCCUPATION", "level-3"},
			{map[string]any{"workProvinceCode": "99"}, "UNKNOWN_PROVINCE", ""},
			{map[string]any{"workProvinceCode": "06"}, "PROVINCE_DISSOLVED", "Thái Nguyên (19)"},
			{map[string]any{"quantity": 0}, "OUT_OF_RANGE", ""},
			{map[string]any{"quantity": -3}, "OUT_OF_RANGE", ""},
			{map[string]any{"wageMin": 9000000, "wageMax": 7000000}, "INVALID", "wageMin"},
			{map[string]any{"expiresAt": time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)}, "OUT_OF_RANGE", "future"},
			{map[string]any{"title": strings.Repeat("x", 201)}, "TOO_LONG", ""},
			{map[string]any{"title": "  "}, "REQUIRED", ""},
			{map[string]any{"description": strings.Repeat("x", 5001)}, "TOO_LONG", ""},
			{map[string]any{"employer": map[string]any{"name": "X", "taxCode": "12"}}, "INVALID", "tax code"},
			{map[string]any{"requirements": map[string]any{"minAge": 12}}, "OUT_OF_RANGE", ""},
		}
		for _, c := range cases {
			r := e.Do(t, tok, publishDemand, map[string]any{"in": demandInput(c.over)})
			codes := r.UserErrorCodes("publishLaborDemand")
			if !slices.Equal(codes, []string{c.code}) || !strings.Contains(string(r.Raw), c.msg) {
				t.Errorf("%v: userErrors %v, want [%s] mentioning %q: %s", c.over, codes, c.code, c.msg, r.Raw)
			}
			if r.Get("publishLaborDemand.laborDemand") != nil {
				t.Errorf("%v: a demand was returned", c.over)
			}
		}
		// All errors of one input are reported at once.
		r := e.Do(t, tok, publishDemand, map[string]any{"in": demandInput(map[string]any{"quantity": 0, "occupationCode": "1", "workProvinceCode": "06"})})
		if n := len(r.UserErrorCodes("publishLaborDemand")); n != 3 {
			t.Errorf("want 3 userErrors, got %s", r.Raw)
		}
	})

	t.Run("ErrForbidden", func(t *testing.T) {
		r := e.Do(t, hpg.Token(t, "viewer"), publishDemand, map[string]any{"in": demandInput(nil)})
		if !slices.Equal(r.UserErrorCodes("publishLaborDemand"), []string{"FORBIDDEN"}) {
			t.Errorf("viewer publishing: %s", r.Raw)
		}
		r = e.Do(t, e.OperatorToken(t), publishDemand, map[string]any{"in": demandInput(nil)})
		if !slices.Equal(r.UserErrorCodes("publishLaborDemand"), []string{"FORBIDDEN"}) {
			t.Errorf("operator publishing: %s", r.Raw)
		}
	})
}

const updateDemand = `mutation($in: UpdateLaborDemandInput!) { updateLaborDemand(input: $in) {
	laborDemand { id version quantity wageMax status title } userErrors { field message code } } }`

const closeDemand = `mutation($in: CloseLaborDemandInput!) { closeLaborDemand(input: $in) {
	laborDemand { id version status } userErrors { field message code } } }`

func TestUpdateAndCloseLaborDemand(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	hpg := e.AddCenter(t, "HPG", "31")
	tng := e.AddCenter(t, "TNG", "19")
	tok := hpg.Token(t, "publisher")
	id := mustPublishDemand(t, e, tok, nil)

	r := e.Do(t, tok, updateDemand, map[string]any{"in": map[string]any{"laborDemandId": id, "quantity": 12, "wageMax": 9500000, "expectedVersion": 1}})
	r.NoErrors(t)
	if r.Get("updateLaborDemand.laborDemand.version") != float64(2) || r.Get("updateLaborDemand.laborDemand.quantity") != float64(12) {
		t.Errorf("update: %s", r.Raw)
	}
	// Rules apply to the merged result: wageMax below the stored wageMin.
	r = e.Do(t, tok, updateDemand, map[string]any{"in": map[string]any{"laborDemandId": id, "wageMax": 1000}})
	if !slices.Equal(r.UserErrorCodes("updateLaborDemand"), []string{"INVALID"}) {
		t.Errorf("wageMax < wageMin: %s", r.Raw)
	}
	r = e.Do(t, tok, updateDemand, map[string]any{"in": map[string]any{"laborDemandId": id, "title": "x", "expectedVersion": 1}})
	if !slices.Equal(r.UserErrorCodes("updateLaborDemand"), []string{"VERSION_CONFLICT"}) {
		t.Errorf("stale version: %s", r.Raw)
	}
	// Another center's staff: NOT_FOUND, in userErrors and errors[].
	r = e.Do(t, tng.Token(t, "publisher", "coordinator"), updateDemand, map[string]any{"in": map[string]any{"laborDemandId": id, "title": "x"}})
	if !slices.Equal(r.UserErrorCodes("updateLaborDemand"), []string{"NOT_FOUND"}) || !slices.Contains(r.ErrorCodes(), "NOT_FOUND") {
		t.Errorf("other center updating: %s", r.Raw)
	}
	r = e.Do(t, tng.Token(t, "publisher"), closeDemand, map[string]any{"in": map[string]any{"laborDemandId": id}})
	if !slices.Equal(r.UserErrorCodes("closeLaborDemand"), []string{"NOT_FOUND"}) {
		t.Errorf("other center closing: %s", r.Raw)
	}
	r = e.Do(t, hpg.Token(t, "viewer"), updateDemand, map[string]any{"in": map[string]any{"laborDemandId": id, "title": "x"}})
	if !slices.Equal(r.UserErrorCodes("updateLaborDemand"), []string{"FORBIDDEN"}) {
		t.Errorf("own viewer updating: %s", r.Raw)
	}

	r = e.Do(t, hpg.Token(t, "coordinator"), closeDemand, map[string]any{"in": map[string]any{"laborDemandId": id, "reason": "đã tuyển đủ", "expectedVersion": 2}})
	r.NoErrors(t)
	if r.Get("closeLaborDemand.laborDemand.status") != "CLOSED" {
		t.Errorf("close: %s", r.Raw)
	}
	r = e.Do(t, tok, closeDemand, map[string]any{"in": map[string]any{"laborDemandId": id}})
	if !slices.Equal(r.UserErrorCodes("closeLaborDemand"), []string{"INVALID_TRANSITION"}) {
		t.Errorf("closing twice: %s", r.Raw)
	}
	r = e.Do(t, tok, updateDemand, map[string]any{"in": map[string]any{"laborDemandId": id, "title": "x"}})
	if !slices.Equal(r.UserErrorCodes("updateLaborDemand"), []string{"INVALID_TRANSITION"}) {
		t.Errorf("updating a closed demand: %s", r.Raw)
	}

	// Expiry is read from the clock: move it past expiresAt.
	id2 := mustPublishDemand(t, e, tok, map[string]any{"expiresAt": time.Now().Add(time.Hour).UTC().Format(time.RFC3339)})
	e.App.DB.Now = func() time.Time { return time.Now().Add(2 * time.Hour) }
	t.Cleanup(func() { e.App.DB.Now = time.Now })
	r = e.Do(t, tok, `query($id: ID!) { node(id: $id) { ... on LaborDemand { status } } }`, map[string]any{"id": id2})
	if r.Get("node.status") != "EXPIRED" {
		t.Errorf("past expiresAt: %s", r.Raw)
	}
	// Editing an expired demand without touching expiresAt is allowed; extending reopens it.
	r = e.Do(t, tok, updateDemand, map[string]any{"in": map[string]any{"laborDemandId": id2, "title": "Gia hạn"}})
	r.NoErrors(t)
	r = e.Do(t, tok, updateDemand, map[string]any{"in": map[string]any{"laborDemandId": id2,
		"expiresAt": time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339)}})
	r.NoErrors(t)
	if r.Get("updateLaborDemand.laborDemand.status") != "OPEN" {
		t.Errorf("extended: %s", r.Raw)
	}

	// Every change is in the outbox, in order, without personal data.
	rows, _ := e.App.DB.Pool.Query(context.Background(),
		`SELECT action || ':' || audience FROM changes WHERE entity_kind = 'LaborDemand' ORDER BY sequence`)
	got, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"PUBLISHED:ALL", "UPDATED:ALL", "CLOSED:ALL", "PUBLISHED:ALL", "UPDATED:ALL", "UPDATED:ALL"}
	if !slices.Equal(got, want) {
		t.Errorf("changes = %v, want %v", got, want)
	}
}

func TestLaborDemandVisibility(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	hpg := e.AddCenter(t, "HPG", "31")
	tng := e.AddCenter(t, "TNG", "19")
	id := mustPublishDemand(t, e, hpg.Token(t, "publisher"), map[string]any{"visibility": "AGREEMENT_PARTNERS"})
	mustPublishDemand(t, e, hpg.Token(t, "publisher"), map[string]any{"title": "Công khai"})

	const q = `query($id: ID!) { node(id: $id) { id } laborDemands { totalCount edges { node { title visibility } } } }`
	for _, c := range []struct {
		name, token string
		visible     bool
	}{
		{"owner", hpg.Token(t, "viewer"), true},
		{"other center", tng.Token(t, "publisher"), false},
		{"operator", e.OperatorToken(t), true},
	} {
		r := e.Do(t, c.token, q, map[string]any{"id": id})
		total := r.Int(t, "laborDemands.totalCount")
		if c.visible && (r.Get("node.id") != id || total != 2) {
			t.Errorf("%s should see the partner-only demand: %s", c.name, r.Raw)
		}
		if !c.visible && (r.Get("node") != nil || !slices.Equal(r.ErrorCodes(), []string{"NOT_FOUND"}) || total != 1) {
			t.Errorf("%s should not see the partner-only demand: %s", c.name, r.Raw)
		}
	}
	// The outbox row is for the owner's partners only.
	var audience string
	if err := e.App.DB.Pool.QueryRow(context.Background(), `SELECT audience FROM changes
		WHERE entity_kind = 'LaborDemand' AND owner_center_id IS NOT NULL`).Scan(&audience); err != nil || audience != "PARTNERS" {
		t.Errorf("partner-only demand change: audience %q, %v", audience, err)
	}
	// Matching against it from another center is NOT_FOUND too.
	r := e.Do(t, tng.Token(t, "publisher"), `query($id: ID!) { matchesForDemand(demandId: $id) { score } }`, map[string]any{"id": id})
	if !slices.Equal(r.ErrorCodes(), []string{"NOT_FOUND"}) {
		t.Errorf("matching a hidden demand: %s", r.Raw)
	}
}

func TestSearchLaborDemands(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	hpg := e.AddCenter(t, "HPG", "31")
	tng := e.AddCenter(t, "TNG", "19")
	hp, tn := hpg.Token(t, "publisher"), tng.Token(t, "publisher")
	mustPublishDemand(t, e, hp, map[string]any{"title": "May công nghiệp", "wageMax": 9000000})
	mustPublishDemand(t, e, hp, map[string]any{"title": "Lắp ráp linh kiện điện tử", "occupationCode": "8212", "wageMin": 8000000, "wageMax": 12000000})
	mustPublishDemand(t, e, tn, map[string]any{"title": "Thợ hàn", "occupationCode": "7212", "workProvinceCode": "19",
		"employer": map[string]any{"name": "Cơ khí Bắc Kạn"}, "wageMin": nil, "wageMax": nil})
	closed := mustPublishDemand(t, e, tn, map[string]any{"title": "Đã đóng", "occupationCode": "8211", "workProvinceCode": "19"})
	e.Do(t, tn, closeDemand, map[string]any{"in": map[string]any{"laborDemandId": closed}}).NoErrors(t)

	const q = `query($f: LaborDemandFilter, $o: LaborDemandOrder) { laborDemands(filter: $f, orderBy: $o) { totalCount edges { node { title } } } }`
	titles := func(t *testing.T, f map[string]any, order string) []string {
		t.Helper()
		vars := map[string]any{"f": f}
		if order != "" {
			vars["o"] = order
		}
		r := e.Do(t, tn, q, vars)
		r.NoErrors(t)
		var out []string
		for _, ed := range r.Get("laborDemands.edges").([]any) {
			out = append(out, ed.(map[string]any)["node"].(map[string]any)["title"].(string))
		}
		if r.Int(t, "laborDemands.totalCount") != len(out) {
			t.Errorf("totalCount %d for %d rows", r.Int(t, "laborDemands.totalCount"), len(out))
		}
		return out
	}
	for _, c := range []struct {
		name   string
		filter map[string]any
		order  string
		want   []string
	}{
		{"newest", nil, "", []string{"Đã đóng", "Thợ hàn", "Lắp ráp linh kiện điện tử", "May công nghiệp"}},
		{"occupation prefix 82", map[string]any{"occupationCode": "82"}, "", []string{"Đã đóng", "Lắp ráp linh kiện điện tử"}},
		{"occupation prefix 8", map[string]any{"occupationCode": "8", "statuses": []string{"OPEN"}}, "", []string{"Lắp ráp linh kiện điện tử", "May công nghiệp"}},
		{"dissolved province 06 finds 19", map[string]any{"provinceCodes": []string{"06"}}, "", []string{"Đã đóng", "Thợ hàn"}},
		{"center", map[string]any{"centerCodes": []string{"hpg"}}, "", []string{"Lắp ráp linh kiện điện tử", "May công nghiệp"}},
		{"closed", map[string]any{"statuses": []string{"CLOSED"}}, "", []string{"Đã đóng"}},
		{"wage", map[string]any{"wageAtLeast": 9500000}, "", []string{"Lắp ráp linh kiện điện tử"}},
		{"text without diacritics", map[string]any{"text": "may cong nghiep"}, "", []string{"May công nghiệp"}},
		{"text in employer", map[string]any{"text": "Bac Kan"}, "", []string{"Thợ hàn"}},
		{"text in occupation title", map[string]any{"text": "dien tu"}, "", []string{"Lắp ráp linh kiện điện tử"}},
		{"text in province name", map[string]any{"text": "hai phong", "occupationCode": "8153"}, "", []string{"May công nghiệp"}},
		{"text with LIKE wildcards", map[string]any{"text": "%"}, "", nil},
		{"wage order", map[string]any{"statuses": []string{"OPEN"}}, "WAGE_DESC", []string{"Lắp ráp linh kiện điện tử", "May công nghiệp", "Thợ hàn"}},
	} {
		if got := titles(t, c.filter, c.order); !slices.Equal(got, c.want) {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}

	// Keyset pages of 1 in every order list every demand exactly once.
	for _, order := range []string{"NEWEST", "WAGE_DESC", "EXPIRES_SOON"} {
		var seen []string
		after := ""
		for range 10 {
			vars := map[string]any{"o": order}
			if after != "" {
				vars["a"] = after
			}
			r := e.Do(t, tn, `query($o: LaborDemandOrder, $a: String) { laborDemands(first: 1, after: $a, orderBy: $o) {
				edges { node { title } } pageInfo { hasNextPage endCursor } } }`, vars)
			r.NoErrors(t)
			for _, ed := range r.Get("laborDemands.edges").([]any) {
				seen = append(seen, ed.(map[string]any)["node"].(map[string]any)["title"].(string))
			}
			if r.Get("laborDemands.pageInfo.hasNextPage") != true {
				break
			}
			after = r.String(t, "laborDemands.pageInfo.endCursor")
		}
		if len(seen) != 4 || len(slices.Compact(slices.Sorted(slices.Values(seen)))) != 4 {
			t.Errorf("%s pages: %q", order, seen)
		}
	}
	r := e.Do(t, tn, `{ laborDemands(after: "bogus") { totalCount } }`, nil)
	if !slices.Equal(r.ErrorCodes(), []string{"BAD_USER_INPUT"}) {
		t.Errorf("bad cursor: %s", r.Raw)
	}
	r = e.Do(t, tn, `{ laborDemands(first: 101) { totalCount } }`, nil)
	if !slices.Equal(r.ErrorCodes(), []string{"BAD_USER_INPUT"}) {
		t.Errorf("first: 101: %s", r.Raw)
	}
}

func TestLaborDemandIdempotencyParallel(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	hpg := e.AddCenter(t, "HPG", "31")
	tng := e.AddCenter(t, "TNG", "19")
	tok := hpg.Token(t, "publisher")
	in := demandInput(map[string]any{"idempotencyKey": "order-2025-001"})

	ids := make([]string, 20)
	var wg sync.WaitGroup
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := e.Do(t, tok, publishDemand, map[string]any{"in": in})
			if s, ok := r.Get("publishLaborDemand.laborDemand.id").(string); ok {
				ids[i] = s
			} else {
				t.Errorf("request %d: %s", i, r.Raw)
			}
		}()
	}
	wg.Wait()
	if len(slices.Compact(slices.Sorted(slices.Values(ids)))) != 1 {
		t.Errorf("20 requests with one key made several demands: %v", ids)
	}
	r := e.Do(t, tok, `{ laborDemands { totalCount } }`, nil)
	if r.Int(t, "laborDemands.totalCount") != 1 {
		t.Errorf("want 1 demand, got %s", r.Raw)
	}
	other := demandInput(map[string]any{"idempotencyKey": "order-2025-001", "quantity": 11})
	r = e.Do(t, tok, publishDemand, map[string]any{"in": other})
	if !slices.Equal(r.UserErrorCodes("publishLaborDemand"), []string{"IDEMPOTENCY_KEY_REUSED"}) {
		t.Errorf("key reused with other input: %s", r.Raw)
	}
	// Keys are per center: another center's same key creates its own demand.
	r = e.Do(t, tng.Token(t, "publisher"), publishDemand, map[string]any{"in": demandInput(map[string]any{
		"idempotencyKey": "order-2025-001", "workProvinceCode": "19"})})
	r.NoErrors(t)
	if r.String(t, "publishLaborDemand.laborDemand.id") == ids[0] {
		t.Errorf("another center's key returned HPG's demand")
	}

	// Supply too.
	sin := supplyInput(map[string]any{"idempotencyKey": "supply-1"})
	sids := make([]string, 20)
	for i := range sids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := e.Do(t, tok, publishSupply, map[string]any{"in": sin})
			sids[i], _ = r.Get("publishLaborSupply.laborSupply.id").(string)
		}()
	}
	wg.Wait()
	if len(slices.Compact(slices.Sorted(slices.Values(sids)))) != 1 || sids[0] == "" {
		t.Errorf("20 supply requests with one key: %v", sids)
	}
}

func TestLaborDemandVersionsParallel(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	hpg := e.AddCenter(t, "HPG", "31")
	tok := hpg.Token(t, "publisher")
	id := mustPublishDemand(t, e, tok, nil)
	sid := mustPublishSupply(t, e, tok, nil)

	var wins, conflicts, swins, sconflicts atomic.Int32
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			r := e.Do(t, tok, updateDemand, map[string]any{"in": map[string]any{"laborDemandId": id, "title": fmt.Sprint("v", i), "expectedVersion": 1}})
			switch codes := r.UserErrorCodes("updateLaborDemand"); {
			case len(codes) == 0 && r.Get("updateLaborDemand.laborDemand.version") == float64(2):
				wins.Add(1)
			case slices.Equal(codes, []string{"VERSION_CONFLICT"}):
				conflicts.Add(1)
			default:
				t.Errorf("unexpected: %s", r.Raw)
			}
		}()
		go func() {
			defer wg.Done()
			r := e.Do(t, tok, `mutation($in: UpdateLaborSupplyInput!) { updateLaborSupply(input: $in) { laborSupply { version } userErrors { code } } }`,
				map[string]any{"in": map[string]any{"laborSupplyId": sid, "quantity": i + 1, "expectedVersion": 1}})
			switch codes := r.UserErrorCodes("updateLaborSupply"); {
			case len(codes) == 0:
				swins.Add(1)
			case slices.Equal(codes, []string{"VERSION_CONFLICT"}):
				sconflicts.Add(1)
			default:
				t.Errorf("unexpected: %s", r.Raw)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 || conflicts.Load() != 19 {
		t.Errorf("demand: %d won, %d conflicts; want 1 and 19", wins.Load(), conflicts.Load())
	}
	if swins.Load() != 1 || sconflicts.Load() != 19 {
		t.Errorf("supply: %d won, %d conflicts; want 1 and 19", swins.Load(), sconflicts.Load())
	}
}

func TestLaborSupply(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	tng := e.AddCenter(t, "TNG", "19")
	hpg := e.AddCenter(t, "HPG", "31")
	tok := tng.Token(t, "publisher")

	r := e.Do(t, tok, publishSupply, map[string]any{"in": supplyInput(nil)})
	r.NoErrors(t)
	id := r.String(t, "publishLaborSupply.laborSupply.id")
	if r.Get("publishLaborSupply.laborSupply.status") != "OPEN" || r.Len("publishLaborSupply.laborSupply.destinationProvinces") != 2 {
		t.Errorf("publish: %s", r.Raw)
	}
	for _, c := range []struct {
		over map[string]any
		code string
	}{
		{map[string]any{"destinationProvinceCodes": []string{"31", "06"}}, "PROVINCE_DISSOLVED"},
		{map[string]any{"destinationProvinceCodes": []string{"31", "31"}}, "INVALID"},
		{map[string]any{"quantity": 0}, "OUT_OF_RANGE"},
		{map[string]any{"occupationCode": "81"}, "UNKNOWN_OCCUPATION"},
		{map[string]any{"availableUntil": "2020-01-01"}, "INVALID"},
		{map[string]any{"notes": strings.Repeat("ư", 2001)}, "TOO_LONG"},
	} {
		r := e.Do(t, tok, publishSupply, map[string]any{"in": supplyInput(c.over)})
		if !slices.Equal(r.UserErrorCodes("publishLaborSupply"), []string{c.code}) {
			t.Errorf("%v: want %s: %s", c.over, c.code, r.Raw)
		}
	}
	mustPublishSupply(t, e, tok, map[string]any{"occupationCode": "7212", "destinationProvinceCodes": []string{}, "notes": "Thợ hàn"})
	mustPublishSupply(t, e, hpg.Token(t, "publisher"), map[string]any{"occupationCode": "8212", "destinationProvinceCodes": []string{"01"}, "notes": "Điện tử"})

	const q = `query($f: LaborSupplyFilter) { laborSupplies(filter: $f) { totalCount edges { node { occupation { code } } } } }`
	for _, c := range []struct {
		f    map[string]any
		want int
	}{
		{nil, 3},
		{map[string]any{"occupationCode": "81"}, 1},
		{map[string]any{"provinceCodes": []string{"24"}}, 2}, // destination 24, or anywhere
		{map[string]any{"provinceCodes": []string{"01"}}, 2},
		{map[string]any{"provinceCodes": []string{"06"}}, 2}, // TNG's own province, via its successor
		{map[string]any{"centerCodes": []string{"HPG"}}, 1},
		{map[string]any{"text": "bac kan"}, 1},
		{map[string]any{"text": "tho han"}, 1},
	} {
		r := e.Do(t, hpg.Token(t, "viewer"), q, map[string]any{"f": c.f})
		r.NoErrors(t)
		if got := r.Int(t, "laborSupplies.totalCount"); got != c.want {
			t.Errorf("%v: %d supplies, want %d: %s", c.f, got, c.want, r.Raw)
		}
	}

	const upd = `mutation($in: UpdateLaborSupplyInput!) { updateLaborSupply(input: $in) { laborSupply { quantity status version } userErrors { code } } }`
	r = e.Do(t, hpg.Token(t, "publisher"), upd, map[string]any{"in": map[string]any{"laborSupplyId": id, "quantity": 1}})
	if !slices.Equal(r.UserErrorCodes("updateLaborSupply"), []string{"NOT_FOUND"}) {
		t.Errorf("other center updating: %s", r.Raw)
	}
	r = e.Do(t, tok, upd, map[string]any{"in": map[string]any{"laborSupplyId": id, "quantity": 0}})
	r.NoErrors(t)
	if r.Get("updateLaborSupply.laborSupply.status") != "EXHAUSTED" {
		t.Errorf("quantity 0: %s", r.Raw)
	}
	const wd = `mutation($in: WithdrawLaborSupplyInput!) { withdrawLaborSupply(input: $in) { laborSupply { status } userErrors { code } } }`
	r = e.Do(t, tok, wd, map[string]any{"in": map[string]any{"laborSupplyId": id, "reason": "đã có việc"}})
	r.NoErrors(t)
	if r.Get("withdrawLaborSupply.laborSupply.status") != "WITHDRAWN" {
		t.Errorf("withdraw: %s", r.Raw)
	}
	r = e.Do(t, tok, wd, map[string]any{"in": map[string]any{"laborSupplyId": id}})
	if !slices.Equal(r.UserErrorCodes("withdrawLaborSupply"), []string{"INVALID_TRANSITION"}) {
		t.Errorf("withdraw twice: %s", r.Raw)
	}
	r = e.Do(t, tok, `query($id: ID!) { node(id: $id) { ... on LaborSupply { status } } }`, map[string]any{"id": id})
	if r.Get("node.status") != "WITHDRAWN" {
		t.Errorf("node: %s", r.Raw)
	}
}

func TestMatching(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	hpg := e.AddCenter(t, "HPG", "31")
	tng := e.AddCenter(t, "TNG", "19")
	hp, tn := hpg.Token(t, "publisher"), tng.Token(t, "publisher")
	today := time.Now().UTC()
	demand := mustPublishDemand(t, e, hp, map[string]any{"startDate": today.AddDate(0, 0, 7).Format(time.DateOnly)})

	exact := mustPublishSupply(t, e, tn, map[string]any{"notes": "exact"})
	mustPublishSupply(t, e, tn, map[string]any{"notes": "exact, too expensive, elsewhere, later",
		"expectedWageMin": 20000000, "destinationProvinceCodes": []string{"01"},
		"availableFrom": today.AddDate(0, 3, 0).Format(time.DateOnly)})
	mustPublishSupply(t, e, tn, map[string]any{"notes": "minor", "occupationCode": "8152", "destinationProvinceCodes": []string{}})
	mustPublishSupply(t, e, tn, map[string]any{"notes": "sub-major", "occupationCode": "8111", "expectedWageMin": nil})
	mustPublishSupply(t, e, tn, map[string]any{"notes": "other group", "occupationCode": "7212"})
	gone := mustPublishSupply(t, e, tn, map[string]any{"notes": "withdrawn"})
	e.Do(t, tn, `mutation($id: ID!) { withdrawLaborSupply(input: {laborSupplyId: $id}) { userErrors { code } } }`, map[string]any{"id": gone}).NoErrors(t)

	r := e.Do(t, hp, `query($id: ID!) { matchesForDemand(demandId: $id, first: 10) { score reasons laborSupply { id notes center { code } } } }`,
		map[string]any{"id": demand})
	r.NoErrors(t)
	type m struct {
		notes   string
		score   float64
		reasons string
	}
	var got []m
	for _, x := range r.Get("matchesForDemand").([]any) {
		x := x.(map[string]any)
		var reasons []string
		for _, s := range x["reasons"].([]any) {
			reasons = append(reasons, s.(string))
		}
		got = append(got, m{x["laborSupply"].(map[string]any)["notes"].(string), x["score"].(float64), strings.Join(reasons, ",")})
	}
	const unmet = "NO_ACTIVE_AGREEMENT,SKILL_LEVEL_MEETS,AGE_UNKNOWN,EDUCATION_MEETS"
	want := []m{
		// The demand asks ages 18–40 that the supplies do not state, and no agreement covers them.
		{"exact", 0.85, "OCCUPATION_EXACT,DESTINATION_ACCEPTED,WAGE_MEETS_EXPECTATION,DATES_OVERLAP," + unmet},
		{"minor", 0.75, "OCCUPATION_MINOR_GROUP,DESTINATION_ACCEPTED,WAGE_MEETS_EXPECTATION,DATES_OVERLAP," + unmet},
		{"sub-major", 0.65, "OCCUPATION_SUB_MAJOR_GROUP,DESTINATION_ACCEPTED,WAGE_MEETS_EXPECTATION,DATES_OVERLAP," + unmet},
		{"exact, too expensive, elsewhere, later", 0.45,
			"OCCUPATION_EXACT,DESTINATION_NOT_ACCEPTED,WAGE_BELOW_EXPECTATION,DATES_DO_NOT_OVERLAP," + unmet},
	}
	if len(got) != len(want) {
		t.Fatalf("matches = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i].notes != want[i].notes || got[i].reasons != want[i].reasons || fmt.Sprintf("%.2f", got[i].score) != fmt.Sprintf("%.2f", want[i].score) {
			t.Errorf("match %d = %+v, want %+v", i, got[i], want[i])
		}
	}

	r = e.Do(t, tn, `query($id: ID!) { matchesForSupply(supplyId: $id) { score reasons laborDemand { id } } }`, map[string]any{"id": exact})
	r.NoErrors(t)
	if r.Len("matchesForSupply") != 1 || r.Get("matchesForSupply.0.laborDemand.id") != demand || r.Get("matchesForSupply.0.score") != 0.85 {
		t.Errorf("matchesForSupply: %s", r.Raw)
	}
	r = e.Do(t, tn, `query($id: ID!) { matchesForSupply(supplyId: $id, first: 0) { score } }`, map[string]any{"id": exact})
	if !slices.Equal(r.ErrorCodes(), []string{"BAD_USER_INPUT"}) {
		t.Errorf("first: 0: %s", r.Raw)
	}
}

const importSupply = `mutation($in: ImportInput!) { importLaborSupply(input: $in) {
	createdCount rowCount rowErrors { line column code message } userErrors { field code message } } }`

func TestImportLaborSupply(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	tng := e.AddCenter(t, "TNG", "19")
	tok := tng.Token(t, "publisher")
	from := time.Now().Format(time.DateOnly)
	csv := "occupation_code,quantity,available_from,destination_province_codes,expected_wage_min,notes\n" +
		"8153,20," + from + ",31;24,7000000,\"May, đã qua đào tạo\"\n" +
		"8212,0," + from + ",,,\n" + // line 3: quantity
		"9999,5," + from + ",06,,\n" + // line 4: occupation and dissolved province
		"7212,5,yesterday,,,\n" + // line 5: date
		"8212,15," + from + ",33,,Lắp ráp điện tử\n"
	r := e.Do(t, tok, importSupply, map[string]any{"in": map[string]any{"csv": csv}})
	if r.Int(t, "importLaborSupply.createdCount") != 0 || r.Int(t, "importLaborSupply.rowCount") != 5 {
		t.Errorf("file with errors wrote rows: %s", r.Raw)
	}
	var errs []string
	for _, x := range r.Get("importLaborSupply.rowErrors").([]any) {
		x := x.(map[string]any)
		errs = append(errs, fmt.Sprintf("%v:%v:%v", x["line"], x["column"], x["code"]))
	}
	want := []string{"3:quantity:OUT_OF_RANGE", "4:occupation_code:UNKNOWN_OCCUPATION",
		"4:destination_province_codes:PROVINCE_DISSOLVED", "5:available_from:INVALID"}
	if !slices.Equal(errs, want) {
		t.Errorf("rowErrors = %v, want %v", errs, want)
	}
	if n := e.Do(t, tok, `{ laborSupplies { totalCount } }`, nil).Int(t, "laborSupplies.totalCount"); n != 0 {
		t.Errorf("%d supplies after a refused import", n)
	}

	r = e.Do(t, tok, importSupply, map[string]any{"in": map[string]any{"csv": csv, "partial": true}})
	if r.Int(t, "importLaborSupply.createdCount") != 2 || r.Len("importLaborSupply.rowErrors") != 4 {
		t.Errorf("partial import: %s", r.Raw)
	}
	r = e.Do(t, tok, `{ laborSupplies(filter: {text: "da qua dao tao"}) { edges { node { quantity destinationProvinces { code } } } } }`, nil)
	r.NoErrors(t)
	if r.Get("laborSupplies.edges.0.node.quantity") != float64(20) || r.Len("laborSupplies.edges.0.node.destinationProvinces") != 2 {
		t.Errorf("imported supply: %s", r.Raw)
	}
	var n int
	if err := e.App.DB.Pool.QueryRow(context.Background(), `SELECT count(*) FROM changes
		WHERE entity_kind = 'LaborSupply' AND action = 'PUBLISHED'`).Scan(&n); err != nil || n != 2 {
		t.Errorf("%d change rows for 2 imported supplies (%v)", n, err)
	}

	r = e.Do(t, tok, importSupply, map[string]any{"in": map[string]any{"csv": "occupation_code,qty\n8153,1\n"}})
	if codes := r.UserErrorCodes("importLaborSupply"); !slices.Equal(codes, []string{"INVALID", "REQUIRED", "REQUIRED"}) {
		t.Errorf("bad header: %s", r.Raw)
	}
	r = e.Do(t, tng.Token(t, "viewer"), importSupply, map[string]any{"in": map[string]any{"csv": csv}})
	if !slices.Equal(r.UserErrorCodes("importLaborSupply"), []string{"FORBIDDEN"}) {
		t.Errorf("viewer importing: %s", r.Raw)
	}
}

func TestImportLaborDemand(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	hpg := e.AddCenter(t, "HPG", "31")
	tok := hpg.Token(t, "publisher")
	exp := time.Now().AddDate(0, 1, 0).Format(time.DateOnly)
	csv := "employer_name,occupation_code,title,quantity,wage_min,wage_max,work_province_code,employment_type,expires_at,visibility,housing\n" +
		"Công ty May Tiền Phong,8153,Công nhân may,50,7000000,9000000,31,FULL_TIME," + exp + ",,true\n" +
		"Công ty Điện tử,8212,Lắp ráp,30,9000000,8000000,31,FULL_TIME," + exp + ",AGREEMENT_PARTNERS,\n" +
		"Công ty Điện tử,8212,Lắp ráp,30,,,31,FULL_TIME," + exp + ",AGREEMENT_PARTNERS,maybe\n"
	r := e.Do(t, tok, `mutation($in: ImportInput!) { importLaborDemand(input: $in) { createdCount rowErrors { line column code } userErrors { code } } }`,
		map[string]any{"in": map[string]any{"csv": csv, "partial": true}})
	var errs []string
	for _, x := range r.Get("importLaborDemand.rowErrors").([]any) {
		x := x.(map[string]any)
		errs = append(errs, fmt.Sprintf("%v:%v:%v", x["line"], x["column"], x["code"]))
	}
	if r.Int(t, "importLaborDemand.createdCount") != 1 || !slices.Equal(errs, []string{"3:wage_min:INVALID", "4:housing:INVALID"}) {
		t.Errorf("import: %s", r.Raw)
	}
	r = e.Do(t, tok, `{ laborDemands { edges { node { title quantity benefits { housing } status } } } }`, nil)
	if r.Get("laborDemands.edges.0.node.quantity") != float64(50) || r.Get("laborDemands.edges.0.node.benefits.housing") != true {
		t.Errorf("imported demand: %s", r.Raw)
	}
}

// statementCounter counts SQL statements, to show that nested fields are batched.
// statementCounter counts the statements requests run (n), their round trips to the
// database (trips: a statement on its own, or a pipeline of several), and, apart, the
// change sequencer's numbering rounds (rounds): a round is shared by the publishers of
// the moment and runs every second anyway, so it is no request's own statement.
type statementCounter struct{ n, trips, rounds atomic.Int64 }

// roundKey marks the context of a numbering round's pipeline (TraceBatchStart).
type roundKey struct{}

func (c *statementCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	if strings.Contains(d.SQL, "DELETE FROM pending_changes") {
		c.rounds.Add(1)
	} else {
		c.n.Add(1)
		c.trips.Add(1)
	}
	return ctx
}
func (c *statementCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (c *statementCounter) TraceBatchStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceBatchStartData) context.Context {
	for _, q := range d.Batch.QueuedQueries {
		if strings.Contains(q.SQL, "DELETE FROM pending_changes") {
			c.rounds.Add(1)
			return context.WithValue(ctx, roundKey{}, true)
		}
	}
	c.trips.Add(1)
	return ctx
}
func (c *statementCounter) TraceBatchQuery(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchQueryData) {
	if ctx.Value(roundKey{}) == nil {
		c.n.Add(1)
	}
}
func (c *statementCounter) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}

// threeCentersOfDemands adds HPG, TNG and BNH with 30 open demands each.
func threeCentersOfDemands(t *testing.T, e *apitest.Env) (hpg, tng, bnh *apitest.Center) {
	hpg = e.AddCenter(t, "HPG", "31")
	tng = e.AddCenter(t, "TNG", "19")
	bnh = e.AddCenter(t, "BNH", "24")
	var csv strings.Builder
	csv.WriteString("employer_name,occupation_code,title,quantity,work_province_code,employment_type,expires_at\n")
	exp := time.Now().AddDate(0, 1, 0).Format(time.DateOnly)
	codes := []string{"8153", "8212", "7212", "9329", "5120"}
	for i := range 30 {
		fmt.Fprintf(&csv, "Công ty %d,%s,Tuyển %d,%d,31,FULL_TIME,%s\n", i, codes[i%5], i, i+1, exp)
	}
	for _, c := range []*apitest.Center{hpg, tng, bnh} {
		r := e.Do(t, c.Token(t, "publisher"), `mutation($in: ImportInput!) { importLaborDemand(input: $in) { createdCount userErrors { code } } }`,
			map[string]any{"in": map[string]any{"csv": strings.ReplaceAll(csv.String(), ",31,", ","+map[string]string{"HPG": "31", "TNG": "19", "BNH": "24"}[c.Code]+",")}})
		r.NoErrors(t)
	}
	return hpg, tng, bnh
}

// TestCenterKeysStatementCount: the keys of a page's centers cost one statement
// whatever the page's size, for the demand list and the center directory, and each
// caller sees only the keys it may (its own center's; an operator's, all).
func TestCenterKeysStatementCount(t *testing.T) {
	t.Parallel()
	counter := &statementCounter{}
	e := apitest.NewWith(t, apitest.Options{QueryTracer: counter})
	_, tng, _ := threeCentersOfDemands(t, e)
	run := func(tok, q string, first int) (int64, *apitest.Response) {
		before := counter.n.Load()
		r := e.Do(t, tok, q, map[string]any{"n": first})
		r.NoErrors(t)
		return counter.n.Load() - before, r
	}
	const demands = `query($n: Int) { laborDemands(first: $n) { edges { node { center { code keys { kid } } } } } }`
	op := e.OperatorToken(t)
	n5, _ := run(op, demands, 5)
	n50, r := run(op, demands, 50)
	if n5 != n50 {
		t.Errorf("operator: laborDemands(first: 5) with center keys ran %d statements, (first: 50) %d", n5, n50)
	}
	codes := map[string]bool{}
	for i := range r.Len("laborDemands.edges") {
		node := fmt.Sprintf("laborDemands.edges.%d.node.center", i)
		codes[r.String(t, node+".code")] = true
		if r.Len(node+".keys") == 0 {
			t.Errorf("operator: %s of %s has no keys", node, r.String(t, node+".code"))
		}
	}
	if len(codes) < 2 {
		t.Fatalf("the page names centers %v, want several", codes)
	}
	_, r = run(tng.Token(t, "coordinator"), demands, 50)
	for i := range r.Len("laborDemands.edges") {
		node := fmt.Sprintf("laborDemands.edges.%d.node.center", i)
		own := r.String(t, node+".code") == "TNG"
		if got := r.Len(node + ".keys"); own != (got > 0) {
			t.Errorf("TNG's coordinator sees %d keys of %s", got, r.String(t, node+".code"))
		}
	}
	const directory = `query($n: Int) { centers(first: $n) { edges { node { code keys { kid } } } } }`
	n1, _ := run(op, directory, 1)
	n3, r := run(op, directory, 3)
	if r.Len("centers.edges") != 3 {
		t.Fatalf("centers(first: 3): %d edges", r.Len("centers.edges"))
	}
	if n1 != n3 {
		t.Errorf("operator: centers(first: 1) with keys ran %d statements, (first: 3) %d", n1, n3)
	}
	t.Logf("statements per request: demands 5 → %d, 50 → %d; centers 1 → %d, 3 → %d", n5, n50, n1, n3)
}

func TestLaborDemandsStatementCount(t *testing.T) {
	t.Parallel()
	counter := &statementCounter{}
	e := apitest.NewWith(t, apitest.Options{QueryTracer: counter})
	_, tng, _ := threeCentersOfDemands(t, e)
	tok := tng.Token(t, "viewer")
	count := func(first int) (int64, int) {
		q := `query($n: Int) { laborDemands(first: $n) { totalCount edges { node { title
			center { name province { name } } occupation { titleVi parent { code } } workProvince { name } } } } }`
		before := counter.n.Load()
		r := e.Do(t, tok, q, map[string]any{"n": first})
		r.NoErrors(t)
		return counter.n.Load() - before, r.Len("laborDemands.edges")
	}
	n5, rows5 := count(5)
	n50, rows50 := count(50)
	if rows5 != 5 || rows50 != 50 {
		t.Fatalf("rows: %d and %d", rows5, rows50)
	}
	if n5 != n50 {
		t.Errorf("laborDemands(first: 5) ran %d statements, (first: 50) %d", n5, n50)
	}
	t.Logf("statements per request: first 5 → %d, first 50 → %d", n5, n50)
}

// withOverrides applies a test's changes to a default input: a nil value removes the key.
func withOverrides(in, over map[string]any) map[string]any {
	for k, v := range over {
		if v == nil {
			delete(in, k)
		} else {
			in[k] = v
		}
	}
	return in
}
