package postgres_test

import (
	"context"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/peterldowns/pgtestdb"

	"github.com/laborx/laborx/internal/pgtest"
	"github.com/laborx/laborx/internal/postgres"
)

// TestConcurrentMigrationsOnEmptyDatabase starts two migrators at once on an empty
// database, as two `laborx serve` or `migrate up` starting together do: both succeed,
// the schema is applied once. Without the migration lock this failed about one time
// in three (duplicate key in pg_extension_name_index). Three fresh databases make the
// race likely to show if the lock were gone.
func TestConcurrentMigrationsOnEmptyDatabase(t *testing.T) {
	for range 3 {
		dsn := pgtest.NewDSN(t, pgtestdb.NoopMigrator{})
		ctx := context.Background()
		var wg sync.WaitGroup
		errs := make([]error, 2)
		applied := make([]int, 2)
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				pool, err := pgxpool.New(ctx, dsn)
				if err != nil {
					errs[i] = err
					return
				}
				defer pool.Close()
				db := stdlib.OpenDBFromPool(pool)
				defer db.Close()
				m, err := postgres.NewMigrator(db, nil)
				if err != nil {
					errs[i] = err
					return
				}
				res, err := m.Up(ctx)
				errs[i], applied[i] = err, len(res)
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("migrator %d: %v", i, err)
			}
		}
		if applied[0] == 0 == (applied[1] == 0) {
			t.Errorf("applied %d and %d migrations: want all by one migrator and none by the other", applied[0], applied[1])
		}
	}
}
