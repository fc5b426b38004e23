package postgres_test

import (
	"context"
	"testing"

	"github.com/laborx/laborx/internal/exchange"
	"github.com/laborx/laborx/internal/pgtest"
	"github.com/laborx/laborx/internal/postgres"
)

// Matching's requirement fits exist twice: in Go (exchange.SkillFit, EducationFit,
// AgeFit, the reasons) and in SQL (the score that orders candidates). This table proves
// the two agree on every level pair and on the age boundaries.
func TestRequirementFitsAgree(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t, pgtest.Laborx)
	skills := append([]*exchange.SkillLevel{nil}, ptrsOf(exchange.SkillLevels)...)
	for _, req := range skills {
		for _, off := range skills {
			var sql exchange.Fit
			if err := pool.QueryRow(ctx, `SELECT `+postgres.SkillFitSQL("$1::text", "$2::text"), req, off).Scan(&sql); err != nil {
				t.Fatal(err)
			}
			if g := exchange.SkillFit(req, off); g != sql {
				t.Errorf("skill %v for %v: Go %d, SQL %d", off, req, g, sql)
			}
		}
	}
	edus := append([]*exchange.EducationLevel{nil}, ptrsOf(exchange.EducationLevels)...)
	for _, req := range edus {
		for _, off := range edus {
			var sql exchange.Fit
			if err := pool.QueryRow(ctx, `SELECT `+postgres.EducationFitSQL("$1::text", "$2::text"), req, off).Scan(&sql); err != nil {
				t.Fatal(err)
			}
			if g := exchange.EducationFit(req, off); g != sql {
				t.Errorf("education %v for %v: Go %d, SQL %d", off, req, g, sql)
			}
		}
	}
	n := func(v int) *int { return &v }
	ages := []*int{nil, n(15), n(18), n(30), n(35), n(36), n(70)}
	for _, rmin := range ages {
		for _, rmax := range ages {
			for _, lo := range ages {
				for _, hi := range ages {
					var sql exchange.Fit
					if err := pool.QueryRow(ctx, `SELECT `+postgres.AgeFitSQL("$1::int", "$2::int", "$3::int", "$4::int"),
						rmin, rmax, lo, hi).Scan(&sql); err != nil {
						t.Fatal(err)
					}
					if g := exchange.AgeFit(rmin, rmax, lo, hi); g != sql {
						t.Errorf("ages %v-%v for %v-%v: Go %d, SQL %d", deref(lo), deref(hi), deref(rmin), deref(rmax), g, sql)
					}
				}
			}
		}
	}
}

func ptrsOf[T any](xs []T) []*T {
	out := make([]*T, len(xs))
	for i := range xs {
		out[i] = &xs[i]
	}
	return out
}

func deref(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}
