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
// formula-like part between semicolons: a spreadsheet in a Norwegian or
// Danish locale splits a CSV file on them, and "x;=1+1" would give it a
// cell "=1+1".
func CSVCell(cell string) string {
	if !strings.Contains(cell, ";") {
		if FormulaLike(cell) {
			return "'" + cell
		}
		return cell
	}
	parts := strings.Split(cell, ";")
	for i, p := range parts {
		if FormulaLike(p) {
			parts[i] = "'" + p
		}
	}
	return strings.Join(parts, ";")
}
