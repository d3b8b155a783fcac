package logtest

import (
	"strings"
	"testing"
)

func TestSays(t *testing.T) {
	cases := []struct {
		name      string
		want, not []string
		reported  []string // what the report must name; none means no report
	}{
		{name: "all there", want: []string{"one letter", "Bergen"}, not: []string{"letters"}},
		{name: "one missing", want: []string{"one letter", "Oslo"}, reported: []string{`lacks "Oslo"`}},
		{name: "one forbidden", not: []string{"Bergen"}, reported: []string{`says "Bergen"`}},
		{name: "both", want: []string{"Oslo"}, not: []string{"one"}, reported: []string{`lacks "Oslo"`, `says "one"`}},
	}
	for _, tc := range cases {
		c := &Catcher{TB: t}
		Says(c, tc.name, "one letter from Bergen", tc.want, tc.not)
		got := c.Reported()
		if len(tc.reported) == 0 && got != "" {
			t.Errorf("%s: reported %q, want nothing", tc.name, got)
		}
		for _, r := range tc.reported {
			if !strings.Contains(got, tc.name+": "+r) {
				t.Errorf("%s: report %q lacks %q", tc.name, got, r)
			}
		}
	}
}
