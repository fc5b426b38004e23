package apitest_test

import (
	"encoding/base64"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/laborx/laborx/internal/apitest"
	"github.com/laborx/laborx/internal/exchange"
)

// TestBenefitTransferNoExistenceOracle: to a third center, whatever its roles, another
// centers' transfer and a transfer that does not exist (or an ID that is no transfer's)
// give the same code and the same message, for every mutation, node and the letter; so
// does another center's worker in requestBenefitTransfer. The operator sees every
// transfer (without personal data), so it is told FORBIDDEN for a step on one that
// exists and NOT_FOUND for one that does not: nothing it could not read with node.
func TestBenefitTransferNoExistenceOracle(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	tng, _, bnh := e.AddCenter(t, "TNG", "19"), e.AddCenter(t, "HPG", "31"), e.AddCenter(t, "BNH", "24")
	today := exchange.DateInVietnam(time.Now()).Format(time.DateOnly)
	r := e.Do(t, tng.Token(t, "publisher"), requestTransfer, map[string]any{"in": transferRequest(today)})
	r.NoErrors(t)
	existing := r.String(t, "requestBenefitTransfer.benefitTransfer.id")
	worker := r.String(t, "requestBenefitTransfer.benefitTransfer.worker.id")
	ids := map[string]string{
		"another center's": existing,
		"a missing":        exchange.GlobalID(exchange.KindBenefitTransfer, uuid.New()),
		"a worker's":       worker,
		"a malformed":      "not-an-id",
	}
	file := base64.StdEncoding.EncodeToString([]byte("Mẫu 19"))
	mutations := []struct {
		name, inputType string
		extra           map[string]any
	}{
		{"addBenefitTransferDocument", "AddBenefitTransferDocumentInput", map[string]any{"kind": "OTHER", "title": "x", "contentBase64": file}},
		{"recordStopPaymentNotice", "RecordStopPaymentNoticeInput", map[string]any{"noticeDate": today, "reference": "1/TB"}},
		{"sendBenefitTransfer", "BenefitTransferStepInput", nil},
		{"receiveBenefitTransfer", "BenefitTransferStepInput", nil},
		{"acceptBenefitTransfer", "AcceptBenefitTransferInput", map[string]any{"firstPaymentDate": today}},
		{"returnBenefitTransfer", "ReturnBenefitTransferInput", map[string]any{"reason": "WRONG_CENTER"}},
		{"cancelBenefitTransfer", "BenefitTransferStepInput", nil},
	}
	answer := func(t *testing.T, r *apitest.Response, field string) string {
		t.Helper()
		if len(r.Errors) > 0 {
			return r.Errors[0].Code() + " " + r.Errors[0].Message
		}
		if r.Len(field+".userErrors") != 1 {
			return "accepted: " + string(r.Raw)
		}
		return r.String(t, field+".userErrors.0.code") + " " + r.String(t, field+".userErrors.0.message")
	}
	// same asks one question with each of the IDs and wants one NOT_FOUND answer for all.
	same := func(t *testing.T, ids map[string]string, ask func(id string) string) {
		t.Helper()
		seen := map[string]string{}
		for which, id := range ids {
			seen[ask(id)] = which
		}
		if len(seen) != 1 {
			t.Fatalf("answers differ: %v", seen)
		}
		for a := range seen {
			if len(a) < len("NOT_FOUND") || a[:len("NOT_FOUND")] != "NOT_FOUND" {
				t.Fatalf("answer %q, want NOT_FOUND", a)
			}
		}
	}
	thirds := map[string]string{"a BNH viewer": bnh.Token(t, "viewer"), "a BNH publisher": bnh.Token(t, "publisher"),
		"a BNH coordinator": bnh.Token(t, "coordinator", "publisher", "viewer")}
	for who, tok := range thirds {
		for _, m := range mutations {
			t.Run(m.name+" by "+who, func(t *testing.T) {
				same(t, ids, func(id string) string {
					in := map[string]any{"benefitTransferId": id, "expectedVersion": 1}
					for k, v := range m.extra {
						in[k] = v
					}
					return answer(t, transferStep(t, e, tok, m.name, m.inputType, in), m.name)
				})
			})
		}
		// node answers a worker's or a malformed ID as such: no transfer is involved.
		transfers := map[string]string{"another center's": existing, "a missing": ids["a missing"]}
		t.Run("node by "+who, func(t *testing.T) {
			same(t, transfers, func(id string) string {
				return answer(t, e.Do(t, tok, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": id}), "node")
			})
		})
		t.Run("letter by "+who, func(t *testing.T) {
			same(t, ids, func(id string) string {
				req, _ := http.NewRequest(http.MethodGet, e.Server.URL+"/documents/benefit-transfers/"+id+"/letter", nil)
				req.Header.Set("Authorization", "Bearer "+tok)
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer res.Body.Close()
				body, _ := io.ReadAll(res.Body)
				if res.StatusCode != http.StatusNotFound {
					return res.Status
				}
				return "NOT_FOUND " + string(body)
			})
		})
	}
	// Another center's worker is no worker of the paying center, exactly as a missing one.
	t.Run("requestBenefitTransfer with a worker of another center", func(t *testing.T) {
		tok := bnh.Token(t, "publisher")
		workers := map[string]string{"another center's": worker, "a missing": exchange.GlobalID(exchange.KindWorker, uuid.New())}
		same(t, workers, func(id string) string {
			in := transferRequest(today)
			delete(in, "worker")
			in["idempotencyKey"], in["workerId"], in["toCenterCode"], in["newAddressProvinceCode"] = nil, id, "TNG", "19"
			return answer(t, e.Do(t, tok, requestTransfer, map[string]any{"in": in}), "requestBenefitTransfer")
		})
	})
	// The operator reads the transfer with node; its steps are not the operator's.
	op := e.OperatorToken(t)
	for _, m := range mutations {
		in := func(id string) map[string]any {
			x := map[string]any{"benefitTransferId": id}
			for k, v := range m.extra {
				x[k] = v
			}
			return x
		}
		if got := answer(t, transferStep(t, e, op, m.name, m.inputType, in(existing)), m.name); got[:len("FORBIDDEN")] != "FORBIDDEN" {
			t.Errorf("operator %s on a transfer: %q, want FORBIDDEN", m.name, got)
		}
		if got := answer(t, transferStep(t, e, op, m.name, m.inputType, in(ids["a missing"])), m.name); got[:len("NOT_FOUND")] != "NOT_FOUND" {
			t.Errorf("operator %s on a missing transfer: %q, want NOT_FOUND", m.name, got)
		}
	}
}
