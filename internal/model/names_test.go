package model

import "testing"

// TestNormalizedNames: a unit, class or sender system typed on a Mac
// (decomposed, NFD) is stored as the same name typed in Windows
// (composed, NFC): one unit, not two that look alike.
func TestNormalizedNames(t *testing.T) {
	const nfc, nfd = "Barnevern \u00c5s", "Barnevern A\u030as"
	for _, c := range []struct {
		field string
		set   func(*NewShipment, string)
		get   func(NewShipment) string
	}{
		{"sender_unit", func(s *NewShipment, v string) { s.SenderUnit = v }, func(s NewShipment) string { return s.SenderUnit }},
		{"class", func(s *NewShipment, v string) { s.Class = v }, func(s NewShipment) string { return s.Class }},
		{"sender_system", func(s *NewShipment, v string) { s.SenderSystem = v }, func(s NewShipment) string { return s.SenderSystem }},
	} {
		for _, in := range []string{nfd, nfc, " " + nfd + " "} {
			var s NewShipment
			c.set(&s, in)
			if got := c.get(s.Normalized()); got != nfc {
				t.Errorf("%s %q: Normalized() gives %q, want the composed %q", c.field, in, got, nfc)
			}
		}
	}
}
