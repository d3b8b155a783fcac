package spreadsheet

import (
	"testing"

	"postvakt/internal/i18n"
)

// A line's problem says its line, and its column when it is one cell's,
// in English; a file's problem is its line's, without a column.
func TestLineError(t *testing.T) {
	for _, tc := range []struct {
		e    LineError
		want string
	}{
		{NewLineError(3, "", i18n.P("problem.no_rows")), "line 3: " + i18n.P("problem.no_rows").English()},
		{NewLineError(4, "email", i18n.P("problem.column_twice")), "line 4, column email: " + i18n.P("problem.column_twice").English()},
		{LineError{Line: 1, Message: "bare"}, "line 1: bare"},
		{fileError(7, ErrUTF8, "problem.file_utf8", "Char", "æ", "Line", 7).LineError(), "line 7: the file is UTF-8 (æ on line 7), not Windows-1252"},
	} {
		if got := tc.e.Error(); got != tc.want {
			t.Errorf("%#v: %q, want %q", tc.e, got, tc.want)
		}
		if tc.e.Reason.Key != "" && tc.e.Message != tc.e.Reason.English() {
			t.Errorf("%#v: Message is not the Reason's English", tc.e)
		}
	}
}
