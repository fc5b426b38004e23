// Package refdata holds the read-only reference data laborx ships with:
// Vietnam's provinces before and after the 1 July 2025 reorganisation and the
// ISCO-08 occupation groups with their VSCO (Decision 34/2020/QĐ-TTg)
// Vietnamese titles.
//
// The CSV files are embedded so the binary, the migrations that load them and
// the tests all read the same bytes; the files are the source of truth and
// this package only parses them.
package refdata

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
)

//go:embed provinces.csv
var provincesCSV []byte

//go:embed occupations.csv
var occupationsCSV []byte

const (
	provincesFile   = "provinces.csv"
	occupationsFile = "occupations.csv"
)

// Province is one row per official 2-digit code: the 34 provinces in force
// since 1 July 2025 and the 29 dissolved that day. Old records keep the code
// of the province they were made in, so dissolved provinces stay resolvable.
type Province struct {
	Code, Name, NameASCII, Kind string // Kind: "city" | "province"
	IsCurrent                   bool
	FormerName                  string   // "" if none
	DissolvedOn                 string   // "2025-07-01" or ""
	SuccessorCode               string   // "" for current provinces
	MergedFrom                  []string // codes merged into a current province (may be empty)
}

// Occupation is one ISCO-08 group at any of the four levels.
type Occupation struct {
	Code       string // "7212"; major groups are 1 digit ("0".."9")
	Level      int    // 1..4
	ParentCode string // "" for level 1
	TitleEn    string
	TitleVi    string // "" where untitled
}

var (
	provincesOnce   = sync.OnceValues(func() ([]Province, error) { return parseProvinces(provincesCSV) })
	occupationsOnce = sync.OnceValues(func() ([]Occupation, error) { return parseOccupations(occupationsCSV) })
)

// Provinces returns all 63 provinces in file order (by code). The embedded
// file is parsed once; each call returns a fresh copy, so callers may modify
// the result without affecting other callers.
func Provinces() ([]Province, error) {
	ps, err := provincesOnce()
	if err != nil {
		return nil, err
	}
	out := slices.Clone(ps)
	for i := range out {
		out[i].MergedFrom = slices.Clone(out[i].MergedFrom)
	}
	return out, nil
}

// Occupations returns all 619 occupation groups in file order (each group
// follows its parent). The embedded file is parsed once; each call returns a
// fresh copy.
func Occupations() ([]Occupation, error) {
	occs, err := occupationsOnce()
	if err != nil {
		return nil, err
	}
	return slices.Clone(occs), nil
}

func parseProvinces(data []byte) ([]Province, error) {
	header := []string{"code", "name", "name_ascii", "kind", "status", "former_name", "dissolved_on", "successor_code", "merged_from"}
	var out []Province
	err := readCSV(provincesFile, data, header, func(rec []string) error {
		p, err := provinceFromRecord(rec)
		if err != nil {
			return err
		}
		out = append(out, p)
		return nil
	})
	return out, err
}

func provinceFromRecord(rec []string) (Province, error) {
	p := Province{
		Code:          rec[0],
		Name:          rec[1],
		NameASCII:     rec[2],
		Kind:          rec[3],
		FormerName:    rec[5],
		DissolvedOn:   rec[6],
		SuccessorCode: rec[7],
		MergedFrom:    strings.Fields(rec[8]),
	}
	if p.Kind != "city" && p.Kind != "province" {
		return Province{}, fmt.Errorf("kind %q: want city or province", p.Kind)
	}
	switch status := rec[4]; status {
	case "current":
		p.IsCurrent = true
	case "dissolved":
	default:
		return Province{}, fmt.Errorf("status %q: want current or dissolved", status)
	}
	return p, nil
}

func parseOccupations(data []byte) ([]Occupation, error) {
	header := []string{"code", "level", "parent", "title_en", "title_vi"}
	var out []Occupation
	err := readCSV(occupationsFile, data, header, func(rec []string) error {
		level, err := strconv.Atoi(rec[1])
		if err != nil || level < 1 || level > 4 {
			return fmt.Errorf("level %q: want 1 to 4", rec[1])
		}
		out = append(out, Occupation{
			Code:       rec[0],
			Level:      level,
			ParentCode: rec[2],
			TitleEn:    rec[3],
			TitleVi:    rec[4],
		})
		return nil
	})
	return out, err
}

// readCSV checks the header by name, so a reordered or renamed column fails
// loudly instead of shifting every field, then hands each record to fn and
// prefixes any error with the file and line it came from.
func readCSV(name string, data []byte, header []string, fn func(rec []string) error) error {
	r := csv.NewReader(bytes.NewReader(data))
	got, err := r.Read()
	if err != nil {
		return fmt.Errorf("%s: read header: %w", name, err)
	}
	if !slices.Equal(got, header) {
		return fmt.Errorf("%s:1: header %q, want %q", name, got, header)
	}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			// csv.ParseError already names the line.
			return fmt.Errorf("%s: %w", name, err)
		}
		if err := fn(rec); err != nil {
			line, _ := r.FieldPos(0)
			return fmt.Errorf("%s:%d: %w", name, line, err)
		}
	}
}

// Checksum identifies the embedded data, so caches of migrated databases (test
// templates) are rebuilt when the data changes.
func Checksum() [32]byte {
	return sha256.Sum256(append(append([]byte{}, provincesCSV...), occupationsCSV...))
}
