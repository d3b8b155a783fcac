package spreadsheet

import "testing"

// TestCSVCell: a formula-like cell, or part of one between semicolons or
// line breaks, goes behind an apostrophe; numbers and ordinary text are left alone.
func TestCSVCell(t *testing.T) {
	for _, tc := range []struct {
		in, want string
	}{{"=1+1", "'=1+1"}, {"+1", "+1"}, {"-3", "-3"}, {"-3.5", "-3.5"}, {"-3.", "'-3."}, {"-", "'-"}, {"@x", "'@x"},
		{"\t1", "'\t1"}, {"\r1", "'\r1"}, {"a=1", "a=1"}, {"", ""}, {"Barnevern", "Barnevern"}, {" =1", " =1"},
		// A Norwegian or Danish spreadsheet splits a CSV file on semicolons.
		{"x;=1+1;y", "x;'=1+1;y"}, {"a;-3;@b", "a;-3;'@b"}, {"a;b", "a;b"},
		// The first part formula-like, and a later one too.
		{"=1+2;@SUM(A1)", "'=1+2;'@SUM(A1)"},
		// Reading on semicolons, a spreadsheet takes the quotes around a
		// cell for text (they are not at the start of its field), so a
		// line break in the cell ends the row and its next line starts one.
		{"x\n=1+1", "x\n'=1+1"}, {"x\r\n@SUM(A1);y", "x\r\n'@SUM(A1);y"}, {"x\r=2;\n-3", "x\r'=2;\n'-3"},
		{"\n+cmd", "\n'+cmd"}, {"a\nb", "a\nb"},
		// There a field that starts with a quote is quoted: the writer's
		// doubled quote ends at once, and the text after it is the cell.
		{"x;\"=1+1", "x;'\"=1+1"}, {"x\n\"\"@a", "x\n'\"\"@a"}, {"x;\"a\"", "x;\"a\""}, {"\"=1", "\"=1"}} {
		if got := CSVCell(tc.in); got != tc.want {
			t.Errorf("CSVCell(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
