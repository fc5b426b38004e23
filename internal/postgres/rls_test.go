package postgres_test

import (
	"context"
	"crypto/rand"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/laborx/laborx/internal/auth"
	"github.com/laborx/laborx/internal/exchange"
	"github.com/laborx/laborx/internal/pgtest"
	"github.com/laborx/laborx/internal/pii"
	"github.com/laborx/laborx/internal/postgres"
)

// rlsFixture is a database whose store connects as the service's role, with a referral
// of a worker from TNG to HPG; HNI is a third center.
type rlsFixture struct {
	db, owner     *postgres.DB
	tng, hpg, hni context.Context
	operator      context.Context
	referral      *exchange.Referral
}

func newRLSFixture(tb testing.TB) *rlsFixture {
	tb.Helper()
	ctx := context.Background()
	dsn := pgtest.NewDSN(tb, pgtest.Laborx)
	open := func(dsn string) *postgres.DB {
		pool, err := pgxpool.New(ctx, dsn)
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(pool.Close)
		db, err := postgres.New(ctx, pool)
		if err != nil {
			tb.Fatal(err)
		}
		return db
	}
	f := &rlsFixture{db: open(pgtest.AppDSN(dsn)), owner: open(dsn)}
	key := make([]byte, pii.KeySize)
	rand.Read(key)
	var err error
	if f.db.PII, err = pii.New(key); err != nil {
		tb.Fatal(err)
	}
	f.operator = auth.NewContext(ctx, &exchange.Principal{Subject: "op", Roles: []exchange.Role{exchange.RoleOperator}})
	center := func(code, province string) context.Context {
		c, err := postgres.NewCenterService(f.db).RegisterCenter(f.operator,
			exchange.RegisterCenterInput{Code: code, Name: "Trung tâm " + code, ProvinceCode: province})
		if err != nil {
			tb.Fatal(err)
		}
		return auth.NewContext(ctx, &exchange.Principal{CenterID: c.ID, CenterCode: c.Code, Subject: "staff-" + code,
			Roles: []exchange.Role{exchange.RolePublisher, exchange.RoleCoordinator}})
	}
	f.tng, f.hpg, f.hni = center("TNG", "19"), center("HPG", "31"), center("HNI", "01")
	purpose := "giới thiệu việc làm"
	f.referral, err = postgres.NewReferralService(f.db).ReferWorker(f.tng, exchange.ReferWorkerInput{
		Worker: exchange.WorkerInput{FullName: "Nguyễn Văn Thử", DateOfBirth: time.Date(1995, 3, 1, 0, 0, 0, 0, time.UTC),
			NationalID: "019095001234", OccupationCode: "8153", Consent: exchange.ConsentInput{Given: true, Purpose: &purpose}},
		DestinationCenterCode: "HPG",
	})
	if err != nil {
		tb.Fatal(err)
	}
	return f
}

// counts reads, as ctx's caller and past every Go rule, how many rows of each table
// holding a worker's data the database lets the store see.
func (f *rlsFixture) counts(t *testing.T, ctx context.Context) map[string]int {
	t.Helper()
	out := map[string]int{}
	err := postgres.WithTx(ctx, f.db, func(tx *postgres.Tx) error {
		for _, table := range []string{"referrals", "workers", "referral_events", "audit_entries"} {
			var n int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM `+table).Scan(&n); err != nil {
				return err
			}
			out[table] = n
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestRowSecurityWithoutGoChecks: with the Go rules bypassed (the store called
// directly, plain SQL in a service transaction), another center's caller, a caller of
// no center and a connection with no transaction setting get no row of TNG's referral,
// its worker, its events or TNG's audit entries; the two centers do.
func TestRowSecurityWithoutGoChecks(t *testing.T) {
	f := newRLSFixture(t)
	id := f.referral.ID

	if _, err := f.db.ReferralUnchecked(f.hni, id); exchange.ErrorCode(err) != exchange.CodeNotFound {
		t.Errorf("HNI reading TNG's referral past the Go rule: %v, want NOT_FOUND", err)
	}
	if r, err := f.db.ReferralUnchecked(f.hpg, id); err != nil || r.ID != id {
		t.Errorf("HPG (destination) reading the referral: %v", err)
	}
	for name, ctx := range map[string]context.Context{"HNI": f.hni, "no caller": context.Background()} {
		for table, n := range f.counts(t, ctx) {
			if n != 0 {
				t.Errorf("%s sees %d rows of %s, want none", name, n, table)
			}
		}
	}
	for name, ctx := range map[string]context.Context{"TNG": f.tng, "HPG": f.hpg} {
		got := f.counts(t, ctx)
		if got["referrals"] != 1 || got["workers"] != 1 || got["referral_events"] != 1 {
			t.Errorf("%s sees %v, want its referral, worker and event", name, got)
		}
	}
	// The operator reads the audit trail, never a referral or a worker.
	if got := f.counts(t, f.operator); got["referrals"] != 0 || got["workers"] != 0 || got["audit_entries"] == 0 {
		t.Errorf("operator sees %v", got)
	}
	// Writes are bound too: HNI's update of TNG's referral changes nothing.
	err := postgres.WithTx(f.hni, f.db, func(tx *postgres.Tx) error {
		tag, err := tx.Exec(f.hni, `UPDATE referrals SET status = 'WITHDRAWN' WHERE id = $1`, id)
		if err == nil && tag.RowsAffected() != 0 {
			t.Errorf("HNI updated %d referrals of TNG", tag.RowsAffected())
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// Outside a service transaction nothing says whose the connection is: no rows.
	var n int
	if err := f.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM referrals`).Scan(&n); err != nil || n != 0 {
		t.Errorf("the pool outside a transaction sees %d referrals (%v), want 0", n, err)
	}
	if err := f.owner.Pool.QueryRow(context.Background(), `SELECT count(*) FROM referrals WHERE id = $1`, id).Scan(&n); err != nil || n != 1 {
		t.Errorf("the owner sees %d of the referral (%v)", n, err)
	}
}

// TestServiceRoleIsBound: the service's role is no superuser, cannot bypass row-level
// security and owns no table; the migrations' role owns them.
func TestServiceRoleIsBound(t *testing.T) {
	f := newRLSFixture(t)
	ctx := context.Background()
	var super, bypass bool
	var user, owner string
	if err := f.db.Pool.QueryRow(ctx, `SELECT r.rolsuper, r.rolbypassrls, current_user,
			(SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = 'referrals'::regclass)
		FROM pg_roles r WHERE r.rolname = current_user`).Scan(&super, &bypass, &user, &owner); err != nil {
		t.Fatal(err)
	}
	if super || bypass || user == owner || user != "laborx_app" {
		t.Errorf("service role %s: superuser %v, bypassrls %v; referrals owned by %s", user, super, bypass, owner)
	}
	if bound, err := f.db.RowSecurity(ctx); err != nil || !bound {
		t.Errorf("RowSecurity of the service role: %v, %v", bound, err)
	}
	if bound, err := f.owner.RowSecurity(ctx); err != nil || bound {
		t.Errorf("RowSecurity of the owner: %v, %v (want false)", bound, err)
	}
	// Statistics still see every referral (the view carries no personal data).
	if err := postgres.WithTx(f.hni, f.db, func(tx *postgres.Tx) error {
		var n int
		if err := tx.QueryRow(f.hni, `SELECT count(*) FROM referral_facts`).Scan(&n); err != nil {
			return err
		}
		if n != 1 {
			t.Errorf("referral_facts: %d rows for HNI, want 1", n)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
