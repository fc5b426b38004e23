package exchange

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Province is a province by its official 2-digit code, current or dissolved on
// 1 July 2025 (DESIGN §2).
type Province struct {
	Code            string     `db:"code"`
	Name            string     `db:"name"`
	NameASCII       string     `db:"name_ascii"`
	Kind            string     `db:"kind"`
	IsCurrent       bool       `db:"is_current"`
	FormerName      *string    `db:"former_name"`
	DissolvedOn     *time.Time `db:"dissolved_on"`
	SuccessorCode   *string    `db:"successor_code"`
	MergedFromCodes []string   `db:"merged_from"`
}

// Occupation is an ISCO-08 / VSCO group, level 1 (major) to 4 (unit).
type Occupation struct {
	Code       string  `db:"code"`
	Level      int     `db:"level"`
	ParentCode *string `db:"parent_code"`
	TitleEn    string  `db:"title_en"`
	TitleVi    *string `db:"title_vi"`
}

// Catalog is the read-only reference data, loaded once from the database: it never
// changes while a server runs, so lookups cost no query and nested fields need no batching.
type Catalog struct {
	provinces   map[string]*Province
	provOrder   []*Province
	occupations map[string]*Occupation
	occOrder    []*Occupation
	children    map[string][]*Occupation
}

// NewCatalog indexes reference data rows.
func NewCatalog(provinces []Province, occupations []Occupation) *Catalog {
	c := &Catalog{
		provinces:   make(map[string]*Province, len(provinces)),
		occupations: make(map[string]*Occupation, len(occupations)),
		children:    make(map[string][]*Occupation),
	}
	for i := range provinces {
		p := &provinces[i]
		c.provinces[p.Code] = p
		c.provOrder = append(c.provOrder, p)
	}
	sort.Slice(c.provOrder, func(i, j int) bool { return c.provOrder[i].Code < c.provOrder[j].Code })
	for i := range occupations {
		o := &occupations[i]
		c.occupations[o.Code] = o
		c.occOrder = append(c.occOrder, o)
	}
	sort.Slice(c.occOrder, func(i, j int) bool { return c.occOrder[i].Code < c.occOrder[j].Code })
	for _, o := range c.occOrder {
		if o.ParentCode != nil {
			c.children[*o.ParentCode] = append(c.children[*o.ParentCode], o)
		}
	}
	return c
}

// DescribeDemand attaches d's catalog entries. A code the catalog lacks (the store's
// foreign keys rule it out) leaves its entry nil, which the API reports as an error.
func (c *Catalog) DescribeDemand(d *LaborDemand) {
	d.Occupation, d.WorkProvince = c.occupations[d.OccupationCode], c.provinces[d.WorkProvinceCode]
}

// Province returns the province with the code, current or dissolved.
func (c *Catalog) Province(code string) (*Province, bool) {
	p, ok := c.provinces[code]
	return p, ok
}

// Provinces returns the current provinces, and the dissolved ones too with includeLegacy.
func (c *Catalog) Provinces(includeLegacy bool) []*Province {
	out := make([]*Province, 0, len(c.provOrder))
	for _, p := range c.provOrder {
		if p.IsCurrent || includeLegacy {
			out = append(out, p)
		}
	}
	return out
}

// CurrentProvince maps a province code to the province that covers it today: itself if
// current, its successor if dissolved. Searches use it so "06" (Bắc Kạn) finds postings
// in Thái Nguyên (19).
func (c *Catalog) CurrentProvince(code string) (*Province, bool) {
	p, ok := c.provinces[code]
	if !ok {
		return nil, false
	}
	if !p.IsCurrent && p.SuccessorCode != nil {
		return c.Province(*p.SuccessorCode)
	}
	return p, true
}

// CheckPostingProvince validates a province code named by a new record: it must exist
// and be current; a dissolved one is PROVINCE_DISSOLVED naming its successor.
func (c *Catalog) CheckPostingProvince(field []string, code string) error {
	p, ok := c.provinces[strings.TrimSpace(code)]
	if !ok {
		return FieldErrorf(field, CodeUnknownProvince, "no province has code %q", code)
	}
	if !p.IsCurrent {
		succ := "?"
		if p.SuccessorCode != nil {
			if s, ok := c.provinces[*p.SuccessorCode]; ok {
				succ = fmt.Sprintf("%s (%s)", s.Name, s.Code)
			}
		}
		return FieldErrorf(field, CodeProvinceDissolved,
			"%s (%s) was dissolved on 1 July 2025; use its successor %s", p.Name, p.Code, succ)
	}
	return nil
}

// Occupation returns the occupation group with the code.
func (c *Catalog) Occupation(code string) (*Occupation, bool) {
	o, ok := c.occupations[code]
	return o, ok
}

// Occupations returns every group in code order.
func (c *Catalog) Occupations() []*Occupation {
	return c.occOrder
}

// Children returns the groups one level below code.
func (c *Catalog) Children(code string) []*Occupation {
	return c.children[code]
}

// CheckUnitOccupation validates an occupation code named by a posting, a worker or a
// quota line: it must be a level-4 unit group.
func (c *Catalog) CheckUnitOccupation(field []string, code string) error {
	o, ok := c.occupations[strings.TrimSpace(code)]
	if !ok {
		return FieldErrorf(field, CodeUnknownOccupation, "no ISCO-08 occupation has code %q", code)
	}
	if o.Level != 4 {
		return FieldErrorf(field, CodeUnknownOccupation,
			"occupation %s is a level-%d group; name a 4-digit unit group", o.Code, o.Level)
	}
	return nil
}
