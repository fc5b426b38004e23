package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/laborx/laborx/internal/exchange"
)

// LoadCatalog reads the reference data the migrations loaded.
func LoadCatalog(ctx context.Context, q DBTX) (*exchange.Catalog, error) {
	rows, _ := q.Query(ctx, `SELECT code, name, name_ascii, kind, is_current, former_name,
		dissolved_on, successor_code, merged_from FROM provinces ORDER BY code`)
	provinces, err := pgx.CollectRows(rows, pgx.RowToStructByName[exchange.Province])
	if err != nil {
		return nil, fmt.Errorf("load provinces: %w", err)
	}
	rows, _ = q.Query(ctx, `SELECT code, level, parent_code, title_en, title_vi FROM occupations ORDER BY code`)
	occupations, err := pgx.CollectRows(rows, pgx.RowToStructByName[exchange.Occupation])
	if err != nil {
		return nil, fmt.Errorf("load occupations: %w", err)
	}
	if len(provinces) == 0 || len(occupations) == 0 {
		return nil, fmt.Errorf("reference data missing: run `laborx migrate up`")
	}
	return exchange.NewCatalog(provinces, occupations), nil
}

// SearchOccupations finds occupation groups whose code starts with search or whose
// English or Vietnamese title contains it, ignoring case and diacritics.
func (db *DB) SearchOccupations(ctx context.Context, level *int, search string) ([]*exchange.Occupation, error) {
	rows, _ := db.Pool.Query(ctx, `
		SELECT code FROM occupations
		WHERE ($1::int IS NULL OR level = $1)
		  AND ($2 = '' OR code LIKE $3 ESCAPE '\'
		       OR fold(title_en) LIKE fold($4) ESCAPE '\'
		       OR fold(coalesce(title_vi, '')) LIKE fold($4) ESCAPE '\')
		ORDER BY code`, level, search, likePrefix(search), likeContains(search))
	codes, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("search occupations: %w", err)
	}
	out := make([]*exchange.Occupation, 0, len(codes))
	for _, c := range codes {
		if o, ok := db.Catalog.Occupation(c); ok {
			out = append(out, o)
		}
	}
	return out, nil
}
