package notice_test

import (
	"errors"
	"strings"
	"testing"

	"postvakt/internal/notice"
)

// TestParseUnitsComposesNames: a units file saved on a Mac writes "Ås"
// decomposed (NFD); the unit is the one letters name composed (NFC), and
// the same unit twice, once in each form, is the same unit twice.
func TestParseUnitsComposesNames(t *testing.T) {
	const nfc, nfd = "Barnevern \u00c5s", "Barnevern A\u030as"
	us, err := notice.ParseUnits(strings.NewReader("sender_org,unit,contact_email,manager_email\n964338531," + nfd + ",a@example.no,\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(us) != 1 || us[0].Name != nfc {
		t.Fatalf("units %+v, want one named %q (composed)", us, nfc)
	}
	_, err = notice.ParseUnits(strings.NewReader("sender_org,unit,contact_email,manager_email\n" +
		"964338531," + nfc + ",a@example.no,\n964338531," + nfd + ",b@example.no,\n"))
	var inv *notice.InvalidUnitsError
	if !errors.As(err, &inv) || len(inv.Problems) != 1 || inv.Problems[0].Line != 3 {
		t.Errorf("the same unit in both forms: %v, want the second line refused as the unit twice", err)
	}
}
