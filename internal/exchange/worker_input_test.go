package exchange_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/laborx/laborx/internal/exchange"
)

func TestNormalizeWorkerInput(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	phone := "091 234 5678"
	ok := exchange.WorkerInput{
		FullName: "  Nguyễn   Văn  Mẫu ", DateOfBirth: time.Date(1990, 1, 2, 0, 0, 0, 0, time.UTC), Phone: &phone,
		NationalID: "001 090 012345", OccupationCode: "7212", Skills: []string{" hàn ", "hàn", ""},
		Consent: exchange.ConsentInput{Given: true},
	}
	w, err := exchange.NormalizeWorkerInput([]string{"worker"}, ok, now, nil)
	if err != nil {
		t.Fatal(err)
	}
	if w.FullName != "Nguyễn Văn Mẫu" || w.NationalID != "001090012345" || *w.Phone != "+84912345678" ||
		!slices.Equal(w.Skills, []string{"hàn"}) || w.Last4() != "2345" {
		t.Errorf("normalized = %+v", w)
	}

	bad := ok
	bad.FullName = " "
	bad.NationalID = "12345"
	bad.DateOfBirth = time.Date(2012, 1, 1, 0, 0, 0, 0, time.UTC)
	bad.Consent.Given = false
	_, err = exchange.NormalizeWorkerInput([]string{"worker"}, bad, now, nil)
	var got []string
	for _, e := range exchange.AsErrors(err) {
		got = append(got, strings.Join(e.Field, ".")+":"+string(e.Code))
		if strings.Contains(e.Message, "12345") {
			t.Errorf("message repeats the national ID: %s", e.Message)
		}
	}
	want := []string{"worker.fullName:REQUIRED", "worker.dateOfBirth:OUT_OF_RANGE",
		"worker.nationalId:INVALID", "worker.consent.given:CONSENT_REQUIRED"}
	if !slices.Equal(got, want) {
		t.Errorf("errors = %v, want %v", got, want)
	}
}

func TestNormalizeWorkerUpdate(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	name, phone := "  Trần  Thị Sửa ", "0912345678"
	up, changed, err := exchange.NormalizeWorkerUpdate(exchange.UpdateWorkerInput{FullName: &name, Phone: &phone,
		Skills: []string{"may", " may "}}, now, nil)
	if err != nil {
		t.Fatal(err)
	}
	if *up.FullName != "Trần Thị Sửa" || *up.Phone != "+84912345678" || !slices.Equal(up.Skills, []string{"may"}) ||
		!slices.Equal(changed, []string{"fullName", "phone", "skills"}) {
		t.Errorf("update = %+v, changed %v", up, changed)
	}
	young := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	empty := ""
	_, _, err = exchange.NormalizeWorkerUpdate(exchange.UpdateWorkerInput{FullName: &empty, DateOfBirth: &young}, now, nil)
	var got []string
	for _, e := range exchange.AsErrors(err) {
		got = append(got, string(e.Code)+" "+strings.Join(e.Field, "."))
	}
	if !slices.Equal(got, []string{"REQUIRED fullName", "OUT_OF_RANGE dateOfBirth"}) {
		t.Errorf("errors = %v", got)
	}
	if _, _, err := exchange.NormalizeWorkerUpdate(exchange.UpdateWorkerInput{}, now, nil); exchange.ErrorCode(err) != exchange.CodeRequired {
		t.Errorf("empty update: %v", err)
	}
}

func TestOnePlaceRefusals(t *testing.T) {
	if e := exchange.AlreadyReferred(); e.Code != exchange.CodeAlreadyReferred || !slices.Equal(e.Field, []string{"demandId"}) {
		t.Errorf("AlreadyReferred = %+v", e)
	}
	if e := exchange.WorkerAlreadyPlaced(); e.Code != exchange.CodeWorkerAlreadyPlaced || !slices.Equal(e.Field, []string{"action"}) {
		t.Errorf("WorkerAlreadyPlaced = %+v", e)
	}
}
