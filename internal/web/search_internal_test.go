package web

import "testing"

func TestSearchIdent(t *testing.T) {
	for _, tc := range []struct{ typed, want string }{
		{"0101801234", "0101801234"},
		{" 010180-1234 ", "0101801234"}, // a CPR number as Danes write it
		{"14 69 18 04", "14691804"},     // a CVR number in pairs
		{"DK14691804", "14691804"},      // the VAT form of a CVR number
		{"dk 14 69 18 04", "14691804"},
		{"974 760 673", "974760673"},
		{"010180 12345", "01018012345"},
		{"01018-01234", "01018-01234"}, // a hyphen elsewhere: left for the checks to refuse
		{"0101-801234", "0101-801234"},
		{"DK1469180", "DK1469180"},
		{"", ""},
	} {
		if got := searchIdent(tc.typed); got != tc.want {
			t.Errorf("searchIdent(%q) = %q, want %q", tc.typed, got, tc.want)
		}
	}
}
