package apitest_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/laborx/laborx/internal/apitest"
	"github.com/laborx/laborx/internal/exchange"
)

// oracleAnswer is what a caller learns from a request about an ID: the first
// userError's (or else errors[]'s) code and message, with the path of the field at
// fault; "answered" with the data when nothing was refused.
func oracleAnswer(r *apitest.Response, field string) string {
	if list, ok := r.Get(field + ".userErrors").([]any); ok && len(list) > 0 {
		ue := list[0].(map[string]any)
		return fmt.Sprintf("%v %v at %v", ue["code"], ue["message"], ue["field"])
	}
	if len(r.Errors) > 0 {
		return r.Errors[0].Code() + " " + r.Errors[0].Message
	}
	return "answered: " + string(r.Raw)
}

// TestNoExistenceOraclesEverywhere: for every mutation and query that takes the ID of
// a demand, supply, agreement, benefit transfer or worker (and the featured demands of
// a session), a center that may not see another center's object gets the same code and
// message for it as for an ID that names nothing. updateReferralStatus and the worker
// mutations are TestNoExistenceOracles'. Exchange sessions are announcements every
// center sees, so there is no hidden session to probe.
func TestNoExistenceOraclesEverywhere(t *testing.T) {
	t.Parallel()
	f := newReferralFixture(t, apitest.Options{})
	e := f.e
	tng, hpg := f.tng.Token(t, "publisher", "coordinator"), f.hpg.Token(t, "publisher", "coordinator")
	outsider := f.bnh.Token(t, "publisher", "coordinator")
	today := time.Now().Format(time.DateOnly)

	// HPG's partner-only demand, TNG's supply, the TNG–HPG agreement, a transfer from
	// TNG to HPG and a worker of TNG: none of them BNH's to act on, the demand, the
	// agreement, the transfer and the worker not even to see.
	demand := mustPublishDemand(t, e, hpg, map[string]any{"visibility": "AGREEMENT_PARTNERS"})
	supply := mustPublishSupply(t, e, tng, nil)
	r := e.Do(t, tng, proposeAgreement, in("title", "TNG–HPG", "partyCenterCodes", []string{"HPG"},
		"terms", terms(quota("8153", 10, "TNG", "HPG"))))
	r.NoErrors(t)
	agreement := r.String(t, "proposeAgreement.agreement.id")
	r = e.Do(t, tng, requestTransfer, map[string]any{"in": transferRequest(today)})
	r.NoErrors(t)
	transfer := r.String(t, "requestBenefitTransfer.benefitTransfer.id")
	_, worker := refer(t, e, f.origin, referInput("001090054321", "HPG"))
	missing := func(k exchange.Kind) string { return exchange.GlobalID(k, uuid.New()) }

	step := func(mutation, inputType string) string {
		return fmt.Sprintf(`mutation($in: %s!) { %s(input: $in) { benefitTransfer { id } userErrors { field code message } } }`,
			inputType, mutation)
	}
	agreementStep := func(mutation, inputType string) string {
		return fmt.Sprintf(`mutation($in: %s!) { %s(input: $in) { agreement { id } userErrors { field code message } } }`,
			inputType, mutation)
	}
	type probe struct {
		name, query, field string
		kind               exchange.Kind
		hidden             string
		// vars builds the request's variables around the ID.
		vars func(id string) map[string]any
	}
	input := func(idField string, extra ...any) func(string) map[string]any {
		return func(id string) map[string]any {
			m := map[string]any{idField: id}
			for i := 0; i < len(extra); i += 2 {
				m[extra[i].(string)] = extra[i+1]
			}
			return map[string]any{"in": m}
		}
	}
	byID := func(id string) map[string]any { return map[string]any{"id": id} }
	probes := []probe{
		{"updateLaborDemand", updateDemand, "updateLaborDemand", exchange.KindLaborDemand, demand,
			input("laborDemandId", "title", "Thợ may")},
		{"closeLaborDemand", closeDemand, "closeLaborDemand", exchange.KindLaborDemand, demand, input("laborDemandId")},
		{"updateLaborSupply", `mutation($in: UpdateLaborSupplyInput!) { updateLaborSupply(input: $in) {
			laborSupply { id } userErrors { field code message } } }`, "updateLaborSupply", exchange.KindLaborSupply, supply,
			input("laborSupplyId", "quantity", 5)},
		{"withdrawLaborSupply", `mutation($in: WithdrawLaborSupplyInput!) { withdrawLaborSupply(input: $in) {
			laborSupply { id } userErrors { field code message } } }`, "withdrawLaborSupply", exchange.KindLaborSupply, supply,
			input("laborSupplyId")},
		{"reviseAgreement", agreementStep("reviseAgreement", "ReviseAgreementInput"), "reviseAgreement", exchange.KindAgreement,
			agreement, input("agreementId", "terms", terms(quota("8153", 12, "TNG", "HPG")))},
		{"commentOnAgreement", commentOnAgreement, "commentOnAgreement", exchange.KindAgreement, agreement,
			input("agreementId", "text", "Đề nghị")},
		{"signAgreement", agreementStep("signAgreement", "SignAgreementInput"), "signAgreement", exchange.KindAgreement,
			agreement, input("agreementId", "revision", 1)},
		{"rejectAgreement", agreementStep("rejectAgreement", "RejectAgreementInput"), "rejectAgreement", exchange.KindAgreement,
			agreement, input("agreementId", "reason", "không phù hợp")},
		{"withdrawAgreement", agreementStep("withdrawAgreement", "WithdrawAgreementInput"), "withdrawAgreement",
			exchange.KindAgreement, agreement, input("agreementId")},
		{"terminateAgreement", agreementStep("terminateAgreement", "TerminateAgreementInput"), "terminateAgreement",
			exchange.KindAgreement, agreement, input("agreementId", "reason", "hết nhu cầu")},
		{"referWorker demandId", referWorker, "referWorker", exchange.KindLaborDemand, demand, func(id string) map[string]any {
			return map[string]any{"in": withOverrides(referInput("024090011111", "HPG"), map[string]any{"demandId": id})}
		}},
		{"referWorker agreementId", referWorker, "referWorker", exchange.KindAgreement, agreement, func(id string) map[string]any {
			return map[string]any{"in": withOverrides(referInput("024090022222", "HPG"), map[string]any{"agreementId": id})}
		}},
		{"scheduleExchangeSession featuredDemandIds", scheduleSession, "scheduleExchangeSession", exchange.KindLaborDemand, demand,
			func(id string) map[string]any {
				return map[string]any{"in": sessionInput(map[string]any{"provinceCode": "24", "address": "Yên Phong",
					"featuredDemandIds": []string{id}})}
			}},
		{"addBenefitTransferDocument", step("addBenefitTransferDocument", "AddBenefitTransferDocumentInput"),
			"addBenefitTransferDocument", exchange.KindBenefitTransfer, transfer,
			input("benefitTransferId", "kind", "DECISION", "title", "Quyết định", "contentBase64", "JVBERi0=")},
		{"recordStopPaymentNotice", step("recordStopPaymentNotice", "RecordStopPaymentNoticeInput"), "recordStopPaymentNotice",
			exchange.KindBenefitTransfer, transfer, input("benefitTransferId", "noticeDate", today, "reference", "20/TB")},
		{"sendBenefitTransfer", step("sendBenefitTransfer", "BenefitTransferStepInput"), "sendBenefitTransfer",
			exchange.KindBenefitTransfer, transfer, input("benefitTransferId")},
		{"receiveBenefitTransfer", step("receiveBenefitTransfer", "BenefitTransferStepInput"), "receiveBenefitTransfer",
			exchange.KindBenefitTransfer, transfer, input("benefitTransferId")},
		{"acceptBenefitTransfer", step("acceptBenefitTransfer", "AcceptBenefitTransferInput"), "acceptBenefitTransfer",
			exchange.KindBenefitTransfer, transfer, input("benefitTransferId", "firstPaymentDate", today)},
		{"returnBenefitTransfer", step("returnBenefitTransfer", "ReturnBenefitTransferInput"), "returnBenefitTransfer",
			exchange.KindBenefitTransfer, transfer, input("benefitTransferId", "reason", "INCOMPLETE_DOSSIER")},
		{"cancelBenefitTransfer", step("cancelBenefitTransfer", "BenefitTransferStepInput"), "cancelBenefitTransfer",
			exchange.KindBenefitTransfer, transfer, input("benefitTransferId")},
		{"requestBenefitTransfer workerId", requestTransfer, "requestBenefitTransfer", exchange.KindWorker, worker,
			func(id string) map[string]any {
				in := transferRequest(today)
				delete(in, "worker")
				in["workerId"], in["idempotencyKey"], in["toCenterCode"], in["newAddressProvinceCode"] = id, nil, "HPG", "31"
				return map[string]any{"in": in}
			}},
		{"matchesForDemand", `query($id: ID!) { matchesForDemand(demandId: $id) { score } }`, "matchesForDemand",
			exchange.KindLaborDemand, demand, byID},
		{"agreementFulfillment", statsFulfillment, "stats", exchange.KindAgreement, agreement, byID},
	}
	// node and nodes, for each kind hidden from the outsider.
	for _, h := range []struct {
		kind exchange.Kind
		id   string
	}{{exchange.KindLaborDemand, demand}, {exchange.KindAgreement, agreement}, {exchange.KindBenefitTransfer, transfer},
		{exchange.KindWorker, worker}} {
		probes = append(probes,
			probe{"node " + string(h.kind), `query($id: ID!) { node(id: $id) { id } }`, "node", h.kind, h.id, byID},
			probe{"nodes " + string(h.kind), `query($id: ID!) { nodes(ids: [$id]) { id } }`, "nodes", h.kind, h.id, byID})
	}
	for _, p := range probes {
		t.Run(p.name, func(t *testing.T) {
			// A message may quote the caller's own ID back; the rest must be the same.
			ask := func(id string) string {
				return strings.ReplaceAll(oracleAnswer(e.Do(t, outsider, p.query, p.vars(id)), p.field), id, "<id>")
			}
			hidden, gone := ask(p.hidden), ask(missing(p.kind))
			if hidden != gone || !strings.Contains(hidden, "NOT_FOUND") {
				t.Errorf("another center's object: %q\nan ID that names nothing: %q\nwant the same NOT_FOUND", hidden, gone)
			}
		})
	}
}
