package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/laborx/laborx/internal/exchange"
	"github.com/laborx/laborx/internal/postgres"
)

var scaleTitles = []string{"Công nhân may công nghiệp", "Lắp ráp linh kiện điện tử", "Thợ hàn kết cấu", "Công nhân đóng gói",
	"Thợ vận hành máy CNC", "Nhân viên kho", "Lái xe nâng", "Công nhân chế biến thủy sản", "Thợ điện công nghiệp", "Phụ bếp"}

// ScaleCSV generates n synthetic demand or supply rows ("demand" or "supply") in the
// import format, over the unit groups and current provinces, mostly in manufacturing
// and crafts. The same seed gives the same rows (dates are relative to today).
func ScaleCSV(cat *exchange.Catalog, kind string, n int, seed uint64) string {
	r := rand.New(rand.NewPCG(seed, 7))
	occ, prov := scaleCodes(cat, r)
	today := time.Now().UTC()
	var b strings.Builder
	if kind == "demand" {
		b.WriteString("employer_name,occupation_code,title,description,quantity,wage_min,wage_max,work_province_code,employment_type,expires_at,visibility\n")
		for i := range n {
			wmin := int64(5_000_000 + r.IntN(10)*500_000)
			vis := "ALL_PARTNERS"
			if r.IntN(5) == 0 {
				vis = "AGREEMENT_PARTNERS"
			}
			fmt.Fprintf(&b, "Công ty %d,%s,%s,Tuyển gấp đợt %d,%d,%d,%d,%s,FULL_TIME,%s,%s\n", i%997, occ[r.IntN(len(occ))],
				scaleTitles[r.IntN(len(scaleTitles))], i, 1+r.IntN(200), wmin, wmin+int64(r.IntN(6))*500_000,
				prov[r.IntN(len(prov))], today.AddDate(0, 0, 1+r.IntN(120)).Format(time.DateOnly), vis)
		}
		return b.String()
	}
	b.WriteString("occupation_code,quantity,available_from,available_until,destination_province_codes,expected_wage_min,notes\n")
	for i := range n {
		var dests []string
		for range r.IntN(4) {
			if d := prov[r.IntN(len(prov))]; !slices.Contains(dests, d) {
				dests = append(dests, d)
			}
		}
		from := today.AddDate(0, 0, r.IntN(60))
		fmt.Fprintf(&b, "%s,%d,%s,%s,%s,%d,Lao động đợt %d\n", occ[r.IntN(len(occ))], 1+r.IntN(80), from.Format(time.DateOnly),
			from.AddDate(0, 0, 30+r.IntN(200)).Format(time.DateOnly), strings.Join(dests, ";"),
			5_000_000+r.IntN(10)*500_000, i)
	}
	return b.String()
}

// scaleCodes are the occupations (unit groups, mostly in manufacturing and crafts) and
// the current provinces a synthetic market is drawn from.
func scaleCodes(cat *exchange.Catalog, r *rand.Rand) (occupations, provinces []string) {
	for _, o := range cat.Occupations() {
		if o.Level == 4 && (o.Code[0] == '7' || o.Code[0] == '8' || o.Code[0] == '9' || r.IntN(4) == 0) {
			occupations = append(occupations, o.Code)
		}
	}
	for _, p := range cat.Provinces(false) {
		provinces = append(provinces, p.Code)
	}
	return occupations, provinces
}

// SeedScale publishes n synthetic demands and n synthetic supplies, spread over the demo
// centers, for load tests against a realistically sized market: the rows ScaleCSV
// would give, drawn and copied straight into the tables (postgres.DB.SeedScale) rather
// than imported, which would take minutes for a million. Each call adds n more of each. The demo
// centers must exist (Seed).
func SeedScale(ctx context.Context, db *postgres.DB, n int, phase func(string, time.Duration)) error {
	centers := postgres.NewCenterService(db)
	seed := uint64(time.Now().UnixNano())
	spec := postgres.ScaleSpec{Titles: scaleTitles, Subject: "demo-scale", Seed: seed, Phase: phase}
	spec.Occupations, spec.Provinces = scaleCodes(db.Catalog, rand.New(rand.NewPCG(seed, 7)))
	op := OperatorContext(ctx, "demo-scale")
	for _, c := range Centers {
		center, err := centers.CenterByCode(op, c.Code)
		if err != nil {
			return fmt.Errorf("scale seed: %w", err)
		}
		spec.Centers = append(spec.Centers, center.ID)
	}
	return db.SeedScale(op, spec, n)
}
