// Package spreadsheet knows how spreadsheets read and write CSV: the
// encoding and separator they write and the empty rows they add (for the
// readers of the files people bring: letters, contacts, units; Open), and
// the cells they would take for a formula (for the exports people open in
// them).
package spreadsheet

import "bytes"

// Separator is the field separator of a CSV file that starts with head: a
// semicolon when its first line (the header) has semicolons and no comma —
// what Excel in a Norwegian or Danish locale writes for "CSV", its list
// separator being the semicolon — else a comma. Quoted parts of the line
// are not looked into; nor are a UTF-8 byte-order mark and the empty
// lines before the header.
func Separator(head []byte) rune {
	head = bytes.TrimPrefix(head, []byte("\xEF\xBB\xBF"))
	for {
		i := bytes.IndexByte(head, '\n')
		if i < 0 {
			break
		}
		if len(bytes.TrimSpace(head[:i])) > 0 {
			head = head[:i]
			break
		}
		head = head[i+1:]
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
