package apitest_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/laborx/laborx/internal/apitest"
	"github.com/laborx/laborx/internal/exchange"
)

const transferFields = `id status version revision requestedOn dueBy overdue decisionNumber decisionDate
	monthlyAmount monthsGranted monthsPaid monthsRemaining newAddressProvince { code }
	stopPaymentNoticeDate stopPaymentNoticeReference firstPaymentDate
	fromCenter { code } toCenter { code } worker { id fullName nationalIdMasked }
	events { from to action actorCenter { code } actorSubject revision returnReason note }
	documents { kind title sha256 size revision }`

const requestTransfer = `mutation($in: RequestBenefitTransferInput!) { requestBenefitTransfer(input: $in) {
	benefitTransfer { ` + transferFields + ` } userErrors { field code message } } }`

const transferNode = `query($id: ID!) { node(id: $id) { ... on BenefitTransfer { ` + transferFields + ` } } }`

// transferStep runs one lifecycle mutation with its input.
func transferStep(t *testing.T, e *apitest.Env, token, mutation, inputType string, input map[string]any) *apitest.Response {
	t.Helper()
	q := fmt.Sprintf(`mutation($in: %s!) { %s(input: $in) { benefitTransfer { %s } userErrors { field code message } } }`,
		inputType, mutation, transferFields)
	return e.Do(t, token, q, map[string]any{"in": input})
}

// transferRequest is TNG's request for a worker moving to Hải Phòng: 6 months granted
// at 3,850,000 VND, 2 paid.
func transferRequest(today string) map[string]any {
	return map[string]any{
		"idempotencyKey": "form19-0001",
		"worker":         workerInput("019090012345"),
		"toCenterCode":   "HPG", "newAddressProvinceCode": "31",
		"decisionNumber": "1234/QĐ-TTDVVL", "decisionDate": "2025-12-01",
		"monthlyAmount": 3850000, "monthsGranted": 6, "monthsPaid": 2,
		"requestedOn": today, "note": "chuyển đến Hải Phòng theo con",
	}
}

// wantNoPersonalData checks that the caller sees the transfer (or not at all, when
// visible is false) without the worker, the decision, the amounts or notes.
func wantNoPersonalData(t *testing.T, e *apitest.Env, who, token, id string, visible bool) {
	t.Helper()
	r := e.Do(t, token, transferNode, map[string]any{"id": id})
	if !visible {
		if codes := r.ErrorCodes(); len(codes) != 1 || codes[0] != "NOT_FOUND" {
			t.Fatalf("%s: node = %v, want NOT_FOUND: %s", who, codes, r.Raw)
		}
		return
	}
	r.NoErrors(t)
	if r.String(t, "node.id") != id {
		t.Fatalf("%s does not see the transfer: %s", who, r.Raw)
	}
	for _, f := range []string{"worker", "decisionNumber", "decisionDate", "monthlyAmount", "monthsGranted", "monthsPaid",
		"monthsRemaining", "newAddressProvince", "stopPaymentNoticeReference", "documents"} {
		if v := r.Get("node." + f); v != nil {
			t.Errorf("%s sees %s = %v", who, f, v)
		}
	}
	for i := range r.Len("node.events") {
		for _, f := range []string{"note", "actorSubject"} {
			if v := r.Get(fmt.Sprintf("node.events.%d.%s", i, f)); v != nil {
				t.Errorf("%s sees event %d %s = %v", who, i, f, v)
			}
		}
	}
}

