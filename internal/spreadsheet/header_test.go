package spreadsheet

import "testing"

func TestHeaderCell(t *testing.T) {
	known := []string{"channel", "channel_id", "sender_unit", "title", "org", "email"}
	for _, c := range []struct {
		h     string
		named bool
		want  string
	}{
		{"chanel_id", false, "chanel_id"},     // a misspelling
		{"Sender-Unit", false, "Sender-Unit"}, // case and a dash
		{"tittle", false, "tittle"},           // one edit of a five-letter name
		{"emial", false, "3"},                 // two edits of a five-letter name: by place
		{"Omsorgsovertakelse", false, "3"},    // a title in a header-less file
		{"Barnevernstjenesten", false, "3"},   // a unit's name
		{"Ole", false, "3"},                   // a name two edits from "org"
		{"01017012345", false, "3"},           // a national id
		{"sak 01017012345", false, "3"},       // not shaped like a column name
		{"", false, "3"},
		{"saksnr", true, "saksnr"},     // an extra column beside known ones
		{"sak 01017012345", true, "3"}, // never, when not shaped like a name
		{"010170123", true, "3"},       // nor with three digits in a row
	} {
		if got, _ := HeaderCell(c.h, 2, known, c.named); got != c.want {
			t.Errorf("HeaderCell(%q) = %q, want %q", c.h, got, c.want)
		}
	}
}
