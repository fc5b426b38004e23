package apitest_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/laborx/laborx/internal/apitest"
)

const demandTermsFields = `hoursPerWeek shifts contractMonths contractEndDate overtime { hoursPerMonth payRatePercent }
	payPeriod deductions { kind amount } probationDays socialInsurance`

// A job order's terms go in through publish, update and the CSV import and come back
// as they were given; terms outside the Labour Code's bounds are user errors.
func TestDemandTerms(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	hpg := e.AddCenter(t, "HPG", "31")
	tok := hpg.Token(t, "publisher")
	start := time.Now().UTC().AddDate(0, 0, 14).Format(time.DateOnly)
	terms := map[string]any{"startDate": start, "employmentType": "FIXED_TERM", "hoursPerWeek": 48,
		"shifts": []string{"DAY", "NIGHT"}, "contractMonths": 12, "overtime": map[string]any{"hoursPerMonth": 40},
		"payPeriod": "MONTHLY", "deductions": []any{map[string]any{"kind": "HOUSING", "amount": 500000},
			map[string]any{"kind": "MEALS", "amount": 300000}},
		"probationDays": 6, "socialInsurance": true}
	const publish = `mutation($in: PublishLaborDemandInput!) { publishLaborDemand(input: $in) {
		laborDemand { id version ` + demandTermsFields + ` } userErrors { field code message } } }`

	r := e.Do(t, tok, publish, map[string]any{"in": demandInput(terms)})
	r.NoErrors(t)
	if codes := r.UserErrorCodes("publishLaborDemand"); len(codes) > 0 {
		t.Fatalf("publish with terms: %s", r.Raw)
	}
	id := r.String(t, "publishLaborDemand.laborDemand.id")
	d := r.Get("publishLaborDemand.laborDemand").(map[string]any)
	got, _ := json.Marshal(map[string]any{"h": d["hoursPerWeek"], "s": d["shifts"], "c": d["contractMonths"],
		"e": d["contractEndDate"], "o": d["overtime"], "p": d["payPeriod"], "d": d["deductions"], "pr": d["probationDays"],
		"si": d["socialInsurance"]})
	want := `{"c":12,"d":[{"amount":500000,"kind":"HOUSING"},{"amount":300000,"kind":"MEALS"}],"e":null,"h":48,` +
		`"o":{"hoursPerMonth":40,"payRatePercent":150},"p":"MONTHLY","pr":6,"s":["DAY","NIGHT"],"si":true}`
	if string(got) != want {
		t.Errorf("terms = %s\nwant %s", got, want)
	}

	t.Run("ErrOutOfBounds", func(t *testing.T) {
		r := e.Do(t, tok, publish, map[string]any{"in": demandInput(map[string]any{"hoursPerWeek": 56,
			"contractMonths": 48, "overtime": map[string]any{"hoursPerMonth": 60, "payRatePercent": 100},
			"probationDays": 30, "shifts": []string{"DAY", "DAY"},
			"deductions": []any{map[string]any{"kind": "HOUSING", "amount": 9500000}}})})
		var got []string
		for _, x := range r.Get("publishLaborDemand.userErrors").([]any) {
			ue := x.(map[string]any)
			var f []string
			for _, p := range ue["field"].([]any) {
				f = append(f, p.(string))
			}
			got = append(got, strings.Join(f, ".")+":"+ue["code"].(string))
		}
		want := []string{"input.hoursPerWeek:OUT_OF_RANGE", "input.shifts.1:INVALID", "input.contractMonths:OUT_OF_RANGE",
			"input.overtime.hoursPerMonth:OUT_OF_RANGE", "input.overtime.payRatePercent:OUT_OF_RANGE",
			"input.deductions:INVALID", "input.probationDays:OUT_OF_RANGE"}
		if !slices.Equal(got, want) {
			t.Errorf("userErrors = %v\nwant %v", got, want)
		}
	})

	t.Run("Update", func(t *testing.T) {
		end := time.Now().UTC().AddDate(2, 0, 0).Format(time.DateOnly)
		r := e.Do(t, tok, `mutation($in: UpdateLaborDemandInput!) { updateLaborDemand(input: $in) {
			laborDemand { version `+demandTermsFields+` } userErrors { field code } } }`,
			map[string]any{"in": map[string]any{"laborDemandId": id, "contractEndDate": end, "shifts": []string{},
				"deductions": []any{map[string]any{"kind": "TRANSPORT", "amount": 200000}}, "socialInsurance": false,
				"expectedVersion": 1}})
		r.NoErrors(t)
		for path, want := range map[string]any{
			"updateLaborDemand.laborDemand.contractEndDate":         end,
			"updateLaborDemand.laborDemand.contractMonths":          nil, // an end date replaces the months
			"updateLaborDemand.laborDemand.hoursPerWeek":            float64(48),
			"updateLaborDemand.laborDemand.socialInsurance":         false,
			"updateLaborDemand.laborDemand.deductions.0.kind":       "TRANSPORT",
			"updateLaborDemand.laborDemand.overtime.hoursPerMonth":  float64(40),
			"updateLaborDemand.laborDemand.version":                 float64(2),
			"updateLaborDemand.laborDemand.probationDays":           float64(6),
			"updateLaborDemand.laborDemand.payPeriod":               "MONTHLY",
			"updateLaborDemand.laborDemand.overtime.payRatePercent": float64(150),
		} {
			if got := r.Get(path); got != want {
				t.Errorf("%s = %v, want %v (%s)", path, got, want, r.Raw)
			}
		}
		if r.Len("updateLaborDemand.laborDemand.shifts") != 0 || r.Len("updateLaborDemand.laborDemand.deductions") != 1 {
			t.Errorf("lists: %s", r.Raw)
		}
		// A probation longer than the job's level allows is refused on update too.
		r = e.Do(t, tok, `mutation($in: UpdateLaborDemandInput!) { updateLaborDemand(input: $in) { userErrors { field code } } }`,
			map[string]any{"in": map[string]any{"laborDemandId": id, "probationDays": 7}})
		if !slices.Equal(r.UserErrorCodes("updateLaborDemand"), []string{"OUT_OF_RANGE"}) {
			t.Errorf("probation 7 days for a semi-skilled job: %s", r.Raw)
		}
	})

	t.Run("Import", func(t *testing.T) {
		expires := time.Now().UTC().AddDate(0, 1, 0).Format(time.DateOnly)
		csv := "employer_name,occupation_code,title,quantity,wage_min,work_province_code,employment_type,expires_at," +
			"skill_level,min_age,max_age,hours_per_week,shifts,contract_months,overtime_hours_per_month," +
			"overtime_pay_rate_percent,pay_period,deductions,probation_days,social_insurance\n" +
			"Công ty A,8153,Thợ may,5,7000000,31,FIXED_TERM," + expires + ",SKILLED,18,35,44,day;night,24,20,200,monthly," +
			"HOUSING:400000;MEALS:250000,30,true\n" +
			"Công ty B,8153,Thợ may,5,7000000,31,FIXED_TERM," + expires + ",,,,50,DAY,,,,,HOUSING=1,7,\n"
		r := e.Do(t, tok, `mutation($in: ImportInput!) { importLaborDemand(input: $in) {
			createdCount rowErrors { line column code } userErrors { code } } }`,
			map[string]any{"in": map[string]any{"csv": csv, "partial": true}})
		r.NoErrors(t)
		var errs []string
		for _, x := range r.Get("importLaborDemand.rowErrors").([]any) {
			m := x.(map[string]any)
			errs = append(errs, strings.Join([]string{itoaF(m["line"]), m["column"].(string), m["code"].(string)}, ":"))
		}
		want := []string{"3:deductions:INVALID", "3:hours_per_week:OUT_OF_RANGE", "3:probation_days:OUT_OF_RANGE"}
		slices.Sort(errs)
		if r.Int(t, "importLaborDemand.createdCount") != 1 || !slices.Equal(errs, want) {
			t.Fatalf("import: %s\nerrors %v, want %v", r.Raw, errs, want)
		}
		r = e.Do(t, tok, `{ laborDemands(filter: {text: "Công ty A"}) { edges { node { requirements { skillLevel minAge maxAge }
			`+demandTermsFields+` } } } }`, nil)
		r.NoErrors(t)
		node, _ := json.Marshal(r.Get("laborDemands.edges.0.node"))
		wantNode := `{"contractEndDate":null,"contractMonths":24,"deductions":[{"amount":400000,"kind":"HOUSING"},` +
			`{"amount":250000,"kind":"MEALS"}],"hoursPerWeek":44,"overtime":{"hoursPerMonth":20,"payRatePercent":200},` +
			`"payPeriod":"MONTHLY","probationDays":30,"requirements":{"maxAge":35,"minAge":18,"skillLevel":"SKILLED"},` +
			`"shifts":["DAY","NIGHT"],"socialInsurance":true}`
		if string(node) != wantNode {
			t.Errorf("imported demand = %s\nwant %s", node, wantNode)
		}
	})
}

