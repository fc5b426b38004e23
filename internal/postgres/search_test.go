package postgres_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/laborx/laborx/internal/exchange"
	"github.com/laborx/laborx/internal/postgres"
)

// TestMarketTextSameAsWholeText checks that text search, which finds its candidates
// through the trigram index on the own words and the codes of matching reference names
// (00160), returns exactly the rows of the search before it: the folded phrase anywhere
// in the whole search_text (own words, occupation titles, province names). The queries
// cover Vietnamese with and without diacritics, partial words, occupation and province
// names, LIKE wildcards, and phrases across the border of two texts (own words into the
// occupation title, English title into Vietnamese, occupation into province,
// destination into destination), some taken from the rows themselves.
func TestMarketTextSameAsWholeText(t *testing.T) {
	db, market, ctx := searchMarket(t)
	queries := []string{
		"may cong nghiep", "May công nghiệp", "MAY CÔNG NGHIỆP", "  may   cong  nghiep ", "công nghiệp", "cong ngh",
		"ng nh", "Bac Kan", "Bắc Kạn", "bac kan", "Hai Phong", "Hải Phòng", "ha noi", "Hà Nội", "Thái Nguyên", "thai",
		"nguyen", "Thợ hàn", "tho han", "thợ vận hành", "dien tu", "điện tử", "Sewing", "sewing machine",
		"machine operators", "operators thợ", "flamecutters thợ hàn", "welders", "kim loại", "giản đơn", "Cơ khí",
		"cong ty 42", "Công ty 9", "đợt 12", "dot 123", "Lao động đợt 7", "lao dong", "tuyen gap dot 3", "ca đêm",
		"dem", "đêm sewing", "may hải", "nha o", "Hỗ trợ nhà ở", "ho tro", "welders", "le loi", "lợi, hải",
		"½", "½ ca", "1/2", "han 1/2", "100%", "100% sạch", "sạch_sẽ", "%", "_", `\`, "a", "ty", "42", "7",
		"xyz không có", "đã qua đào tạo", "tao sewing", "hồ chí minh", "ho chi minh thanh", "minh", "n", "ạ",
		"kinh te", "lap rap", "phu bep", "lắp ráp thiết bị", "san xuat", "labourers", "ha noi thai nguyen",
		"nguyen bac kan", "hai phong sewing", "nha o welders", "ở welders and", "welders electrical", "ca đêm manu",
		// Own words into a whole short occupation title and on into the province
		// (5120 is "Cooks Đầu bếp"), an occupation into its province.
		"bao an cooks dau bep ha noi", "Bao ăn Cooks Đầu bếp Hà", "an cooks dau bep h", "ăn cooks", "sen bao an cooks",
		"dau bep ha noi", "bep ha", "p ha n", "bếp hà nội", "an cooks dau bep ha noi xyz", "tho han nghe an",
	}
	queries = append(queries, borderPhrases(t, db)...)
	queries = append(queries, tailPhrases(t, db)...)
	// With the window of the service (larger than this table) and with one row, where
	// every page is read from the indexes (probedQuery).
	for _, window := range []int{0, 1} {
		if window > 0 {
			market.SetProbeWindow(window)
		}
		textSameAsWholeText(t, db, market, ctx, queries)
	}
}

// textSameAsWholeText is TestMarketTextSameAsWholeText's comparison for each query.
func textSameAsWholeText(t *testing.T, db *postgres.DB, market *postgres.MarketService, ctx context.Context, queries []string) {
	t.Helper()
	for _, q := range queries {
		oldDemands := oldSearch(t, db, "labor_demands", q)
		got := allIDs(t, func(page exchange.PageArgs) (*exchange.Page[*exchange.LaborDemand], error) {
			return market.LaborDemands(ctx, exchange.LaborDemandFilter{Text: &q}, "", page)
		}, func(d *exchange.LaborDemand) string { return d.ID.String() })
		if !slices.Equal(got, oldDemands) {
			t.Errorf("demands %q: %d rows, before %d", q, len(got), len(oldDemands))
		}
		oldSupplies := oldSearch(t, db, "labor_supplies", q)

		got = allIDs(t, func(page exchange.PageArgs) (*exchange.Page[*exchange.LaborSupply], error) {
			return market.LaborSupplies(ctx, exchange.LaborSupplyFilter{Text: &q}, "", page)
		}, func(s *exchange.LaborSupply) string { return s.ID.String() })
		if !slices.Equal(got, oldSupplies) {
			t.Errorf("supplies %q: %d rows, before %d", q, len(got), len(oldSupplies))
		}
	}
}

// searchMarket is a market of 400 imported demands and supplies and a few published
// through the mutations, with the texts TestMarketTextSameAsWholeText searches for.
func searchMarket(t *testing.T) (*postgres.DB, *postgres.MarketService, context.Context) {
	db, market, ctx := newMarket(t)
	exp := time.Now().AddDate(0, 1, 0)
	demands := marketCSV(db, "demand", 400, 5)
	if res, err := market.ImportDemandCSV(ctx, strings.NewReader(demands), false, nil); err != nil || len(res.Errors) > 0 {
		t.Fatalf("demand import: %v %+v", err, res)
	}
	if res, err := market.ImportSupplyCSV(ctx, strings.NewReader(marketCSV(db, "supply", 400, 6)+
		"8153,5,"+time.Now().Format(time.DateOnly)+",,,,\n"+
		"7212,5,"+time.Now().Format(time.DateOnly)+",,01;19;24,,Thợ hàn ½ ca\n"), false, nil); err != nil || len(res.Errors) > 0 {
		t.Fatalf("supply import: %v %+v", err, res.Errors[0])
	}
	// Rows through the mutations (the trigger), with the fields the import file lacks.
	str := func(s string) *string { return &s }
	for _, d := range []struct{ title, occ, prov, employer, addr, note string }{
		{"Tuyển thợ", "7212", "19", "Cơ khí Bắc Kạn", "", "Hỗ trợ nhà ở"},
		{"May công nghiệp", "8153", "31", "Công ty May 10", "Số 5 Lê Lợi, Hải Phòng", ""},
		{"Lắp ráp", "8212", "01", "Điện tử ½ giá", "", "Welders"},
		{"Phụ bếp", "9329", "24", "Nhà hàng 100% sạch_sẽ", "", "ca đêm"},
		{"Tuyển gấp", "5120", "01", "Nhà hàng Sen", "", "Bao ăn"},
		{"Thợ hàn", "7212", "40", "Cơ khí Vinh", "", "Hỗ trợ nhà ở miễn phí và xe đưa đón hằng ngày"},
	} {
		in := exchange.PublishLaborDemandInput{Employer: exchange.EmployerInput{Name: d.employer}, OccupationCode: d.occ,
			Title: d.title, Quantity: 3, WorkProvinceCode: d.prov, EmploymentType: exchange.EmploymentFullTime, ExpiresAt: exp}
		if d.addr != "" {
			in.WorkAddress = str(d.addr)
		}
		if d.note != "" {
			in.Benefits = &exchange.BenefitsInput{Note: str(d.note)}
		}
		if _, err := market.PublishLaborDemand(ctx, in); err != nil {
			t.Fatalf("publish %q: %v", d.title, err)
		}
	}
	if _, err := market.PublishLaborSupply(ctx, exchange.PublishLaborSupplyInput{OccupationCode: "8153", Quantity: 4,
		AvailableFrom: time.Now(), DestinationProvinceCodes: []string{"79", "33"}, Notes: str("Đã qua đào tạo")}); err != nil {
		t.Fatal(err)
	}

	return db, market, ctx
}

// TestProbedSearchSameAsWalk checks the two ways of probedQuery against each other: with
// a window larger than the table every page but the last is the walk of the window (the
// search TestMarketTextSameAsWholeText proves equal to the search before), with a
// window of one row every page is read from the indexes and sorted, and with 30 rows
// some pages are one and some the other. Page by page (7 rows, so many pages), in every
// order, for demands (with the visibility of a center and with a status filter) and
// supplies, the rows and their order must be the same.
func TestProbedSearchSameAsWalk(t *testing.T) {
	_, market, ctx := searchMarket(t)
	queries := []string{"may cong nghiep", "cong ty 4", "cong ty 42", "bac kan", "tho han", "thai nguyen", "xyz khong co",
		"dot 1", "a", "welders", "ca đêm"}
	windows := []int{100000, 1, 30}
	compare := func(what string, list func() []string) {
		t.Helper()
		var want []string
		for _, window := range windows {
			market.SetProbeWindow(window)
			got := list()
			if want == nil {
				want = got
			} else if !slices.Equal(got, want) {
				t.Errorf("%s, window %d: %d rows, with the walk %d (or in another order)", what, window, len(got), len(want))
			}
		}
	}
	open := []exchange.DemandStatus{exchange.DemandOpen}
	total := 0
	for _, q := range queries {
		for _, order := range []exchange.LaborDemandOrder{"", exchange.DemandOrderWageDesc, exchange.DemandOrderExpiresSoon} {
			for _, statuses := range [][]exchange.DemandStatus{nil, open} {
				compare(fmt.Sprintf("demands %q %s %v", q, order, statuses), func() []string {
					ids := pageIDs(t, 7, func(page exchange.PageArgs) (*exchange.Page[*exchange.LaborDemand], error) {
						return market.LaborDemands(ctx, exchange.LaborDemandFilter{Text: &q, Statuses: statuses}, order, page)
					}, func(d *exchange.LaborDemand) string { return d.ID.String() })
					total += len(ids)
					return ids
				})
			}
		}
		for _, order := range []exchange.LaborSupplyOrder{"", exchange.SupplyOrderAvailableFrom} {
			compare(fmt.Sprintf("supplies %q %s", q, order), func() []string {
				return pageIDs(t, 7, func(page exchange.PageArgs) (*exchange.Page[*exchange.LaborSupply], error) {
					return market.LaborSupplies(ctx, exchange.LaborSupplyFilter{Text: &q}, order, page)
				}, func(s *exchange.LaborSupply) string { return s.ID.String() })
			})
		}
	}
	if total < 1000 {
		t.Fatalf("only %d demands found in all: the queries no longer span pages", total)
	}
}

// allIDs reads every page of a list and returns the items' ids, sorted.
func allIDs[T any](t *testing.T, list func(exchange.PageArgs) (*exchange.Page[T], error), id func(T) string) []string {
	t.Helper()
	return slices.Sorted(slices.Values(pageIDs(t, 100, list, id)))
}

// pageIDs reads every page of a list, first items each, and returns the items' ids in
// the list's order.
func pageIDs[T any](t *testing.T, first int, list func(exchange.PageArgs) (*exchange.Page[T], error), id func(T) string) []string {
	t.Helper()
	ids := []string{}
	page := exchange.PageArgs{First: first}
	for {
		p, err := list(page)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range p.Items {
			ids = append(ids, id(it))
		}
		if !p.HasNextPage {
			return ids
		}
		page.After = p.Cursors[len(p.Cursors)-1]
	}
}

// oldSearch is the search before 00160: the phrase, spaces normalised, anywhere in the
// folded search_text.
func oldSearch(t *testing.T, db *postgres.DB, table, q string) []string {
	t.Helper()
	phrase := strings.Join(strings.Fields(q), " ")
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	rows, err := db.Pool.Query(context.Background(), `SELECT id::text FROM `+table+
		` WHERE search_text LIKE fold($1) ESCAPE '\' ORDER BY 1`, "%"+r.Replace(phrase)+"%")
	if err != nil {
		t.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if ids == nil {
		ids = []string{}
	}
	return ids
}

// borderPhrases are phrases taken from the rows' search texts across the end of the own
// words: the last own word and the first word of the names after it.
func borderPhrases(t *testing.T, db *postgres.DB) []string {
	t.Helper()
	rows, err := db.Pool.Query(context.Background(), `(SELECT substring(rtrim(search_own) from '[^ ]+$') || ' ' ||
			substring(substring(search_text from length(search_own) + 2) from '^[^ ]+ [^ ]{1,3}')
		FROM labor_demands WHERE search_own ~ '[^ ]$' ORDER BY id LIMIT 8)
		UNION ALL
		(SELECT substring(rtrim(search_own) from '[^ ]{1,2}$') || ' ' ||
			substring(substring(search_text from length(search_own) + 2) from '^[^ ]+')
		FROM labor_supplies WHERE search_own <> '' ORDER BY id LIMIT 8)`)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(out) != 13 {
		t.Fatalf("border phrases: %v %q", err, out)
	}
	return out
}

// tailPhrases are phrases of the demands' search texts that end in the names and begin
// further back in the own words than the 32 characters labor_demands_own_end holds, and
// phrases across the occupation's names into the province's.
func tailPhrases(t *testing.T, db *postgres.DB) []string {
	t.Helper()
	rows, err := db.Pool.Query(context.Background(), `(SELECT ltrim(right(search_own, 40)) || ' ' ||
			substring(substring(search_text from length(search_own) + 2) from '^[^ ]+')
		FROM labor_demands WHERE search_own ~ '[^ ]$' AND length(search_own) > 40 ORDER BY id LIMIT 4)
		UNION ALL
		(SELECT substring(o.search_text from '[^ ]+ [^ ]+$') || ' ' || substring(p.search_name from '^[^ ]+')
		FROM labor_demands d JOIN occupations o ON o.code = d.occupation_code JOIN provinces p ON p.code = d.work_province_code
		ORDER BY d.id LIMIT 4)`)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(out) != 5 {
		t.Fatalf("tail phrases: %v %q", err, out)
	}
	return out
}

// TestTextInProvincesSameAsWholeText checks a text search with provinceCodes (newest
// first, which without a text walks each province's index: keysetByPart), with and
// without a status and in pages of 7, against the rows of those provinces that the
// search before 00160 finds, with the service's window and with a window of one row.
func TestTextInProvincesSameAsWholeText(t *testing.T) {
	db, market, ctx := searchMarket(t)
	open := []exchange.DemandStatus{exchange.DemandOpen}
	for _, window := range []int{0, 1} {
		if window > 0 {
			market.SetProbeWindow(window)
		}
		for _, provinces := range [][]string{{"19"}, {"01", "31"}, {"40"}} {
			for _, statuses := range [][]exchange.DemandStatus{nil, open} {
				inProvinces := map[string]bool{}
				for _, id := range pageIDs(t, 100, func(page exchange.PageArgs) (*exchange.Page[*exchange.LaborDemand], error) {
					return market.LaborDemands(ctx, exchange.LaborDemandFilter{ProvinceCodes: provinces, Statuses: statuses}, "", page)
				}, func(d *exchange.LaborDemand) string { return d.ID.String() }) {
					inProvinces[id] = true
				}
				for _, q := range []string{"may cong nghiep", "cong ty 4", "tho han", "thai nguyen", "bac kan", "tho han nghe an",
					"ha noi", "xyz khong co", "dau bep ha noi"} {
					want := slices.DeleteFunc(oldSearch(t, db, "labor_demands", q), func(id string) bool { return !inProvinces[id] })
					got := slices.Sorted(slices.Values(pageIDs(t, 7, func(page exchange.PageArgs) (*exchange.Page[*exchange.LaborDemand], error) {
						return market.LaborDemands(ctx, exchange.LaborDemandFilter{Text: &q, ProvinceCodes: provinces, Statuses: statuses}, "", page)
					}, func(d *exchange.LaborDemand) string { return d.ID.String() })))
					if !slices.Equal(got, want) {
						t.Errorf("%q in %v %v, window %d: %d rows, before %d", q, provinces, statuses, window, len(got), len(want))
					}
				}
			}
		}
	}
}
