package model

import "testing"

func TestExcerpt(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		n        int
		want     string
	}{
		{"shorter than the cut", "mottaker 01029400470", 40, "mottaker 01029400470"},
		{"cut after a whole id", "mottaker 01029400470 ukjent", 20, "mottaker 01029400470"},
		{"cut inside a fødselsnummer", "mottaker 01029400470 ukjent", 18, "mottaker "},
		{"cut inside a CPR number", "cpr 0101801234", 12, "cpr "},
		{"cut after a CPR number's hyphen", "cpr 010180-1234", 11, "cpr 010180-"},
		{"cut inside its serial, after the hyphen", "cpr 010180-1234", 13, "cpr 010180-"},
		{"cut inside an order number", "ordre 12345", 8, "ordre "},
		{"cut in the text", "mottaker 01029400470 ukjent", 23, "mottaker 01029400470 uk"},
		{"digits from the start", "01029400470", 5, ""},
		{"nothing kept", "abc", 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := string(Excerpt([]byte(tc.in), tc.n))
			if got != tc.want {
				t.Errorf("Excerpt(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
			}
		})
	}
}
