package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/laborx/laborx/internal/postgres"
)

// TestImportSearchText checks that the search texts an import writes without the trigger
// (search_own and search_text) are the ones the trigger writes: every imported row is rewritten through the trigger and
// must come out the same.
func TestImportSearchText(t *testing.T) {
	db, market, ctx := newMarket(t)
	exp := time.Now().AddDate(0, 1, 0).Format(time.DateOnly)
	from := time.Now().Format(time.DateOnly)
	demand := marketCSV(db, "demand", 300, 3) +
		"Công ty Đức Giang,8153,Thợ may áo sơ mi,,10,,,31,FULL_TIME," + exp + ",\n"
	demand = strings.Replace(demand, "visibility\n", "visibility,work_address,benefits_note,employer_tax_code\n", 1)
	var b strings.Builder
	for i, line := range strings.Split(strings.TrimSuffix(demand, "\n"), "\n") {
		b.WriteString(line)
		if i > 0 {
			switch i % 3 {
			case 0:
				b.WriteString(",Số 5 đường Lê Lợi,Có nhà ở miễn phí,0100109106")
			case 1:
				b.WriteString(", , ,")
			default:
				b.WriteString(",,,")
			}
		}
		b.WriteByte('\n')
	}
	res, err := market.ImportDemandCSV(ctx, strings.NewReader(b.String()), false, nil)
	if err != nil || len(res.Errors) > 0 || res.CreatedCount != 301 {
		t.Fatalf("demand import: %v %+v", err, res)
	}
	supply := marketCSV(db, "supply", 300, 4) +
		"8153,5," + from + ",,,,\n" + // no destinations, no notes
		"8153,5," + from + ",,33;01;79;19,,Thợ may lành nghề\n"
	res, err = market.ImportSupplyCSV(ctx, strings.NewReader(supply), false, nil)
	if err != nil || len(res.Errors) > 0 || res.CreatedCount != 302 {
		t.Fatalf("supply import: %v %+v", err, res)
	}
	if n := searchTextsAsTrigger(t, db); n < 301 {
		t.Errorf("%d rows compared, want at least 301", n)
	}
}

// searchTextsAsTrigger rewrites every demand and supply through the search trigger and
// reports the rows whose search_own or search_text it changed; it returns how many
// rows the smaller table has.
func searchTextsAsTrigger(t *testing.T, db *postgres.DB) int {
	t.Helper()
	rows := -1
	for _, c := range []struct{ table, touch string }{
		{"labor_demands", "title = title"},
		{"labor_supplies", "notes = notes"},
	} {
		written := searchTexts(t, db, c.table)
		if _, err := db.Pool.Exec(context.Background(), `UPDATE `+c.table+` SET `+c.touch); err != nil {
			t.Fatal(err)
		}
		bad := 0
		for id, text := range searchTexts(t, db, c.table) {
			if written[id] != text {
				if bad++; bad <= 3 {
					t.Errorf("%s %s: written %q, trigger %q", c.table, id, written[id], text)
				}
			}
		}
		if bad > 0 {
			t.Errorf("%s: %d of %d rows differ", c.table, bad, len(written))
		}
		if rows < 0 || len(written) < rows {
			rows = len(written)
		}
	}
	return rows
}

func searchTexts(t *testing.T, db *postgres.DB, table string) map[string]string {
	t.Helper()
	rows, err := db.Pool.Query(context.Background(), `SELECT id::text, search_own || '|' || search_text FROM `+table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, text string
		if err := rows.Scan(&id, &text); err != nil {
			t.Fatal(err)
		}
		out[id] = text
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
