package postgres

import (
	"fmt"
	"strings"
	"unicode"
)

// demandNames is marketText's names for a demand: its occupation's titles and its work
// province's name.
const demandNames = `d` + occupationsNamed + `
		OR d.work_province_code = ANY(ARRAY(SELECT code FROM provinces WHERE search_name LIKE @word ESCAPE '\'))`

// maxSplitWords is the longest phrase, in words, demandText splits at each space;
// longer ones take marketText's candidates.
const maxSplitWords = 8

// demandText is marketText for demands, with candidates that follow where a phrase can
// lie in a demand's search_text, which is exactly search_own, a space, the occupation's
// search_text, a space and the province's search_name (the trigger of 00160 and every
// writer that gives the text: importcsv, seedscale, publish). A phrase is there
//   - inside the own words (their trigram index);
//   - inside the occupation's names or the province's name (codes of the names that hold it);
//   - across the two, from the end of the occupation's names into the province's name:
//     split at one of its spaces, the occupation's names end with the first part and the
//     province's name begins with the rest;
//   - across the own words and the names: split at one of its spaces, the own words end
//     with the first part (labor_demands_own_end, 00215, a btree over the last 32
//     characters of search_own, reversed) and the names begin with the rest: the
//     occupation's names begin with it, or are its beginning and the province's name
//     begins with what follows.
//
// Each is a set of rows the indexes give directly, however common the phrase's words
// are in the names: marketText's candidates for "tho han nghe an" were every demand of
// an occupation whose names hold "an" (886,623 of 1,000,000). search_text must still
// hold the phrase, so the rows are textWords' rows. The split needs a phrase whose
// folded form has its spaces where the phrase has them (fold turns "½" into " 1/2"):
// letters, marks, digits and ASCII only, or marketText's candidates.
func (s *MarketService) demandText(w *sqlWhere, text *string) {
	phrase := searchPhrase(text)
	words := strings.Fields(phrase)
	if len(words) == 0 || len(words) > maxSplitWords || strings.IndexFunc(phrase, func(r rune) bool {
		return r >= unicode.MaxASCII && !unicode.IsLetter(r) && !unicode.IsMark(r) && !unicode.IsDigit(r)
	}) >= 0 {
		s.marketText(w, "labor_demands", "d", demandNames, text)
		return
	}
	occupations := func(cond string) string {
		return `d.occupation_code = ANY(ARRAY(SELECT code FROM occupations WHERE ` + cond + `))`
	}
	provinces := func(cond string) string {
		return `d.work_province_code = ANY(ARRAY(SELECT code FROM provinces WHERE ` + cond + `))`
	}
	p := w.arg(likeContains(phrase))
	cands := []string{
		`d.search_own LIKE fold(` + p + `) ESCAPE '\'`,
		occupations(`search_text LIKE fold(` + p + `) ESCAPE '\'`),
		provinces(`search_name LIKE fold(` + p + `) ESCAPE '\'`),
	}
	for i := 1; i < len(words); i++ {
		head, rest := strings.Join(words[:i], " "), strings.Join(words[i:], " ")
		restPrefix := w.arg(likePrefix(rest))
		cands = append(cands, occupations(`search_text LIKE fold(`+w.arg(likeSuffix(head))+`) ESCAPE '\'`)+
			` AND `+provinces(`search_name LIKE fold(`+restPrefix+`) ESCAPE '\'`))
		end, r := w.arg(head), w.arg(rest)
		cands = append(cands, fmt.Sprintf(`%[1]s >= left(reverse(fold(%[2]s)), 32) COLLATE "C"
			AND %[1]s < (left(reverse(fold(%[2]s)), 32) || chr(1114111)) COLLATE "C"
			AND (%[3]s OR (%[4]s AND d.work_province_code = ANY(ARRAY(SELECT p.code FROM occupations o
				JOIN provinces p ON starts_with(p.search_name, substr(fold(%[5]s), length(o.search_text) + 2))
				WHERE starts_with(fold(%[5]s), o.search_text || ' ')))))`,
			ownEnd, end, occupations(`search_text LIKE fold(`+restPrefix+`) ESCAPE '\'`),
			occupations(`starts_with(fold(`+r+`), search_text || ' ')`), r))
	}
	w.addText(probe{table: "labor_demands", alias: "d", window: s.probeWindow},
		`(%s) AND d.search_text LIKE fold(%s) ESCAPE '\'`, strings.Join(cands, "\n\t\tOR "), p)
}

// ownEnd is the expression of labor_demands_own_end (00215): the last 32 characters of
// a demand's own words, reversed, so that "ends with" is a range of the btree.
const ownEnd = `(reverse(right(d.search_own, 32)) COLLATE "C")`
