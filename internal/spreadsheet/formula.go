package spreadsheet

import "strings"

// FormulaLike says whether a spreadsheet could read the cell as a formula:
// it starts with =, +, -, @, a tab or a carriage return and is not a plain
// number.
func FormulaLike(cell string) bool {
	if cell == "" {
		return false
	}
	switch cell[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return !plainNumber(cell)
	}
	return false
}

// plainNumber says whether s is an optionally signed decimal number.
func plainNumber(s string) bool {
	if s[0] == '-' || s[0] == '+' {
		s = s[1:]
	}
	digits, dot := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot && digits > 0 && i < len(s)-1:
			dot = true
		default:
			return false
		}
	}
	return digits > 0
}

// CSVCell is a cell as written to CSV: a formula-like one behind an
// apostrophe, so that the spreadsheet shows it as text. So is each
// formula-like part after a semicolon or a line break: a spreadsheet in a
// Norwegian or Danish locale splits a CSV file on semicolons, and takes
// the quotes around a cell for text (they are not at the start of its
// field), so that "x;=1+1" gives it a cell "=1+1", and so does
// "x\n=1+1", its line break ending the row; "x;\"=1+1" too, the part
// starting with a quote.
func CSVCell(cell string) string {
	if !strings.ContainsAny(cell, partBreaks) {
		if FormulaLike(cell) {
			return "'" + cell
		}
		return cell
	}
	var b strings.Builder
	b.Grow(len(cell) + 2)
	for start := 0; ; {
		part := cell[start:]
		end := strings.IndexAny(part, partBreaks)
		if end >= 0 {
			part = part[:end]
		}
		// The first part is the cell's start: one that starts with a
		// carriage return is formula-like as a whole. A later one that
		// starts with a quote is a quoted field to the spreadsheet: the
		// writer's doubled quote ends it at once, and the text after it
		// is the cell's.
		if FormulaLike(part) || (start == 0 && part == "" && FormulaLike(cell)) ||
			(start > 0 && laterFormula(strings.TrimLeft(part, `"`), end < 0)) {
			b.WriteByte('\'')
		}
		b.WriteString(part)
		if end < 0 {
			return b.String()
		}
		b.WriteByte(cell[start+end])
		start += end + 1
	}
}

// partBreaks are where a spreadsheet reading a CSV file on semicolons
// starts a cell within one of ours (CSVCell).
const partBreaks = ";\r\n"

// laterFormula says whether part, a part of a cell after a semicolon or a
// line break (its quotes trimmed), is a formula to a spreadsheet reading
// the file on semicolons. A number is one too when it is the cell's last
// part: that field runs on past the cell, over the commas, to the next
// semicolon or line break ("-1,5+cmd|..."), and is no number then.
func laterFormula(part string, last bool) bool {
	if last && part != "" && strings.IndexByte("=+-@\t\r", part[0]) >= 0 {
		return true
	}
	return FormulaLike(part)
}
