package apitest_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/laborx/laborx/internal/apitest"
	"github.com/laborx/laborx/internal/pii"
)

const referWorker = `mutation($in: ReferWorkerInput!) { referWorker(input: $in) {
	referral { id status version workerErased origin { code } destination { code } occupation { code }
		worker { id fullName nationalIdMasked phone dateOfBirth registeredBy { code } }
		events { from to action actorCenter { code } actorSubject note } }
	userErrors { field code message } } }`

const updateReferral = `mutation($in: UpdateReferralStatusInput!) { updateReferralStatus(input: $in) {
	referral { id status version events { from to action actorCenter { code } note at } }
	userErrors { field code message } } }`

// workerInput is a valid worker born in 1990 with the given national ID.
func workerInput(nationalID string) map[string]any {
	return map[string]any{
		"fullName": "Nguyễn Văn Thử", "dateOfBirth": "1990-05-17", "gender": "MALE", "phone": "0912 345 678",
		"nationalId": nationalID, "occupationCode": "7212", "skills": []string{"hàn MIG", "đọc bản vẽ"},
		"educationLevel": "VOCATIONAL_INTERMEDIATE",
		"consent":        map[string]any{"given": true, "purpose": "giới thiệu việc làm liên tỉnh"},
	}
}

func referInput(nationalID, dest string) map[string]any {
	return map[string]any{"worker": workerInput(nationalID), "destinationCenterCode": dest, "note": "thợ hàn có kinh nghiệm"}
}

// refer refers a worker and returns the referral's and the worker's IDs.
func refer(t *testing.T, e *apitest.Env, token string, in map[string]any) (string, string) {
	t.Helper()
	r := e.Do(t, token, referWorker, map[string]any{"in": in})
	r.NoErrors(t)
	return r.String(t, "referWorker.referral.id"), r.String(t, "referWorker.referral.worker.id")
}

func act(t *testing.T, e *apitest.Env, token, referralID, action string) *apitest.Response {
	t.Helper()
	return e.Do(t, token, updateReferral, map[string]any{"in": map[string]any{"referralId": referralID, "action": action}})
}

type referralFixture struct {
	e             *apitest.Env
	tng, hpg, bnh *apitest.Center
	origin, dest  string // publisher tokens of TNG and HPG
}

func newReferralFixture(t *testing.T, o apitest.Options) *referralFixture {
	e := apitest.NewWith(t, o)
	f := &referralFixture{e: e, tng: e.AddCenter(t, "TNG", "19"), hpg: e.AddCenter(t, "HPG", "31"), bnh: e.AddCenter(t, "BNH", "24")}
	f.origin, f.dest = f.tng.Token(t, "publisher"), f.hpg.Token(t, "publisher")
	return f
}

