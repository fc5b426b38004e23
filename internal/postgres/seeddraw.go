package postgres

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/laborx/laborx/internal/exchange"
)

// seedDraw draws a synthetic market's rows (SeedScale) with the values of
// demo.ScaleCSV: employer "Công ty i mod 997", description "Tuyển gấp đợt i", 1–200
// positions, wages from 5,000,000 in steps of 500,000, full time, expiring at the end
// of a day 1–120 days on, one in five for agreement partners; supplies of 1–80 workers
// available from 0–59 days on for 30–229 days, up to three destinations, notes "Lao
// động đợt i".
type seedDraw struct {
	spec       ScaleSpec
	now, today time.Time
	sequence   int64 // the changes take the numbers after it
	// The folded search words: of spec's occupations, provinces and titles (same
	// order), of each center's province, and of the fixed words before the numbers.
	occupations, provinces, titles, centerProvinces []string
	employer, description, notes                    string
	// counts are the demands drawn for labor_demands by center and visibility.
	counts map[seedCount]int64
}

const (
	seedEmployer    = "Công ty "
	seedDescription = "Tuyển gấp đợt "
	seedNotes       = "Lao động đợt "
)

// newSeedDraw folds the words the rows' search texts are made of, in one statement.
func (tx *Tx) newSeedDraw(ctx context.Context, spec ScaleSpec, now time.Time) (*seedDraw, error) {
	g := &seedDraw{spec: spec, now: now, today: now.Truncate(24 * time.Hour), counts: map[seedCount]int64{}}
	words := []string{seedEmployer, seedDescription, seedNotes}
	for _, code := range spec.Occupations {
		o, ok := tx.catalog.Occupation(code)
		if !ok {
			return nil, fmt.Errorf("scale seed: no occupation %q", code)
		}
		vi := ""
		if o.TitleVi != nil {
			vi = *o.TitleVi
		}
		words = append(words, o.TitleEn+" "+vi)
	}
	for _, code := range spec.Provinces {
		p, ok := tx.catalog.Province(code)
		if !ok {
			return nil, fmt.Errorf("scale seed: no province %q", code)
		}
		words = append(words, p.Name)
	}
	words = append(words, spec.Titles...)
	var folded []string
	if err := tx.QueryRow(ctx, `SELECT array_agg(fold(w) ORDER BY n) FROM unnest($1::text[]) WITH ORDINALITY u (w, n)`,
		words).Scan(&folded); err != nil {
		return nil, fmt.Errorf("scale seed: fold: %w", err)
	}
	if err := tx.QueryRow(ctx, `SELECT array_agg(fold(p.name) ORDER BY u.n) FROM unnest($1::uuid[]) WITH ORDINALITY u (id, n)
		JOIN centers c ON c.id = u.id JOIN provinces p ON p.code = c.province_code`, spec.Centers).Scan(&g.centerProvinces); err != nil {
		return nil, fmt.Errorf("scale seed: centers: %w", err)
	}
	if len(g.centerProvinces) != len(spec.Centers) {
		return nil, fmt.Errorf("scale seed: %d of %d centers found", len(g.centerProvinces), len(spec.Centers))
	}
	g.employer, g.description, g.notes = folded[0], folded[1], folded[2]
	folded = folded[3:]
	g.occupations, folded = folded[:len(spec.Occupations)], folded[len(spec.Occupations):]
	g.provinces, g.titles = folded[:len(spec.Provinces)], folded[len(spec.Provinces):]
	return g, nil
}

// seedRows is a COPY source of n drawn rows.
type seedRows struct {
	n, i int
	next func(i int) ([]any, error)
	row  []any
	err  error
}

func (s *seedRows) Next() bool {
	if s.i >= s.n || s.err != nil {
		return false
	}
	s.row, s.err = s.next(s.i)
	s.i++
	return s.err == nil
}
func (s *seedRows) Values() ([]any, error) { return s.row, nil }
func (s *seedRows) Err() error             { return s.err }

func (g *seedDraw) rows(n int, next func(i int) ([]any, error)) *seedRows {
	return &seedRows{n: n, next: next}
}

// rand is the draw of one kind of row; every pass over the same kind draws the same.
func (g *seedDraw) rand(stream uint64) *rand.Rand { return rand.New(rand.NewPCG(g.spec.Seed, stream)) }

// id is a uuid v7 drawn from r, of the millisecond ms: rows drawn later sort after.
func seedID(r *rand.Rand, ms int64) uuid.UUID {
	var u uuid.UUID
	binary.BigEndian.PutUint64(u[8:], r.Uint64())
	binary.BigEndian.PutUint64(u[:8], uint64(ms)<<16|uint64(r.Uint32()&0xffff))
	u[6] = 0x70 | u[6]&0x0f
	u[8] = 0x80 | u[8]&0x3f
	return u
}

// seedDemand is one drawn demand with its search texts.
type seedDemand struct {
	d         exchange.LaborDemand
	own, text string
}

