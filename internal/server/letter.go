package server

import (
	"bytes"
	"html/template"
	"net/http"
	"strconv"
	"time"

	"github.com/laborx/laborx/internal/exchange"
)

// The letter of introduction (Form 21, giấy giới thiệu chuyển nơi hưởng trợ cấp thất
// nghiệp) as a printable HTML page. HTML rather than PDF: the browser that prints it
// has Vietnamese fonts, so laborx ships no font file and no PDF library, and the text
// stays searchable and testable as it is. html/template escapes every value.
var letterPage = template.Must(template.New("letter").Funcs(template.FuncMap{
	"date": func(t time.Time) string { return t.Format("02/01/2006") },
	"vnd":  groupThousands,
}).Parse(`<!doctype html>
<html lang="vi"><head><meta charset="utf-8">
<title>Giấy giới thiệu chuyển nơi hưởng trợ cấp thất nghiệp – {{.Worker.FullName}}</title>
<style>
body { font-family: "Times New Roman", serif; font-size: 14pt; max-width: 18cm; margin: 2cm auto; line-height: 1.5 }
.head { display: flex; justify-content: space-between; text-align: center }
h1 { font-size: 14pt; text-align: center; margin-top: 1.5em } .c { text-align: center } .r { text-align: right }
@media print { body { margin: 0 } }
</style></head><body>
<p class="r"><i>Mẫu số 21</i></p>
<div class="head">
<div><b>{{.From.Name}}</b></div>
<div><b>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</b><br><b>Độc lập – Tự do – Hạnh phúc</b></div>
</div>
<p class="r"><i>{{.FromProvinceName}}, ngày {{.Day}} tháng {{.Month}} năm {{.Year}}</i></p>
<h1>GIẤY GIỚI THIỆU<br>Về việc chuyển nơi hưởng trợ cấp thất nghiệp</h1>
<p class="c">Kính gửi: {{.To.Name}}</p>
<p>{{.From.Name}} trân trọng giới thiệu:</p>
<p>Ông/Bà: <b>{{.Worker.FullName}}</b>, sinh ngày {{date .Worker.DateOfBirth}}</p>
<p>Số định danh cá nhân/Căn cước: {{.Worker.NationalIDMasked}}</p>
<p>Đang hưởng trợ cấp thất nghiệp theo Quyết định số {{.Transfer.DecisionNumber}} ngày {{date .Transfer.DecisionDate}} của {{.From.Name}}.</p>
<p>Số tháng được hưởng trợ cấp thất nghiệp: <b>{{.Transfer.MonthsGranted}}</b> tháng; số tháng đã hưởng: <b>{{.Transfer.MonthsPaid}}</b> tháng;
số tháng còn lại chưa hưởng: <b>{{.Transfer.MonthsRemaining}}</b> tháng.</p>
<p>Mức hưởng trợ cấp thất nghiệp hằng tháng: <b>{{vnd .Transfer.MonthlyAmount}}</b> đồng.</p>
<p>Nơi chuyển đến: {{.NewProvinceName}}. Ngày người lao động đề nghị chuyển (Mẫu số 19): {{date .Transfer.RequestedOn}}.</p>
{{with .Transfer.NoticeReference}}<p>Thông báo dừng hưởng trợ cấp thất nghiệp gửi cơ quan bảo hiểm xã hội (Mẫu số 20): số {{.}}{{with $.Transfer.NoticeDate}} ngày {{date .}}{{end}}.</p>{{end}}
<p>Đề nghị {{.To.Name}} tiếp nhận hồ sơ và tiếp tục giải quyết chế độ trợ cấp thất nghiệp cho người lao động theo quy định.</p>
<p class="r"><b>GIÁM ĐỐC</b><br><i>(Ký, ghi rõ họ tên và đóng dấu)</i></p>
<p><small>Hồ sơ lần {{.Transfer.Revision}} – laborx</small></p>
</body></html>
`))

// groupThousands writes 3850000 as 3.850.000, the Vietnamese way.
func groupThousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	var b []byte
	for i, c := range []byte(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			b = append(b, '.')
		}
		b = append(b, c)
	}
	if neg {
		return "-" + string(b)
	}
	return string(b)
}

// transferLetter serves GET /documents/benefit-transfers/{id}/letter to the bearer of
// a token that may read the transfer's personal data (exchange.DecideReadLetter).
func transferLetter(svc exchange.BenefitTransferService, now func() time.Time) http.HandlerFunc {
	if now == nil {
		now = time.Now
	}
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := exchange.ParseGlobalIDOf(exchange.KindBenefitTransfer, r.PathValue("id"))
		if err != nil {
			writeError(w, http.StatusNotFound, exchange.CodeNotFound, "no benefit transfer has this ID")
			return
		}
		l, err := svc.BenefitTransferLetter(r.Context(), id)
		if err != nil {
			status := map[exchange.Code]int{exchange.CodeNotFound: http.StatusNotFound, exchange.CodeForbidden: http.StatusForbidden,
				exchange.CodeUnauthenticated: http.StatusUnauthorized, exchange.CodeUnavailable: http.StatusServiceUnavailable}[exchange.ErrorCode(err)]
			if status == 0 {
				status = http.StatusInternalServerError
			}
			writeError(w, status, exchange.ErrorCode(err), exchange.ErrorMessage(err))
			return
		}
		// The letter is dated the day the dossier was first sent, or today before that.
		on := exchange.DateInVietnam(now())
		if l.Transfer.FirstSentAt != nil {
			on = exchange.DateInVietnam(*l.Transfer.FirstSentAt)
		}
		var buf bytes.Buffer
		if err := letterPage.Execute(&buf, struct {
			*exchange.TransferLetter
			Day, Month, Year string
		}{l, on.Format("02"), on.Format("01"), on.Format("2006")}); err != nil {
			writeError(w, http.StatusInternalServerError, exchange.CodeInternal, "internal error")
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
		w.Write(buf.Bytes())
	}
}