func TestReferWorker(t *testing.T) {
	t.Parallel()
	f := newReferralFixture(t, apitest.Options{})
	e := f.e
	r := e.Do(t, f.origin, referWorker, map[string]any{"in": referInput("001090012345", "HPG")})
	r.NoErrors(t)
	for path, want := range map[string]any{
		"referWorker.referral.status":                    "REFERRED",
		"referWorker.referral.version":                   float64(1),
		"referWorker.referral.workerErased":              false,
		"referWorker.referral.origin.code":               "TNG",
		"referWorker.referral.destination.code":          "HPG",
		"referWorker.referral.occupation.code":           "7212",
		"referWorker.referral.worker.fullName":           "Nguyễn Văn Thử",
		"referWorker.referral.worker.nationalIdMasked":   "********2345",
		"referWorker.referral.worker.phone":              "+84912345678",
		"referWorker.referral.worker.dateOfBirth":        "1990-05-17",
		"referWorker.referral.worker.registeredBy.code":  "TNG",
		"referWorker.referral.events.0.to":               "REFERRED",
		"referWorker.referral.events.0.actorCenter.code": "TNG",
		"referWorker.referral.events.0.note":             "thợ hàn có kinh nghiệm",
		"referWorker.referral.events.0.actorSubject":     "staff@tng",
		"referWorker.referral.events.0.from":             nil,
		"referWorker.referral.events.0.action":           nil,
	} {
		if got := r.Get(path); got != want {
			t.Errorf("%s = %v, want %v", path, got, want)
		}
	}
	workerID := r.String(t, "referWorker.referral.worker.id")

	// The same person referred again (other spelling of the ID) reuses the record as
	// it stands.
	in := referInput("001 090 012 345", "BNH")
	in["worker"].(map[string]any)["fullName"] = "Nguyễn Văn Thử Hai"
	r = e.Do(t, f.origin, referWorker, map[string]any{"in": in})
	r.NoErrors(t)
	if got := r.String(t, "referWorker.referral.worker.id"); got != workerID {
		t.Errorf("second referral of the same national ID made worker %s, want the existing %s", got, workerID)
	}
	if got := r.String(t, "referWorker.referral.worker.fullName"); got != "Nguyễn Văn Thử" {
		t.Errorf("reused worker's name = %q, want the stored one: a referral never rewrites a worker", got)
	}
	// Another center registering the same person gets its own record.
	r = e.Do(t, f.hpg.Token(t, "publisher"), referWorker, map[string]any{"in": referInput("001090012345", "BNH")})
	r.NoErrors(t)
	if got := r.String(t, "referWorker.referral.worker.id"); got == workerID {
		t.Errorf("HPG's registration reused TNG's worker record")
	}

	// The sealed national ID opens with the env's key, bound to the worker's id.
	pool := dbPool(t, e)
	var uid [16]byte
	var enc []byte
	if err := pool.QueryRow(context.Background(), `SELECT id, national_id_enc FROM workers
		WHERE registered_by = (SELECT id FROM centers WHERE code = 'TNG')`).Scan(&uid, &enc); err != nil {
		t.Fatal(err)
	}
	p, _ := pii.New(e.PIIKey)
	if got, err := p.Open(enc, uid[:]); err != nil || got != "001090012345" {
		t.Errorf("national_id_enc opens to %q, %v", got, err)
	}
}

func TestReferWorkerValidation(t *testing.T) {
	t.Parallel()
	f := newReferralFixture(t, apitest.Options{})
	e := f.e
	tooYoung := time.Now().AddDate(-14, 0, 0).Format(time.DateOnly)
	cases := []struct {
		name   string
		change func(in map[string]any, w map[string]any)
		token  string
		want   []string
	}{
		{"nationalIdShort", func(_, w map[string]any) { w["nationalId"] = "00109001234" }, "", []string{"INVALID"}},
		{"nationalIdLetters", func(_, w map[string]any) { w["nationalId"] = "00109001234X" }, "", []string{"INVALID"}},
		{"tooYoung", func(_, w map[string]any) { w["dateOfBirth"] = tooYoung }, "", []string{"OUT_OF_RANGE"}},
		{"tooOld", func(_, w map[string]any) { w["dateOfBirth"] = "1940-01-01" }, "", []string{"OUT_OF_RANGE"}},
		{"phone", func(_, w map[string]any) { w["phone"] = "0123" }, "", []string{"INVALID"}},
		{"occupationLevel3", func(_, w map[string]any) { w["occupationCode"] = "721" }, "", []string{"UNKNOWN_OCCUPATION"}},
		{"noConsent", func(_, w map[string]any) { w["consent"] = map[string]any{"given": false} }, "", []string{"CONSENT_REQUIRED"}},
		{"toItself", func(in, _ map[string]any) { in["destinationCenterCode"] = "TNG" }, "", []string{"INVALID"}},
		{"unknownCenter", func(in, _ map[string]any) { in["destinationCenterCode"] = "XXX" }, "", []string{"UNKNOWN_CENTER"}},
		{"unknown demand", func(in, _ map[string]any) { in["demandId"] = "RGVtYW5k" }, "", []string{"NOT_FOUND"}},
		{"unknown agreement", func(in, _ map[string]any) { in["agreementId"] = "QWdyZWVtZW50" }, "", []string{"NOT_FOUND"}},
		{"several", func(in, w map[string]any) {
			w["nationalId"] = "1"
			w["consent"] = map[string]any{"given": false}
			in["destinationCenterCode"] = "TNG"
		}, "", []string{"INVALID", "CONSENT_REQUIRED", "INVALID"}},
		{"viewer", func(_, _ map[string]any) {}, f.tng.Token(t, "viewer"), []string{"FORBIDDEN"}},
		{"operator", func(_, _ map[string]any) {}, e.OperatorToken(t), []string{"FORBIDDEN"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := referInput("001090012345", "HPG")
			c.change(in, in["worker"].(map[string]any))
			tok := c.token
			if tok == "" {
				tok = f.origin
			}
			r := e.Do(t, tok, referWorker, map[string]any{"in": in})
			if got := r.UserErrorCodes("referWorker"); !slices.Equal(got, c.want) {
				t.Errorf("userErrors = %v, want %v: %s", got, c.want, r.Raw)
			}
			if r.Get("referWorker.referral") != nil {
				t.Errorf("a referral was returned: %s", r.Raw)
			}
		})
	}
	// A suspended destination is refused.
	e.Do(t, e.OperatorToken(t), `mutation { suspendCenter(input: {centerCode: "BNH", reason: "test"}) { userErrors { code } } }`, nil).NoErrors(t)
	r := e.Do(t, f.origin, referWorker, map[string]any{"in": referInput("001090012345", "BNH")})
	if got := r.UserErrorCodes("referWorker"); !slices.Equal(got, []string{"INVALID"}) {
		t.Errorf("referral to a suspended center: %v: %s", got, r.Raw)
	}
	var n int
	if err := dbPool(t, e).QueryRow(context.Background(), `SELECT count(*) FROM workers`).Scan(&n); err != nil || n != 0 {
		t.Errorf("refused referrals left %d workers (%v)", n, err)
	}
}

