package refdata_test

import (
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/laborx/laborx/internal/refdata"
)

func mustProvinces(t *testing.T) map[string]refdata.Province {
	t.Helper()
	ps, err := refdata.Provinces()
	if err != nil {
		t.Fatalf("Provinces: %v", err)
	}
	byCode := make(map[string]refdata.Province, len(ps))
	for _, p := range ps {
		if _, dup := byCode[p.Code]; dup {
			t.Errorf("province code %s appears twice", p.Code)
		}
		byCode[p.Code] = p
	}
	return byCode
}

func mustOccupations(t *testing.T) map[string]refdata.Occupation {
	t.Helper()
	occs, err := refdata.Occupations()
	if err != nil {
		t.Fatalf("Occupations: %v", err)
	}
	byCode := make(map[string]refdata.Occupation, len(occs))
	for _, o := range occs {
		if _, dup := byCode[o.Code]; dup {
			t.Errorf("occupation code %s appears twice", o.Code)
		}
		byCode[o.Code] = o
	}
	return byCode
}

// fold lowers s and strips Vietnamese diacritics, the way the API's search
// does, so "tho han" finds "Thợ hàn".
func fold(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r == 'đ' || r == 'Đ':
			b.WriteRune('d')
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

func checkText(t *testing.T, what, s string) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Errorf("%s %q is not valid UTF-8", what, s)
	}
	if !norm.NFC.IsNormalString(s) {
		t.Errorf("%s %q is not NFC", what, s)
	}
}

func TestProvinces_Counts(t *testing.T) {
	byCode := mustProvinces(t)
	if len(byCode) != 63 {
		t.Errorf("got %d provinces, want 63", len(byCode))
	}
	var current, dissolved int
	for _, p := range byCode {
		if p.IsCurrent {
			current++
		} else {
			dissolved++
		}
	}
	if current != 34 || dissolved != 29 {
		t.Errorf("got %d current and %d dissolved, want 34 and 29", current, dissolved)
	}
}

func TestProvinces_Fields(t *testing.T) {
	for code, p := range mustProvinces(t) {
		if len(code) != 2 || strings.Trim(code, "0123456789") != "" {
			t.Errorf("code %q: want 2 digits", code)
		}
		if p.Kind != "city" && p.Kind != "province" {
			t.Errorf("%s: kind %q", code, p.Kind)
		}
		if p.Name == "" {
			t.Errorf("%s: empty name", code)
		}
		if got := fold(p.Name); got != strings.ToLower(p.NameASCII) {
			t.Errorf("%s: name %q folds to %q, but NameASCII is %q", code, p.Name, got, p.NameASCII)
		}
		for what, s := range map[string]string{"name": p.Name, "name_ascii": p.NameASCII, "former_name": p.FormerName} {
			checkText(t, code+" "+what, s)
		}
		if p.IsCurrent && (p.DissolvedOn != "" || p.SuccessorCode != "") {
			t.Errorf("%s is current but has dissolved_on %q, successor %q", code, p.DissolvedOn, p.SuccessorCode)
		}
		if !p.IsCurrent && (p.DissolvedOn != "2025-07-01" || p.FormerName != "" || len(p.MergedFrom) != 0) {
			t.Errorf("%s is dissolved: got dissolved_on %q, former_name %q, merged_from %v; want 2025-07-01 and no others",
				code, p.DissolvedOn, p.FormerName, p.MergedFrom)
		}
	}
}

