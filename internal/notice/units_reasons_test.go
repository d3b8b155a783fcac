package notice

import (
	"errors"
	"strings"
	"testing"

	"postvakt/internal/i18n"
)

// Every problem of a units file (the file, its header, a row's values)
// carries a catalogue phrase whose English is the Message the command
// prints, and which Norwegian says in its own words: the admin page shows
// it in its reader's language.
func TestUnitsProblemsHaveReasons(t *testing.T) {
	const head = "sender_org,unit,contact_email,manager_email\n"
	nb := i18n.For("nb", nil)
	for _, file := range []string{
		"", "PK\x03\x04 rest", head, "sender_org,unit,contact_email\n", head[:len(head)-1] + ",extra,\n",
		"sender_org,unit,unit,contact_email,manager_email\n",
		head + "964338531,NAV\n",
		head + "964338531,\"NAV,x\n",
		head + "964338532,NAV,a@b.no,\n",
		head + ",NAV,a@b.no,\n",
		head + "964338531,,a@b.no,\n",
		head + "964338531,N\x01AV,a@b.no,\n",
		head + "964338531,NAV \u202E1234,a@b.no,\n",       // a text direction control: a name no letter can carry
		head + "964338531,NAV\u00a0Bærum\u200b,a@b.no,\n", // an invisible character: a name no letter can carry
		head + "964338531,NAV,,\n",
		head + "964338531,NAV,not an address,\n",
		head + "964338531,NAV,,leder@bærum.no\n",
		head + "964338531,NAV,a@b.no,\n964338531,NAV,c@d.no,\n",
	} {
		_, err := ParseUnits(strings.NewReader(file))
		var inv *InvalidUnitsError
		if !errors.As(err, &inv) || len(inv.Problems) == 0 {
			t.Errorf("%q: %v, want problems", file, err)
			continue
		}
		for _, p := range inv.Problems {
			if p.Reason.Key == "" || p.Message != p.Reason.English() {
				t.Errorf("%q: %s: reason %+v, want one whose English is the message", file, p.Error(), p.Reason)
			}
			if said := nb.Say(p.Reason, ""); said == "" || said == p.Message {
				t.Errorf("%q: %s: in nb %q, want it in Norwegian", file, p.Error(), said)
			}
		}
	}
}