// TestReferralTransitions is the wiring of updateReferralStatus: every action once
// through HTTP by a side the table allows, with its event recorded; a refusal of each
// kind; and every outsider refused (BOLA). The whole table of actions, statuses and
// sides is exchange.DecideReferral's, tested in TestDecideReferral_EveryActionStatusSide.
func TestReferralTransitions(t *testing.T) {
	t.Parallel()
	f := newReferralFixture(t, apitest.Options{})
	e := f.e
	tokens := map[string]string{
		"origin":     f.origin,
		"dest":       f.dest,
		"third":      f.bnh.Token(t, "publisher", "coordinator"),
		"destViewer": f.hpg.Token(t, "viewer"),
		"operator":   e.OperatorToken(t),
	}
	n := 0
	newReferral := func(t *testing.T) string {
		n++
		id, _ := refer(t, e, f.origin, referInput(fmt.Sprintf("0010900%05d", n), "HPG"))
		return id
	}
	type step struct{ side, action, from, to string }
	for _, walk := range [][]step{
		{{"dest", "ACKNOWLEDGE", "REFERRED", "ACKNOWLEDGED"}, {"dest", "SCHEDULE_INTERVIEW", "ACKNOWLEDGED", "INTERVIEW_SCHEDULED"},
			{"dest", "MARK_HIRED", "INTERVIEW_SCHEDULED", "HIRED"}, {"origin", "CONFIRM_EMPLOYMENT", "HIRED", "EMPLOYED"},
			{"dest", "MARK_LEFT", "EMPLOYED", "LEFT_JOB"}},
		{{"dest", "SCHEDULE_INTERVIEW", "REFERRED", "INTERVIEW_SCHEDULED"}, {"dest", "MARK_NOT_HIRED", "INTERVIEW_SCHEDULED", "NOT_HIRED"}},
		{{"origin", "WITHDRAW", "REFERRED", "WITHDRAWN"}},
	} {
		id := newReferral(t)
		for _, st := range walk {
			r := act(t, e, tokens[st.side], id, st.action)
			r.NoErrors(t)
			if got := r.String(t, "updateReferralStatus.referral.status"); got != st.to {
				t.Errorf("%s from %s gave %s, want %s", st.action, st.from, got, st.to)
			}
			last := r.Len("updateReferralStatus.referral.events") - 1
			ev := fmt.Sprintf("updateReferralStatus.referral.events.%d.", last)
			if r.Get(ev+"from") != st.from || r.Get(ev+"to") != st.to || r.Get(ev+"action") != st.action ||
				r.Get(ev+"actorCenter.code") != map[string]string{"origin": "TNG", "dest": "HPG"}[st.side] {
				t.Errorf("last event is not the transition: %s", r.Raw)
			}
		}
	}
	id := newReferral(t)
	for _, c := range []struct{ side, action, want string }{
		{"origin", "ACKNOWLEDGE", "FORBIDDEN"},       // the destination's action
		{"dest", "WITHDRAW", "FORBIDDEN"},            // the origin's action
		{"dest", "MARK_HIRED", "INVALID_TRANSITION"}, // not from REFERRED
		{"origin", "CONFIRM_EMPLOYMENT", "INVALID_TRANSITION"},
	} {
		r := act(t, e, tokens[c.side], id, c.action)
		if got := r.UserErrorCodes("updateReferralStatus"); !slices.Equal(got, []string{c.want}) {
			t.Errorf("%s by %s: %v, want %s: %s", c.action, c.side, got, c.want, r.Raw)
		}
	}
	// Whoever is not one of the two centers' publishers may do nothing.
	for who, want := range map[string]string{"third": "NOT_FOUND", "destViewer": "FORBIDDEN", "operator": "NOT_FOUND"} {
		for _, action := range []string{"ACKNOWLEDGE", "SCHEDULE_INTERVIEW", "MARK_HIRED", "MARK_NOT_HIRED", "WITHDRAW",
			"CONFIRM_EMPLOYMENT", "MARK_LEFT"} {
			r := act(t, e, tokens[who], id, action)
			if got := r.UserErrorCodes("updateReferralStatus"); !slices.Equal(got, []string{want}) {
				t.Errorf("%s %s: %v, want %s: %s", who, action, got, want, r.Raw)
			}
		}
	}
}

