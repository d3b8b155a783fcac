package spreadsheet

import "testing"

func TestSeparator(t *testing.T) {
	for _, tc := range []struct {
		head string
		want rune
	}{
		{"channel,channel_id,sender_org\nsvarut,1;2,964338531\n", ','},
		{"channel;channel_id;sender_org\r\nsvarut;\"a,b\";964338531\r\n", ';'},
		{"\ufefforgnr;email\n", ';'},
		{"orgnr\n", ','},
		{"\"a;b\",c\n", ','},
		{"\"a,b\";c\n", ';'},
		{"", ','},
		// Empty lines before the header (Excel keeps an empty first row).
		{"\r\nchannel;channel_id\r\nsvarut;a,b\r\n", ';'},
		{"\ufeff\n \nchannel;channel_id\n", ';'},
		{"\n\nchannel,channel_id\n", ','},
	} {
		if got := Separator([]byte(tc.head)); got != tc.want {
			t.Errorf("Separator(%q) = %q, want %q", tc.head, got, tc.want)
		}
	}
}
