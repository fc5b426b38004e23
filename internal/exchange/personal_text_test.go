package exchange_test

import (
	"testing"

	"github.com/laborx/laborx/internal/exchange"
)

func TestPersonalDataIn(t *testing.T) {
	for text, want := range map[string]string{
		"Nguyễn Văn A, CCCD 006195001234, SĐT 0912345678": "a national ID",
		"CMND 123456789":                     "a national ID",
		"CCCD 006 195 001 234":               "a national ID",
		"gọi 0912 345 678":                   "a phone number",
		"gọi +84 912 345 678":                "a phone number",
		"máy bàn (024) 3987 6543":            "",
		"máy bàn 024 3987 6543":              "a phone number",
		"liên hệ a.nguyen@example.vn":        "an e-mail address",
		"Lương 100.000.000 đồng, 10 vị trí":  "",
		"KCN Đình Vũ, lô 12, 40 giờ/tuần":    "",
		"Mã số thuế 0200123456":              "",
		"Hỗ trợ tiền xe 500000 đồng mỗi quý": "",
	} {
		if got := exchange.PersonalDataIn(text); got != want {
			t.Errorf("PersonalDataIn(%q) = %q, want %q", text, got, want)
		}
	}
}