func TestReferralEventTimeNoteAndVersion(t *testing.T) {
	t.Parallel()
	f := newReferralFixture(t, apitest.Options{})
	e := f.e
	id, _ := refer(t, e, f.origin, referInput("001090012345", "HPG"))
	do := func(in map[string]any) *apitest.Response {
		in["referralId"] = id
		return e.Do(t, f.dest, updateReferral, map[string]any{"in": in})
	}
	future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	if got := do(map[string]any{"action": "ACKNOWLEDGE", "at": future}).UserErrorCodes("updateReferralStatus"); !slices.Equal(got, []string{"OUT_OF_RANGE"}) {
		t.Errorf("at in the future: %v", got)
	}
	past := time.Now().Add(-24 * time.Hour).UTC().Format(time.RFC3339)
	if got := do(map[string]any{"action": "ACKNOWLEDGE", "at": past}).UserErrorCodes("updateReferralStatus"); !slices.Equal(got, []string{"OUT_OF_RANGE"}) {
		t.Errorf("at before the referral: %v", got)
	}
	if got := do(map[string]any{"action": "ACKNOWLEDGE", "expectedVersion": 7}).UserErrorCodes("updateReferralStatus"); !slices.Equal(got, []string{"VERSION_CONFLICT"}) {
		t.Errorf("stale expectedVersion: %v", got)
	}
	r := do(map[string]any{"action": "ACKNOWLEDGE", "expectedVersion": 1, "note": "đã nhận hồ sơ"})
	r.NoErrors(t)
	if r.Int(t, "updateReferralStatus.referral.version") != 2 || r.Get("updateReferralStatus.referral.events.1.note") != "đã nhận hồ sơ" {
		t.Errorf("acknowledge: %s", r.Raw)
	}
	// An unparseable or foreign ID is NOT_FOUND.
	r = e.Do(t, f.dest, updateReferral, map[string]any{"in": map[string]any{"referralId": f.hpg.ID, "action": "ACKNOWLEDGE"}})
	if got := r.UserErrorCodes("updateReferralStatus"); !slices.Equal(got, []string{"NOT_FOUND"}) {
		t.Errorf("a center's ID as referralId: %v", got)
	}
}