// Every dissolved province merged into exactly one current province, which
// lists it in MergedFrom. A current code may also appear in another
// province's MergedFrom: the old province that held that code was split, and
// part of it went elsewhere (old 82 Tiền Giang: most stayed in 82, some wards
// went to 80). That is the only such case in the data.
func TestProvinces_Succession(t *testing.T) {
	byCode := mustProvinces(t)
	for code, p := range byCode {
		if p.IsCurrent {
			continue
		}
		s, ok := byCode[p.SuccessorCode]
		switch {
		case !ok:
			t.Errorf("%s %s: successor %q does not exist", code, p.Name, p.SuccessorCode)
		case !s.IsCurrent:
			t.Errorf("%s %s: successor %s is not current", code, p.Name, s.Code)
		case !slices.Contains(s.MergedFrom, code):
			t.Errorf("%s %s: successor %s does not list it in MergedFrom %v", code, p.Name, s.Code, s.MergedFrom)
		}
	}

	splits := map[string][]string{} // old code partly merged elsewhere -> receiving codes
	for code, p := range byCode {
		if !p.IsCurrent && len(p.MergedFrom) > 0 {
			continue // reported by TestProvinces_Fields
		}
		for _, m := range p.MergedFrom {
			from, ok := byCode[m]
			switch {
			case !ok:
				t.Errorf("%s: merged_from %q does not exist", code, m)
			case m == code:
				t.Errorf("%s lists itself in merged_from", code)
			case !from.IsCurrent && from.SuccessorCode != code:
				t.Errorf("%s lists %s in merged_from, but %s's successor is %s", code, m, m, from.SuccessorCode)
			case from.IsCurrent:
				if from.FormerName == "" {
					t.Errorf("%s lists current %s in merged_from, but %s has no former name to have been split from", code, m, m)
				}
				splits[m] = append(splits[m], code)
			}
		}
	}
	if want := map[string][]string{"82": {"80"}}; !mapsEqual(splits, want) {
		t.Errorf("partly merged old provinces: got %v, want %v", splits, want)
	}
}

func mapsEqual(a, b map[string][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.Equal(v, b[k]) {
			return false
		}
	}
	return true
}

func TestProvinces_Examples(t *testing.T) {
	byCode := mustProvinces(t)
	tests := []struct {
		code, name, nameASCII, kind string
		current                     bool
		successor, formerName       string
		mergedFrom                  []string
	}{
		{code: "06", name: "Bắc Kạn", nameASCII: "Bac Kan", kind: "province", successor: "19"},
		{code: "19", name: "Thái Nguyên", nameASCII: "Thai Nguyen", kind: "province", current: true, mergedFrom: []string{"06"}},
		{code: "30", name: "Hải Dương", nameASCII: "Hai Duong", kind: "province", successor: "31"},
		{code: "31", name: "Hải Phòng", nameASCII: "Hai Phong", kind: "city", current: true, mergedFrom: []string{"30"}},
		{code: "24", name: "Bắc Ninh", nameASCII: "Bac Ninh", kind: "province", current: true, formerName: "Bắc Giang", mergedFrom: []string{"27"}},
		{code: "80", name: "Tây Ninh", nameASCII: "Tay Ninh", kind: "province", current: true, formerName: "Long An", mergedFrom: []string{"72", "82"}},
		{code: "01", name: "Hà Nội", nameASCII: "Ha Noi", kind: "city", current: true},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			p, ok := byCode[tt.code]
			if !ok {
				t.Fatalf("province %s not found", tt.code)
			}
			if p.Name != tt.name || p.NameASCII != tt.nameASCII || p.Kind != tt.kind || p.IsCurrent != tt.current ||
				p.SuccessorCode != tt.successor || p.FormerName != tt.formerName || !slices.Equal(p.MergedFrom, tt.mergedFrom) {
				t.Errorf("got %+v, want %+v", p, tt)
			}
		})
	}
}

func TestProvinces_ReturnsCopy(t *testing.T) {
	first, err := refdata.Provinces()
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(first, func(p refdata.Province) bool { return p.Code == "19" })
	if i < 0 {
		t.Fatal("province 19 not found")
	}
	first[i].Name = "changed"
	first[i].MergedFrom[0] = "changed"

	second, err := refdata.Provinces()
	if err != nil {
		t.Fatal(err)
	}
	if p := second[i]; p.Name != "Thái Nguyên" || !slices.Equal(p.MergedFrom, []string{"06"}) {
		t.Errorf("a caller's change leaked into the next call: %+v", p)
	}
}

