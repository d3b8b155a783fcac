// Package spreadsheet knows how spreadsheets read and write CSV: the
// separator they write (for the readers of the files people bring:
// letters, contacts, units), and the cells they would take for a formula
// (for the exports people open in them).
package spreadsheet

import "bytes"

// Separator is the field separator of a CSV file that starts with head: a
// semicolon when its first line (the header) has semicolons and no comma —
// what Excel in a Norwegian or Danish locale writes for "CSV", its list
// separator being the semicolon — else a comma. Quoted parts of the line
// are not looked into.
func Separator(head []byte) rune {
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		head = head[:i]
	}
	commas, semicolons, quoted := 0, 0, false
	for _, c := range head {
		switch {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == ',':
			commas++
		case c == ';':
			semicolons++
		}
	}
	if semicolons > 0 && commas == 0 {
		return ';'
	}
	return ','
}
