package spreadsheet

import (
	"slices"
	"strconv"
	"strings"

	"github.com/agnivade/levenshtein"
)

// ColumnName is header cell h as a column's name: without the byte-order
// mark Excel writes before the first, white space around it, in lower case.
func ColumnName(h string) string {
	return strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
}

// HeaderAgain says whether rec, a row after the header, is a header row
// again: two cells or more, each one of known as a column's name
// (ColumnName), in any order. Files joined into one (copy *.csv all.csv)
// have one where each began; read as a row, its cells would be told they
// are no channel, no time, …, each a problem that does not say why, and
// in another order its columns are not the first header's.
func HeaderAgain(rec []string, known []string) bool {
	if len(rec) < 2 {
		return false
	}
	for _, c := range rec {
		if !slices.Contains(known, ColumnName(c)) {
			return false
		}
	}
	return true
}

// HeaderCell names header cell h, the (i+1)th, in a problem about a column
// the file's reader does not know: as written (asWritten) only when it is
// shaped like a column name (ASCII letters, digits, "_" and "-", at most
// 40 bytes, no more than two digits in a row) and the line is a header
// (named, another of its cells is one of known) or h is a misspelling of
// one of known (within two edits, one for a name of five bytes or fewer,
// letter case aside); else by its place ("3"). A file without its header
// row has a row's values there, a letter's title, a unit's name and a
// national id among them, and a problem never quotes them:
// "Omsorgsovertakelse" is shaped like a column name, but named is false
// and it is no column's misspelling.
func HeaderCell(h string, i int, known []string, named bool) (name string, asWritten bool) {
	place := strconv.Itoa(i + 1)
	if len(h) == 0 || len(h) > 40 {
		return place, false
	}
	digits := 0
	for _, c := range []byte(h) {
		switch {
		case c >= '0' && c <= '9':
			if digits++; digits > 2 {
				return place, false
			}
			continue
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_', c == '-':
		default:
			return place, false
		}
		digits = 0
	}
	if named {
		return h, true
	}
	lower := strings.ToLower(h)
	for _, k := range known {
		limit := 2
		if len(k) <= 5 {
			limit = 1
		}
		if levenshtein.ComputeDistance(lower, strings.ToLower(k)) <= limit {
			return h, true
		}
	}
	return place, false
}