func TestOccupations_Levels(t *testing.T) {
	byCode := mustOccupations(t)
	if len(byCode) != 619 {
		t.Errorf("got %d occupations, want 619", len(byCode))
	}
	count := map[int]int{}
	titled := map[int]int{}
	for _, o := range byCode {
		count[o.Level]++
		if o.TitleVi != "" {
			titled[o.Level]++
		}
	}
	// Every group carries a Vietnamese title; the API shows TitleVi first.
	want := map[int]int{1: 10, 2: 43, 3: 130, 4: 436}
	for level, n := range want {
		if count[level] != n {
			t.Errorf("level %d: got %d groups, want %d", level, count[level], n)
		}
		if titled[level] != n {
			t.Errorf("level %d: %d of %d groups have a Vietnamese title, want all", level, titled[level], count[level])
		}
	}
	t.Logf("Vietnamese titles per level: %v", titled)
}

func TestOccupations_Tree(t *testing.T) {
	byCode := mustOccupations(t)
	for code, o := range byCode {
		if len(code) != o.Level || strings.Trim(code, "0123456789") != "" {
			t.Errorf("%q: want %d digits for level %d", code, o.Level, o.Level)
		}
		if o.TitleEn == "" {
			t.Errorf("%s: empty English title", code)
		}
		checkText(t, code+" title_en", o.TitleEn)
		checkText(t, code+" title_vi", o.TitleVi)
		if o.Level == 1 {
			if o.ParentCode != "" {
				t.Errorf("%s: major group has parent %q", code, o.ParentCode)
			}
			continue
		}
		parent, ok := byCode[o.ParentCode]
		switch {
		case !ok:
			t.Errorf("%s: parent %q does not exist", code, o.ParentCode)
		case parent.Level != o.Level-1:
			t.Errorf("%s (level %d): parent %s is level %d", code, o.Level, parent.Code, parent.Level)
		case !strings.HasPrefix(code, parent.Code):
			t.Errorf("%s: parent code %s is not its prefix", code, parent.Code)
		}
	}
}

func TestOccupations_Titles(t *testing.T) {
	byCode := mustOccupations(t)
	tests := []struct {
		code, titleEn, titleVi string
	}{
		{"7", "Craft and related trades workers", "Lao động thủ công và các nghề nghiệp có liên quan khác"},
		{"72", "Metal, machinery and related trades workers", "Thợ kim loại, cơ khí và thợ có liên quan"},
		{"7212", "Welders and flamecutters", "Thợ hàn và thợ cắt kim loại"},
		{"8153", "Sewing machine operators", "Thợ vận hành máy may"},
		{"8212", "Electrical and electronic equipment assemblers", "Thợ lắp ráp thiết bị điện và điện tử"},
		{"7531", "Tailors, dressmakers, furriers and hatters", "Thợ may, thợ làm lông thú, thợ làm mũ"},
		{"9329", "Manufacturing labourers not elsewhere classified", "Lao động giản đơn trong ngành sản xuất"},
		{"8322", "Car, taxi and van drivers", "Lái xe ô tô con, taxi và xe tải nhỏ"},
		{"5120", "Cooks", "Đầu bếp"},
		{"7115", "Carpenters and joiners", "Thợ mộc"},
		{"7411", "Building and related electricians", "Thợ điện công trình"},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			o, ok := byCode[tt.code]
			if !ok {
				t.Fatalf("occupation %s not found", tt.code)
			}
			if o.TitleEn != tt.titleEn || o.TitleVi != tt.titleVi {
				t.Errorf("got %q / %q, want %q / %q", o.TitleEn, o.TitleVi, tt.titleEn, tt.titleVi)
			}
		})
	}
}

func TestOccupations_SearchWithoutDiacritics(t *testing.T) {
	occs, err := refdata.Occupations()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		query string
		want  string
	}{
		{"tho han", "7212"},
		{"tho may", "7531"},
		{"van hanh may may", "8153"},
		{"dau bep", "5120"},
		{"lai xe o to", "8322"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			var found []string
			for _, o := range occs {
				if strings.Contains(fold(o.TitleVi), tt.query) {
					found = append(found, o.Code)
				}
			}
			if !slices.Contains(found, tt.want) {
				t.Errorf("%q found %v, want it to include %s", tt.query, found, tt.want)
			}
		})
	}
}
