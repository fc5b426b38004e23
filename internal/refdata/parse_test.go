package refdata

import (
	"strings"
	"testing"
)

// The embedded files are valid, so the error paths are driven with small
// broken inputs; the message must point at the file and line to fix.
func TestParse_Errors(t *testing.T) {
	const occHeader = "code,level,parent,title_en,title_vi\n"
	const provHeader = "code,name,name_ascii,kind,status,former_name,dissolved_on,successor_code,merged_from\n"
	tests := []struct {
		name  string
		parse func() error
		want  string
	}{
		{
			name:  "occupation header renamed",
			parse: func() error { _, err := parseOccupations([]byte("code,lvl,parent,title_en,title_vi\n")); return err },
			want:  `occupations.csv:1: header`,
		},
		{
			name: "occupation level out of range",
			parse: func() error {
				_, err := parseOccupations([]byte(occHeader + "7,1,,Craft,\n72,5,7,Metal,\n"))
				return err
			},
			want: `occupations.csv:3: level "5"`,
		},
		{
			name:  "occupation missing field",
			parse: func() error { _, err := parseOccupations([]byte(occHeader + "7,1,,Craft\n")); return err },
			want:  `occupations.csv: record on line 2: wrong number of fields`,
		},
		{
			name:  "empty file",
			parse: func() error { _, err := parseProvinces(nil); return err },
			want:  `provinces.csv: read header: EOF`,
		},
		{
			name: "province status unknown",
			parse: func() error {
				_, err := parseProvinces([]byte(provHeader + "01,Hà Nội,Ha Noi,city,merged,,,,\n"))
				return err
			},
			want: `provinces.csv:2: status "merged"`,
		},
		{
			name: "province kind unknown",
			parse: func() error {
				_, err := parseProvinces([]byte(provHeader + "01,Hà Nội,Ha Noi,town,current,,,,\n"))
				return err
			},
			want: `provinces.csv:2: kind "town"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.parse()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got error %v, want one containing %q", err, tt.want)
			}
		})
	}
}
