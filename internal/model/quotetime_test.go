package model

import "testing"

func TestQuoteTime(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"a date-time", "2025-13-01T10:00:00Z", `"2025-13-01T10:00:00Z"`},
		{"a fødselsnummer", "01029400470", `"010294*****"`},
		{"a fødselsnummer without its zero", "1029400470", `"10294*****"`},
		{"a d-number", "41029400470", `"410294*****"`},
		{"an h-number without its zero", "1429400470", `"14294*****"`},
		{"a CPR number", "0101801234", `"010180****"`},
		{"a CPR number from the 29th", "2906801234", `"290680****"`},
		{"a CPR number that may be a fødselsnummer without its zero", "3112801234", `"31128*****"`},
		{"a CPR number without its zero", "101801234", `"10180****"`},
		{"a CPR number, negative", "-101801234", `"-10180****"`},
		{"a CPR number with a hyphen", "010180-1234", `"010180-****"`},
		{"a fødselsnummer in text", "fnr 01029400470", `"fnr 010294*****"`},
		{"an object", `{"tittel":"Vedtak","fnr":"01029400470"}`, `an object of 39 bytes`},
		{"an array", ` ["Vedtak"]`, `an array of 11 bytes`},
		{"a fødselsnummer in braces", `fnr {01029400470}`, `"fnr {010294*****}"`},
		{"epoch seconds, no date", "1700000000", `"1700000000"`},
		{"epoch seconds, no date, today", "1796000000", `"1796000000"`},
		{"epoch seconds that could be a CPR number", "1712345678", `"171234****"`},
		{"epoch milliseconds", "1700000000000", `"1700000000000"`},
		{"nine digits, no date", "100000000", `"100000000"`},
		{"twelve digits", "171234567890", `"171234567890"`},
		{"an id the cut would split", "tidspunkt er ukjent, mottaker: 01029400470", `"tidspunkt er ukjent, mottaker: "…`},
		{"cut in the text", "tidspunkt er ukjent for mottakeren i brevet", `"tidspunkt er ukjent for mottakeren i bre"…`},
		{"empty", "", `""`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := QuoteTime(tc.in); got != tc.want {
				t.Errorf("QuoteTime(%q) = %s, want %s", tc.in, got, tc.want)
			}
		})
	}
}