func TestBenefitTransferScenario(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	tng, hpg, bnh := e.AddCenter(t, "TNG", "19"), e.AddCenter(t, "HPG", "31"), e.AddCenter(t, "BNH", "24")
	paying, receiving := tng.Token(t, "publisher"), hpg.Token(t, "publisher")
	outsiders := []struct {
		who, token string
		visible    bool
	}{
		{"BNH", bnh.Token(t, "publisher"), false},
		{"a TNG viewer", tng.Token(t, "viewer"), true},
		{"an HPG viewer", hpg.Token(t, "viewer"), true},
		{"the operator", e.OperatorToken(t), true},
	}
	checkOutsiders := func(id string) {
		t.Helper()
		for _, o := range outsiders {
			wantNoPersonalData(t, e, o.who, o.token, id, o.visible)
		}
	}
	todayT := exchange.DateInVietnam(time.Now())
	today := todayT.Format(time.DateOnly)

	// TNG records the worker's request (Form 19), registering the worker with consent.
	r := e.Do(t, paying, requestTransfer, map[string]any{"in": transferRequest(today)})
	r.NoErrors(t)
	wantCodes(t, r, "requestBenefitTransfer")
	const p = "requestBenefitTransfer.benefitTransfer."
	id := r.String(t, p+"id")
	for path, want := range map[string]string{
		"status": "REQUESTED", "fromCenter.code": "TNG", "toCenter.code": "HPG", "requestedOn": today,
		"dueBy":   exchange.AddWorkingDays(todayT, 3).Format(time.DateOnly),
		"overdue": "false", "monthsRemaining": "4", "monthlyAmount": "3850000", "worker.fullName": "Nguyễn Văn Thử",
		"newAddressProvince.code": "31", "events.0.to": "REQUESTED", "events.0.note": "chuyển đến Hải Phòng theo con",
	} {
		got := fmt.Sprint(r.Get(p + path))
		if f, ok := r.Get(p + path).(float64); ok {
			got = fmt.Sprintf("%.0f", f)
		}
		if got != want {
			t.Errorf("%s = %s, want %s", path, got, want)
		}
	}
	// The signed request form goes into the dossier; an empty file does not.
	form := []byte("Mẫu số 19 – đề nghị chuyển nơi hưởng")
	r = transferStep(t, e, paying, "addBenefitTransferDocument", "AddBenefitTransferDocumentInput", map[string]any{
		"benefitTransferId": id, "kind": "REQUEST_FORM", "title": "Mẫu 19", "contentBase64": base64.StdEncoding.EncodeToString(form)})
	wantCodes(t, r, "addBenefitTransferDocument")
	r = transferStep(t, e, paying, "addBenefitTransferDocument", "AddBenefitTransferDocumentInput", map[string]any{
		"benefitTransferId": id, "kind": "OTHER", "title": "trống", "contentBase64": ""})
	wantCodes(t, r, "addBenefitTransferDocument", "REQUIRED")
	// A retry with the same key replays the request.
	again := e.Do(t, paying, requestTransfer, map[string]any{"in": transferRequest(today)})
	again.NoErrors(t)
	wantString(t, again, p+"id", id)

	// Before the dossier is sent, the receiving center sees the transfer but no personal data.
	wantNoPersonalData(t, e, "HPG before sending", receiving, id, true)
	checkOutsiders(id)

	// The receiving center cannot record the paying center's steps, nor a stale version.
	r = transferStep(t, e, receiving, "recordStopPaymentNotice", "RecordStopPaymentNoticeInput",
		map[string]any{"benefitTransferId": id, "noticeDate": today, "reference": "55/TB-TTDVVL"})
	if codes := r.ErrorCodes(); len(codes) != 1 || codes[0] != "FORBIDDEN" {
		t.Fatalf("HPG records Form 20: %v %s", codes, r.Raw)
	}
	r = transferStep(t, e, paying, "recordStopPaymentNotice", "RecordStopPaymentNoticeInput",
		map[string]any{"benefitTransferId": id, "noticeDate": today, "reference": "55/TB-TTDVVL", "expectedVersion": 7})
	wantCodes(t, r, "recordStopPaymentNotice", "VERSION_CONFLICT")

	// TNG records Form 20 and sends the dossier.
	r = transferStep(t, e, paying, "recordStopPaymentNotice", "RecordStopPaymentNoticeInput",
		map[string]any{"benefitTransferId": id, "noticeDate": today, "reference": "55/TB-TTDVVL", "expectedVersion": 2})
	wantCodes(t, r, "recordStopPaymentNotice")
	wantString(t, r, "recordStopPaymentNotice.benefitTransfer.status", "NOTIFIED")
	r = transferStep(t, e, paying, "sendBenefitTransfer", "BenefitTransferStepInput", map[string]any{"benefitTransferId": id})
	wantCodes(t, r, "sendBenefitTransfer")
	wantString(t, r, "sendBenefitTransfer.benefitTransfer.status", "SENT")
	checkOutsiders(id)

	// HPG receives it, now sees the worker, and returns it as incomplete.
	r = transferStep(t, e, receiving, "receiveBenefitTransfer", "BenefitTransferStepInput", map[string]any{"benefitTransferId": id})
	wantCodes(t, r, "receiveBenefitTransfer")
	wantString(t, r, "receiveBenefitTransfer.benefitTransfer.worker.fullName", "Nguyễn Văn Thử")
	wantString(t, r, "receiveBenefitTransfer.benefitTransfer.decisionNumber", "1234/QĐ-TTDVVL")
	r = transferStep(t, e, receiving, "returnBenefitTransfer", "ReturnBenefitTransferInput",
		map[string]any{"benefitTransferId": id, "reason": "INCOMPLETE_DOSSIER", "note": "thiếu bản sao quyết định"})
	wantCodes(t, r, "returnBenefitTransfer")
	wantString(t, r, "returnBenefitTransfer.benefitTransfer.status", "RETURNED")
	checkOutsiders(id)

	// TNG adds the missing decision and sends the corrected dossier again: revision 2.
	decision := []byte("%PDF-1.4 quyết định hưởng trợ cấp thất nghiệp số 1234")
	r = transferStep(t, e, paying, "addBenefitTransferDocument", "AddBenefitTransferDocumentInput", map[string]any{
		"benefitTransferId": id, "kind": "DECISION", "title": "Quyết định 1234/QĐ-TTDVVL",
		"contentBase64": base64.StdEncoding.EncodeToString(decision)})
	wantCodes(t, r, "addBenefitTransferDocument")
	r = transferStep(t, e, paying, "sendBenefitTransfer", "BenefitTransferStepInput",
		map[string]any{"benefitTransferId": id, "note": "bổ sung quyết định"})
	wantCodes(t, r, "sendBenefitTransfer")
	if got := r.Int(t, "sendBenefitTransfer.benefitTransfer.revision"); got != 2 {
		t.Fatalf("revision = %d, want 2", got)
	}

	// HPG receives and accepts it, paying the first month.
	r = transferStep(t, e, receiving, "receiveBenefitTransfer", "BenefitTransferStepInput", map[string]any{"benefitTransferId": id})
	wantCodes(t, r, "receiveBenefitTransfer")
	r = transferStep(t, e, receiving, "acceptBenefitTransfer", "AcceptBenefitTransferInput",
		map[string]any{"benefitTransferId": id, "firstPaymentDate": today})
	wantCodes(t, r, "acceptBenefitTransfer")
	const a = "acceptBenefitTransfer.benefitTransfer."
	wantString(t, r, a+"status", "ACCEPTED")
	wantString(t, r, a+"firstPaymentDate", today)
	var steps []string
	for i := range r.Len(a + "events") {
		steps = append(steps, fmt.Sprintf("%v>%v@%v", r.Get(fmt.Sprintf(a+"events.%d.from", i)),
			r.Get(fmt.Sprintf(a+"events.%d.to", i)), r.Get(fmt.Sprintf(a+"events.%d.revision", i))))
	}
	want := "[<nil>>REQUESTED@1 REQUESTED>NOTIFIED@1 NOTIFIED>SENT@1 SENT>RECEIVED@1 RECEIVED>RETURNED@1 " +
		"RETURNED>SENT@2 SENT>RECEIVED@2 RECEIVED>ACCEPTED@2]"
	if got := fmt.Sprint(steps); got != want {
		t.Errorf("events = %s, want %s", got, want)
	}
	checkOutsiders(id)

	// HPG reads the dossier: both revisions' documents, and the files themselves.
	r = e.Do(t, receiving, `query($id: ID!) { node(id: $id) { ... on BenefitTransfer {
		documents { kind title sha256 size revision contentBase64 } } } }`, map[string]any{"id": id})
	r.NoErrors(t)
	sum := sha256.Sum256(decision)
	for path, want := range map[string]string{
		"node.documents.0.kind": "REQUEST_FORM", "node.documents.0.revision": "1",
		"node.documents.1.kind": "DECISION", "node.documents.1.revision": "2",
		"node.documents.1.sha256": hex.EncodeToString(sum[:]), "node.documents.1.size": fmt.Sprint(len(decision)),
		"node.documents.1.contentBase64": base64.StdEncoding.EncodeToString(decision),
	} {
		if got := fmt.Sprint(r.Get(path)); got != want {
			t.Errorf("%s = %s, want %s", path, got, want)
		}
	}

	// The letter (Form 21): the two centers' staff read it; others do not.
	letterURL := e.Server.URL + "/documents/benefit-transfers/" + id + "/letter"
	for _, token := range []string{paying, receiving} {
		res, body := get(t, letterURL, map[string]string{"Authorization": "Bearer " + token})
		if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
			t.Fatalf("letter: %d %s", res.StatusCode, body)
		}
		for _, want := range []string{
			"GIẤY GIỚI THIỆU", "Về việc chuyển nơi hưởng trợ cấp thất nghiệp", "Kính gửi: Trung tâm HPG",
			"Trung tâm TNG trân trọng giới thiệu", "<b>Nguyễn Văn Thử</b>, sinh ngày 17/05/1990", "********2345",
			"Quyết định số 1234/QĐ-TTDVVL ngày 01/12/2025", "được hưởng trợ cấp thất nghiệp: <b>6</b> tháng",
			"đã hưởng: <b>2</b> tháng", "còn lại chưa hưởng: <b>4</b> tháng", "<b>3.850.000</b> đồng",
			"Nơi chuyển đến: Hải Phòng", "(Mẫu số 20): số 55/TB-TTDVVL", "Hồ sơ lần 2",
		} {
			if !strings.Contains(body, want) {
				t.Errorf("the letter lacks %q:\n%s", want, body)
			}
		}
	}
	for _, c := range []struct {
		who, token string
		status     int
	}{
		{"BNH", outsiders[0].token, http.StatusNotFound},
		{"a TNG viewer", outsiders[1].token, http.StatusForbidden},
		{"the operator", outsiders[3].token, http.StatusForbidden},
		{"no token", "", http.StatusUnauthorized},
	} {
		header := map[string]string{}
		if c.token != "" {
			header["Authorization"] = "Bearer " + c.token
		}
		res, body := get(t, letterURL, header)
		if res.StatusCode != c.status || strings.Contains(body, "Thử") {
			t.Errorf("%s reads the letter: %d %s", c.who, res.StatusCode, body)
		}
	}

	// Lists: HPG's incoming, TNG's outgoing, none for BNH.
	const list = `query($f: BenefitTransferFilter) { benefitTransfers(filter: $f) { totalCount edges { node { id } } } }`
	for _, c := range []struct {
		who, token string
		filter     map[string]any
		want       int
	}{
		{"HPG incoming", receiving, map[string]any{"direction": "INCOMING"}, 1},
		{"HPG outgoing", receiving, map[string]any{"direction": "OUTGOING"}, 0},
		{"TNG outgoing accepted", paying, map[string]any{"direction": "OUTGOING", "statuses": []string{"ACCEPTED"}}, 1},
		{"TNG overdue", paying, map[string]any{"overdue": true}, 0},
		{"TNG before today", paying, map[string]any{"to": today}, 0},
		{"BNH", outsiders[0].token, nil, 0},
		{"operator", e.OperatorToken(t), nil, 1},
	} {
		r := e.Do(t, c.token, list, map[string]any{"f": c.filter})
		r.NoErrors(t)
		if got := r.Int(t, "benefitTransfers.totalCount"); got != c.want {
			t.Errorf("%s: %d transfers, want %d", c.who, got, c.want)
		}
	}
}
