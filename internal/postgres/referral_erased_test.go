package postgres_test

import (
	"context"
	"testing"

	"github.com/laborx/laborx/internal/exchange"
	"github.com/laborx/laborx/internal/postgres"
)

// TestReferralWorkerErasedFlag: the referral's own flag (00104) follows the worker's
// erasure, which the origin does as the service's role: both centers read it in the
// list and the referral, and the owner's view of the tables agrees.
func TestReferralWorkerErasedFlag(t *testing.T) {
	f := newRLSFixture(t)
	svc := postgres.NewReferralService(f.db)
	erased := func(ctx context.Context) (list, one bool) {
		t.Helper()
		pg, err := svc.Referrals(ctx, exchange.ReferralFilter{}, exchange.PageArgs{First: 10})
		if err != nil || len(pg.Items) != 1 {
			t.Fatalf("list: %v, %d referrals", err, len(pg.Items))
		}
		r, err := svc.Referral(ctx, f.referral.ID)
		if err != nil {
			t.Fatal(err)
		}
		return pg.Items[0].WorkerErased, r.WorkerErased
	}
	for _, ctx := range []context.Context{f.tng, f.hpg} {
		if list, one := erased(ctx); list || one {
			t.Fatalf("before erasure: list %v, referral %v", list, one)
		}
	}
	reason := "người lao động yêu cầu xoá"
	if _, err := svc.EraseWorker(f.tng, exchange.EraseWorkerInput{
		WorkerID: exchange.GlobalID(exchange.KindWorker, f.referral.WorkerID), Reason: &reason}); err != nil {
		t.Fatal(err)
	}
	for _, ctx := range []context.Context{f.tng, f.hpg} {
		if list, one := erased(ctx); !list || !one {
			t.Errorf("after erasure: list %v, referral %v", list, one)
		}
	}
	var flag, workerErased bool
	if err := f.owner.Pool.QueryRow(context.Background(), `SELECT r.worker_erased, w.erased_at IS NOT NULL
		FROM referrals r JOIN workers w ON w.id = r.worker_id WHERE r.id = $1`, f.referral.ID).Scan(&flag, &workerErased); err != nil {
		t.Fatal(err)
	}
	if !flag || !workerErased {
		t.Errorf("owner reads flag %v, worker erased %v", flag, workerErased)
	}
}

// TestReferralWorkerErasedMigration: migration 00104 marks the referrals of workers
// erased before it, and only those; its Down removes the flag again.
func TestReferralWorkerErasedMigration(t *testing.T) {
	ctx := context.Background()
	db, m := migratedTo(t, 103)
	for _, q := range []string{
		`INSERT INTO centers (code, name, province_code, created_at, updated_at)
			VALUES ('TNG', 'Trung tâm TNG', '19', now(), now()), ('HPG', 'Trung tâm HPG', '31', now(), now())`,
		`INSERT INTO workers (id, registered_by, occupation_code, erased_at, created_at, updated_at)
			SELECT gen_random_uuid(), id, '8153', now(), now(), now() FROM centers WHERE code = 'TNG'`,
		`INSERT INTO workers (id, registered_by, full_name, date_of_birth, national_id_enc, national_id_hmac,
				national_id_last4, occupation_code, created_at, updated_at)
			SELECT gen_random_uuid(), id, 'Nguyễn Văn Thử', date '1995-03-01', '\x00', decode(repeat('01', 32), 'hex'), '1234', '8153', now(), now()
			FROM centers WHERE code = 'TNG'`,
		`INSERT INTO referrals (worker_id, origin_center_id, destination_center_id, occupation_code, worker_occupation_code,
				status, created_at, updated_at)
			SELECT w.id, w.registered_by, (SELECT id FROM centers WHERE code = 'HPG'), '8153', '8153', 'REFERRED', now(), now() FROM workers w`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if _, err := m.UpTo(ctx, 104); err != nil {
		t.Fatal(err)
	}
	var wrong int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM referrals r JOIN workers w ON w.id = r.worker_id
		WHERE r.worker_erased <> (w.erased_at IS NOT NULL)`).Scan(&wrong); err != nil || wrong != 0 {
		t.Errorf("%d referrals disagree with their worker's erasure (%v)", wrong, err)
	}
	if _, err := m.DownTo(ctx, 103); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM information_schema.columns
		WHERE table_name = 'referrals' AND column_name = 'worker_erased'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("after Down: %d worker_erased columns (%v)", n, err)
	}
}
