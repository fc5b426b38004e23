package apitest_test

import (
	"context"
	"slices"
	"testing"

	"github.com/laborx/laborx/internal/apitest"
)

const updateWorker = `mutation($in: UpdateWorkerInput!) { updateWorker(input: $in) {
	worker { id fullName phone skills version } userErrors { field code message } } }`

// TestUpdateWorker: the registering center corrects a worker explicitly (the change is
// audited by field name, never by value); the destination may not, a third center
// cannot tell the worker exists, bad values are user errors.
func TestUpdateWorker(t *testing.T) {
	t.Parallel()
	f := newReferralFixture(t, apitest.Options{})
	e := f.e
	_, workerID := refer(t, e, f.origin, referInput("001090012345", "HPG"))
	r := e.Do(t, f.origin, updateWorker, map[string]any{"in": map[string]any{"workerId": workerID, "expectedVersion": 1,
		"fullName": "  Nguyễn   Văn Sửa ", "phone": "0987 654 321", "skills": []string{"hàn TIG"}}})
	r.NoErrors(t)
	if r.String(t, "updateWorker.worker.fullName") != "Nguyễn Văn Sửa" || r.String(t, "updateWorker.worker.phone") != "+84987654321" ||
		r.Int(t, "updateWorker.worker.version") != 2 || r.Len("updateWorker.userErrors") != 0 {
		t.Fatalf("updateWorker: %s", r.Raw)
	}
	var details string
	if err := dbPool(t, e).QueryRow(context.Background(), `SELECT details::text FROM audit_entries
		WHERE action = 'worker.updated' AND center_code = 'TNG'`).Scan(&details); err != nil {
		t.Fatalf("audit entry of the update: %v", err)
	}
	if details != `{"fields": ["fullName", "phone", "skills"]}` {
		t.Errorf("audit details = %s, want the changed fields' names only", details)
	}

	for name, c := range map[string]struct {
		tok string
		in  map[string]any
		// codes are the userErrors' codes and field the first one's field.
		codes []string
		field any
	}{
		"destination":   {f.dest, map[string]any{"fullName": "X"}, []string{"FORBIDDEN"}, nil},
		"third center":  {f.bnh.Token(t, "publisher"), map[string]any{"fullName": "X"}, []string{"NOT_FOUND"}, nil},
		"origin viewer": {f.tng.Token(t, "viewer"), map[string]any{"fullName": "X"}, []string{"NOT_FOUND"}, nil},
		"stale version": {f.origin, map[string]any{"fullName": "X", "expectedVersion": 1}, []string{"VERSION_CONFLICT"}, nil},
		"bad phone":     {f.origin, map[string]any{"phone": "123"}, []string{"INVALID"}, []any{"input", "phone"}},
		"bad occupation": {f.origin, map[string]any{"occupationCode": "99"}, []string{"UNKNOWN_OCCUPATION"},
			[]any{"input", "occupationCode"}},
		"nothing": {f.origin, map[string]any{}, []string{"REQUIRED"}, nil},
	} {
		t.Run(name, func(t *testing.T) {
			in := map[string]any{"workerId": workerID}
			for k, v := range c.in {
				in[k] = v
			}
			r := e.Do(t, c.tok, updateWorker, map[string]any{"in": in})
			if got := r.UserErrorCodes("updateWorker"); !slices.Equal(got, c.codes) || r.Get("updateWorker.worker") != nil {
				t.Errorf("codes = %v, want %v: %s", got, c.codes, r.Raw)
			}
			if c.field != nil && !slices.Equal(r.Get("updateWorker.userErrors.0.field").([]any), c.field.([]any)) {
				t.Errorf("field = %v, want %v", r.Get("updateWorker.userErrors.0.field"), c.field)
			}
		})
	}
}