func TestReferralVersionParallel(t *testing.T) {
	t.Parallel()
	f := newReferralFixture(t, apitest.Options{})
	e := f.e
	id, _ := refer(t, e, f.origin, referInput("001090012345", "HPG"))
	const n = 30
	codes := make([][]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := e.Do(t, f.dest, updateReferral, map[string]any{"in": map[string]any{
				"referralId": id, "action": "SCHEDULE_INTERVIEW", "expectedVersion": 1}})
			codes[i] = r.UserErrorCodes("updateReferralStatus")
		}()
	}
	wg.Wait()
	ok, conflicts := 0, 0
	for _, c := range codes {
		switch {
		case len(c) == 0:
			ok++
		case slices.Equal(c, []string{"VERSION_CONFLICT"}):
			conflicts++
		default:
			t.Errorf("unexpected userErrors %v", c)
		}
	}
	if ok != 1 || conflicts != n-1 {
		t.Errorf("%d succeeded and %d conflicted, want 1 and %d", ok, conflicts, n-1)
	}
	var events int
	if err := dbPool(t, e).QueryRow(context.Background(), `SELECT count(*) FROM referral_events`).Scan(&events); err != nil || events != 2 {
		t.Errorf("%d events (%v), want 2", events, err)
	}
}

func TestReferWorkerIdempotencyParallel(t *testing.T) {
	t.Parallel()
	f := newReferralFixture(t, apitest.Options{})
	e := f.e
	in := referInput("001090012345", "HPG")
	in["idempotencyKey"] = "refer-1"
	const n = 25
	ids := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := e.Do(t, f.origin, referWorker, map[string]any{"in": in})
			if len(r.Errors) > 0 || len(r.UserErrorCodes("referWorker")) > 0 {
				t.Errorf("parallel referWorker: %s", r.Raw)
				return
			}
			ids[i], _ = r.Get("referWorker.referral.id").(string)
		}()
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] {
			t.Fatalf("the same idempotency key gave referrals %s and %s", ids[0], id)
		}
	}
	// Without a key, parallel referrals of one person share one worker record.
	other := referInput("002090012345", "HPG")
	wg = sync.WaitGroup{}
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := e.Do(t, f.origin, referWorker, map[string]any{"in": other})
			if len(r.Errors) > 0 || len(r.UserErrorCodes("referWorker")) > 0 {
				t.Errorf("parallel referWorker: %s", r.Raw)
			}
		}()
	}
	wg.Wait()
	var referrals, workers int
	if err := dbPool(t, e).QueryRow(context.Background(), `SELECT (SELECT count(*) FROM referrals), (SELECT count(*) FROM workers)`).
		Scan(&referrals, &workers); err != nil {
		t.Fatal(err)
	}
	if referrals != 1+n || workers != 2 {
		t.Errorf("%d referrals and %d workers, want %d and 2", referrals, workers, 1+n)
	}
	// The same key with another input is refused.
	in["destinationCenterCode"] = "BNH"
	r := e.Do(t, f.origin, referWorker, map[string]any{"in": in})
	if got := r.UserErrorCodes("referWorker"); !slices.Equal(got, []string{"IDEMPOTENCY_KEY_REUSED"}) {
		t.Errorf("reused key: %v", got)
	}
}