// demands draws demands in order: call the function with 0, 1, 2, …
func (g *seedDraw) demands(n int) func(i int) *seedDemand {
	r := g.rand(1)
	start := g.now.UnixMilli() - int64(n)
	return func(i int) *seedDemand {
		ci := i % len(g.spec.Centers)
		id := seedID(r, start+int64(i))
		oi, ti, pi := r.IntN(len(g.spec.Occupations)), r.IntN(len(g.spec.Titles)), r.IntN(len(g.spec.Provinces))
		wmin := int64(5_000_000 + r.IntN(10)*500_000)
		wmax := wmin + int64(r.IntN(6))*500_000
		vis := exchange.VisibilityAllPartners
		if r.IntN(5) == 0 {
			vis = exchange.VisibilityAgreementPartners
		}
		company, batch := strconv.Itoa(i%997), strconv.Itoa(i)
		x := &seedDemand{d: exchange.LaborDemand{ID: id, CenterID: g.spec.Centers[ci],
			EmployerName: seedEmployer + company, OccupationCode: g.spec.Occupations[oi], Title: g.spec.Titles[ti],
			Quantity: 1 + r.IntN(200), WageMin: &wmin, WageMax: &wmax, WorkProvinceCode: g.spec.Provinces[pi],
			EmploymentType: exchange.EmploymentFullTime, ExpiresAt: g.today.AddDate(0, 0, 1+r.IntN(120)).Add(24*time.Hour - time.Second),
			Visibility: vis, Version: 1}}
		description := seedDescription + batch
		x.d.Description = &description
		x.d.SetStatus(g.now)
		// The trigger's fold(title, employer, description, address, benefits note).
		x.own = g.titles[ti] + " " + g.employer + company + " " + g.description + batch + "  "
		x.text = x.own + " " + g.occupations[oi] + " " + g.provinces[pi]
		return x
	}
}

func (g *seedDraw) demandRows(n int) func(i int) ([]any, error) {
	draw := g.demands(n)
	return func(i int) ([]any, error) {
		x := draw(i)
		d := &x.d
		g.counts[seedCount{d.CenterID, d.Visibility}]++
		return []any{[16]byte(d.ID), [16]byte(d.CenterID), d.EmployerName, d.OccupationCode, d.Title, *d.Description,
			d.Quantity, *d.WageMin, *d.WageMax, d.WorkProvinceCode, string(d.EmploymentType), d.ExpiresAt,
			string(d.Visibility), g.now, g.now, x.own, x.text}, nil
	}
}

// seedSupply is one drawn supply with its search texts.
type seedSupply struct {
	s         exchange.LaborSupply
	own, text string
}

// supplies draws supplies in order: call the function with 0, 1, 2, …
func (g *seedDraw) supplies(n int) func(i int) *seedSupply {
	r := g.rand(2)
	start := g.now.UnixMilli() - int64(n)
	return func(i int) *seedSupply {
		ci := i % len(g.spec.Centers)
		id := seedID(r, start+int64(i))
		oi := r.IntN(len(g.spec.Occupations))
		var dests, names []string
		for range r.IntN(4) {
			pi := r.IntN(len(g.spec.Provinces))
			if d := g.spec.Provinces[pi]; !slices.Contains(dests, d) {
				dests, names = append(dests, d), append(names, g.provinces[pi])
			}
		}
		if dests == nil {
			dests = []string{} // never NULL: an empty list accepts any province
		}
		from := g.today.AddDate(0, 0, r.IntN(60))
		until := from.AddDate(0, 0, 30+r.IntN(200))
		wage := int64(5_000_000 + r.IntN(10)*500_000)
		batch := strconv.Itoa(i)
		notes := seedNotes + batch
		x := &seedSupply{s: exchange.LaborSupply{ID: id, CenterID: g.spec.Centers[ci], OccupationCode: g.spec.Occupations[oi],
			Quantity: 1 + r.IntN(80), AvailableFrom: from, AvailableUntil: &until, DestinationCodes: dests,
			ExpectedWageMin: &wage, Notes: &notes, Version: 1}}
		x.s.SetStatus(g.now)
		x.own = g.notes + batch
		x.text = x.own + " " + g.occupations[oi] + " " + strings.Join(names, " ") + " " + g.centerProvinces[ci]
		return x
	}
}

func (g *seedDraw) supplyRows(n int) func(i int) ([]any, error) {
	draw := g.supplies(n)
	return func(i int) ([]any, error) {
		x := draw(i)
		s := &x.s
		return []any{[16]byte(s.ID), [16]byte(s.CenterID), s.OccupationCode, s.Quantity, s.AvailableFrom, *s.AvailableUntil,
			s.DestinationCodes, *s.ExpectedWageMin, *s.Notes, g.now, g.now, x.own, x.text}, nil
	}
}

// changeRows are the outbox rows of the n demands, then of the n supplies, numbered
// after g.sequence, each published by its center.
func (g *seedDraw) changeRows(n int) func(i int) ([]any, error) {
	demands, supplies := g.demands(n), g.supplies(n)
	return func(i int) ([]any, error) {
		var ch exchange.Change
		var payload any
		var center uuid.UUID
		if i < n {
			x := demands(i)
			ch, payload = demandChange(&x.d, exchange.ActionPublished)
			center = x.d.CenterID
		} else {
			x := supplies(i - n)
			ch, payload = supplyChange(&x.s, exchange.ActionPublished)
			center = x.s.CenterID
		}
		row, err := outboxActor{center: &center, subject: g.spec.Subject}.outboxRow(ch, payload, g.now)
		if err != nil {
			return nil, err
		}
		row[0] = g.sequence + 1 + int64(i)
		return row, nil
	}
}