// Matching weighs a demand's skill level, ages and education against what a supply
// states, and names each requirement that is met, missed or unknown.
func TestMatchingRequirements(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	hpg := e.AddCenter(t, "HPG", "31")
	tng := e.AddCenter(t, "TNG", "19")
	hp, tn := hpg.Token(t, "publisher"), tng.Token(t, "publisher")
	demand := mustPublishDemand(t, e, hp, map[string]any{"requirements": map[string]any{"skillLevel": "SKILLED",
		"minAge": 18, "maxAge": 35, "educationLevel": "UPPER_SECONDARY"}})
	const publish = `mutation($in: PublishLaborSupplyInput!) { publishLaborSupply(input: $in) {
		laborSupply { id educationLevel minAge maxAge } userErrors { field code } } }`
	ids := map[string]string{}
	for _, s := range []map[string]any{
		{"notes": "fits", "skillLevel": "HIGHLY_SKILLED", "educationLevel": "VOCATIONAL_INTERMEDIATE", "minAge": 20, "maxAge": 30},
		{"notes": "below", "skillLevel": "SEMI_SKILLED", "educationLevel": "LOWER_SECONDARY", "minAge": 40, "maxAge": 55},
		{"notes": "partly", "skillLevel": "SKILLED", "educationLevel": "UPPER_SECONDARY", "minAge": 30, "maxAge": 45},
		{"notes": "unknown", "skillLevel": nil},
	} {
		r := e.Do(t, tn, publish, map[string]any{"in": supplyInput(s)})
		r.NoErrors(t)
		ids[s["notes"].(string)] = r.String(t, "publishLaborSupply.laborSupply.id")
	}
	r := e.Do(t, tn, publish, map[string]any{"in": supplyInput(map[string]any{"minAge": 50, "maxAge": 20})})
	if !slices.Equal(r.UserErrorCodes("publishLaborSupply"), []string{"INVALID"}) {
		t.Errorf("minAge above maxAge: %s", r.Raw)
	}

	r = e.Do(t, hp, `query($id: ID!) { matchesForDemand(demandId: $id) { score reasons laborSupply { notes } } }`,
		map[string]any{"id": demand})
	r.NoErrors(t)
	type m struct {
		notes, reasons string
		score          float64
	}
	var got []m
	for _, x := range r.Get("matchesForDemand").([]any) {
		x := x.(map[string]any)
		var reasons []string
		for _, s := range x["reasons"].([]any) {
			reasons = append(reasons, s.(string))
		}
		got = append(got, m{x["laborSupply"].(map[string]any)["notes"].(string), strings.Join(reasons[5:], ","), x["score"].(float64)})
	}
	// The first five reasons (occupation, destination, wage, dates, agreement) are the same
	// for all four: 0.70 of the score (no agreement); the requirements add up to 0.20.
	want := []m{
		{"fits", "SKILL_LEVEL_MEETS,AGE_ELIGIBLE,EDUCATION_MEETS", 0.90},
		{"partly", "SKILL_LEVEL_MEETS,AGE_PARTLY_ELIGIBLE,EDUCATION_MEETS", 0.85},
		{"below", "SKILL_LEVEL_BELOW,AGE_INELIGIBLE,EDUCATION_BELOW", 0.70},
		{"unknown", "SKILL_LEVEL_UNKNOWN,AGE_UNKNOWN,EDUCATION_UNKNOWN", 0.70},
	}
	if len(got) != len(want) {
		t.Fatalf("matches = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i].notes != want[i].notes || got[i].reasons != want[i].reasons || !near(got[i].score, want[i].score) {
			t.Errorf("match %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	// The other way round: the demands for a supply, by the same facts.
	for notes, want := range map[string]string{"fits": "SKILL_LEVEL_MEETS,AGE_ELIGIBLE,EDUCATION_MEETS",
		"below": "SKILL_LEVEL_BELOW,AGE_INELIGIBLE,EDUCATION_BELOW"} {
		r = e.Do(t, tn, `query($id: ID!) { matchesForSupply(supplyId: $id) { score reasons } }`, map[string]any{"id": ids[notes]})
		r.NoErrors(t)
		var reasons []string
		for _, s := range r.Get("matchesForSupply.0.reasons").([]any) {
			reasons = append(reasons, s.(string))
		}
		if len(reasons) != 8 || strings.Join(reasons[5:], ",") != want {
			t.Errorf("matchesForSupply(%s) = %s, want reasons ending %s", notes, r.Raw, want)
		}
	}
}

func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }

func itoaF(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