func TestReferralsQuery(t *testing.T) {
	t.Parallel()
	f := newReferralFixture(t, apitest.Options{})
	e := f.e
	bnh := f.bnh.Token(t, "publisher")
	for i := range 5 {
		refer(t, e, f.origin, referInput(fmt.Sprintf("0010900000%02d", i), "HPG"))
	}
	welder := referInput("001090000099", "BNH")
	welder["worker"].(map[string]any)["occupationCode"] = "8322"
	refer(t, e, f.origin, welder)
	in, _ := refer(t, e, f.dest, referInput("031090000001", "TNG"))
	act(t, e, f.origin, in, "ACKNOWLEDGE").NoErrors(t)

	q := `query($f: ReferralFilter, $first: Int, $after: String) { referrals(filter: $f, first: $first, after: $after) {
		totalCount edges { cursor node { id status origin { code } destination { code } occupation { code } } }
		pageInfo { hasNextPage endCursor } } }`
	count := func(tok string, filter map[string]any) int {
		r := e.Do(t, tok, q, map[string]any{"f": filter})
		r.NoErrors(t)
		return r.Int(t, "referrals.totalCount")
	}
	for name, c := range map[string]struct {
		tok    string
		filter map[string]any
		want   int
	}{
		"all":         {f.origin, nil, 7},
		"out":         {f.origin, map[string]any{"direction": "OUT"}, 6},
		"in":          {f.origin, map[string]any{"direction": "IN"}, 1},
		"acked":       {f.origin, map[string]any{"statuses": []string{"ACKNOWLEDGED"}}, 1},
		"toBNH":       {f.origin, map[string]any{"centerCodes": []string{"bnh"}}, 1},
		"occupation":  {f.origin, map[string]any{"occupationCode": "83"}, 1},
		"occupation7": {f.origin, map[string]any{"occupationCode": "72"}, 6},
		"future":      {f.origin, map[string]any{"createdFrom": time.Now().Add(time.Hour).Format(time.RFC3339)}, 0},
		"past":        {f.origin, map[string]any{"createdTo": time.Now().Add(time.Hour).Format(time.RFC3339)}, 7},
		"hpg":         {f.dest, nil, 6},
		"bnh":         {bnh, nil, 1},
		"coordinator": {f.tng.Token(t, "coordinator"), nil, 7},
	} {
		if got := count(c.tok, c.filter); got != c.want {
			t.Errorf("%s: totalCount %d, want %d", name, got, c.want)
		}
	}
	// Keyset pages cover everything once, newest first.
	var seen []string
	after := any(nil)
	for {
		r := e.Do(t, f.origin, q, map[string]any{"first": 3, "after": after})
		r.NoErrors(t)
		for i := range r.Len("referrals.edges") {
			seen = append(seen, r.String(t, fmt.Sprintf("referrals.edges.%d.node.id", i)))
		}
		if r.Get("referrals.pageInfo.hasNextPage") != true {
			break
		}
		after = r.String(t, "referrals.pageInfo.endCursor")
	}
	if len(seen) != 7 || len(slices.Compact(slices.Sorted(slices.Values(seen)))) != 7 {
		t.Errorf("pages gave %d referrals: %v", len(seen), seen)
	}
	if seen[0] != in {
		t.Errorf("first referral is not the newest")
	}
	r := e.Do(t, e.OperatorToken(t), q, nil)
	if got := r.ErrorCodes(); !slices.Equal(got, []string{"FORBIDDEN"}) {
		t.Errorf("operator referrals: %v", got)
	}
}

func dbPool(t *testing.T, e *apitest.Env) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), e.OwnerDSN)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// allColumns lists every column of every table in the public schema: table, column, type.
func allColumns(t *testing.T, pool *pgxpool.Pool) [][3]string {
	t.Helper()
	rows, _ := pool.Query(context.Background(), `SELECT table_name, column_name, data_type FROM information_schema.columns
		WHERE table_schema = 'public' AND table_name IN (SELECT tablename FROM pg_tables WHERE schemaname = 'public')
		ORDER BY table_name, ordinal_position`)
	cols, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) ([3]string, error) {
		var c [3]string
		err := r.Scan(&c[0], &c[1], &c[2])
		return c, err
	})
	if err != nil {
		t.Fatal(err)
	}
	return cols
}

// findInDatabase returns "table.column" for every column whose text form (bytea also
// read as raw bytes) contains s. Each table is read once, with a count per column: a
// statement per column made this search hundreds of round trips.
func findInDatabase(t *testing.T, pool *pgxpool.Pool, s string) []string {
	t.Helper()
	var found []string
	cols := allColumns(t, pool)
	for len(cols) > 0 {
		table := cols[0][0]
		n := 1
		for n < len(cols) && cols[n][0] == table {
			n++
		}
		counts := make([]string, n)
		for i, c := range cols[:n] {
			col := pgx.Identifier{c[1]}.Sanitize()
			cond := col + `::text LIKE $1`
			if c[2] == "bytea" {
				cond += ` OR encode(` + col + `, 'escape') LIKE $1`
			}
			counts[i] = `count(*) FILTER (WHERE ` + cond + `)`
		}
		hits := make([]int, n)
		dest := make([]any, n)
		for i := range hits {
			dest[i] = &hits[i]
		}
		err := pool.QueryRow(context.Background(), fmt.Sprintf(`SELECT %s FROM %s`,
			strings.Join(counts, ", "), pgx.Identifier{table}.Sanitize()), "%"+s+"%").Scan(dest...)
		if err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		for i, c := range cols[:n] {
			if hits[i] > 0 {
				found = append(found, c[0]+"."+c[1])
			}
		}
		cols = cols[n:]
	}
	return found
}
