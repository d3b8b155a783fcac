package remind

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// A count is written with a no-break space in Norwegian (i18n.FormatInt:
// "1 307"), so that it never wraps: filling a paragraph keeps that space
// as it is and never breaks a line inside the number, wherever the number
// falls; a reader that reflows (format=flowed) does not break it either.
func TestFillKeepsNoBreakSpaces(t *testing.T) {
	const n = "1\u00a0307"
	for _, c := range []struct {
		name, text string
	}{
		{"at the start", n + " brev venter"},
		{"at the end of a line", strings.Repeat("x", 66) + " " + n + " brev venter"},
		{"across the width", strings.Repeat("x", 69) + " " + n + " brev venter"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := fill(c.text, lineWidth)
			joined := strings.Join(got, "\n")
			if !strings.Contains(joined, n) {
				t.Errorf("fill(%q) = %q: the number %q is not kept whole", c.text, got, n)
			}
		})
	}
	now := time.Date(2026, 12, 5, 9, 30, 0, 0, oslo)
	var ss []Shipment
	for i := range 1307 {
		s := sampleShipments()[0]
		s.ChannelID = fmt.Sprintf("sv-%d", i)
		ss = append(ss, s)
	}
	body := Compose(firma, "", ss, nil, "postvakt@bergen.kommune.no", "k", now).Body
	for _, want := range []string{"Disse " + n + " brevene", "og 1\u00a0257 brev til"} {
		if !strings.Contains(body, want) {
			t.Errorf("the reminder lacks %q (its count with a no-break space)", want)
		}
	}
}
