package sim

import (
	"testing"
	"time"
)

// TestNorwegianPersonIDsAreSynthetic: the Norwegian person ids of the
// shipped scenarios (the demo of `make run` among them) have their month
// plus 80, the test registry's synthetic form, so none is a real person's
// number (a day plus 40, a D-number, is issued to real people).
func TestNorwegianPersonIDsAreSynthetic(t *testing.T) {
	for _, name := range []string{"demo", "bergen", "hostile"} {
		sc, err := Load(name)
		if err != nil {
			t.Fatal(err)
		}
		s, err := New(sc, 1, NewManualClock(time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)), Options{})
		if err != nil {
			t.Fatal(err)
		}
		persons := 0
		for _, r := range s.Shipments() {
			id := r.Recipient.ID
			if r.Recipient.Kind != "person" || len(id) != 11 {
				continue
			}
			persons++
			if month := int(id[2]-'0')*10 + int(id[3]-'0'); month < 81 || month > 92 {
				t.Errorf("%s: person id %s****** is not synthetic (month %d)", name, id[:4], month)
			}
		}
		if persons == 0 && name == "demo" {
			t.Errorf("%s: no Norwegian person among the recipients", name)
		}
	}
}
