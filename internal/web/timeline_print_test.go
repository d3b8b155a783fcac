package web_test

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestTimelineSaysPrintStatesInPageLanguage: a print order's change of
// state, and a cancel the provider refused, are said on a Norwegian or
// Danish page with the order's states in the page's language, as the
// exports say them (export.print_state.*), not as the codes the log
// records ("received → printed").
func TestTimelineSaysPrintStatesInPageLanguage(t *testing.T) {
	e := newEnv(t)
	id := e.seed(1)[0].ID
	entries := []struct{ kind, msg, nb, da string }{
		{"print_status", "print order PV-17: queued → received",
			"utskriftsbestilling PV-17: sendes til leverandøren → mottatt av leverandøren",
			"udskriftsbestilling PV-17: sendes til leverandøren → modtaget af leverandøren"},
		{"print_status", "print order PV-17: received → failed: paper jam",
			"utskriftsbestilling PV-17: mottatt av leverandøren → feilet: paper jam",
			"udskriftsbestilling PV-17: modtaget af leverandøren → mislykkedes: paper jam"},
		{"print_cancel_refused", "opened after the print order: too late to cancel order PV-17 (printed)",
			"(skrevet ut)", "(udskrevet)"},
	}
	db := e.st.DB()
	for i, en := range entries {
		db.MustExec(`INSERT INTO shipment_events (shipment_id, kind, source, observed_at, message) VALUES ($1, $2, 'print', $3, $4)`,
			id, en.kind, now.Add(-time.Duration(len(entries)-i)*time.Minute), en.msg)
	}
	b := e.loggedIn("kari", "compliance", "964338531", "")
	for _, lang := range []string{"nb-NO,nb;q=0.9", "da-DK,da;q=0.9"} {
		code, page := b.doIn(lang, "GET", "/shipments/"+id, nil)
		if code != http.StatusOK {
			t.Fatalf("%s evidence page: %d", lang, code)
		}
		timeline := page[strings.Index(page, `id="timeline"`):]
		for _, en := range entries {
			want := en.nb
			if strings.HasPrefix(lang, "da") {
				want = en.da
			}
			if !strings.Contains(timeline, want) {
				t.Errorf("%s timeline does not say %q for %q", lang, want, en.msg)
			}
		}
	}
}

// TestTimelineStatusOfPrintOrderInPageLanguage: the timeline's status
// column says a print order's state (the code the print events keep) in
// the page's language with the code beside, as it says a manual case's
// reason; a channel's own status stays as the channel wrote it.
func TestTimelineStatusOfPrintOrderInPageLanguage(t *testing.T) {
	e := newEnv(t)
	id := e.seed(1)[0].ID
	db := e.st.DB()
	for i, ev := range [][3]string{{"print_ordered", "queued", "print order PV-17"}, {"print_status", "received", "print order PV-17: queued → received"},
		{"print_cancel_refused", "printed", "opened after the print order: too late to cancel order PV-17 (printed)"}} {
		db.MustExec(`INSERT INTO shipment_events (shipment_id, kind, source, observed_at, raw_status, message) VALUES ($1, $2, 'print', $3, $4, $5)`,
			id, ev[0], now.Add(-time.Duration(3-i)*time.Minute), ev[1], ev[2])
	}
	db.MustExec(`INSERT INTO shipment_events (shipment_id, kind, source, observed_at, raw_status, message) VALUES ($1, 'channel_event', 'svarut', $2, 'LEST', '')`,
		id, now)
	b := e.loggedIn("kari", "compliance", "964338531", "")
	for lang, want := range map[string][]string{
		"da-DK,da;q=0.9": {"<td>sendes til leverandøren (queued)</td>", "<td>modtaget af leverandøren (received)</td>", "<td>udskrevet (printed)</td>", "<td>LEST</td>"},
		"nb-NO,nb;q=0.9": {"<td>sendes til leverandøren (queued)</td>", "<td>mottatt av leverandøren (received)</td>", "<td>skrevet ut (printed)</td>", "<td>LEST</td>"},
	} {
		code, page := b.doIn(lang, "GET", "/shipments/"+id, nil)
		if code != http.StatusOK {
			t.Fatalf("%s evidence page: %d", lang, code)
		}
		timeline := page[strings.Index(page, `id="timeline"`):]
		for _, w := range want {
			if !strings.Contains(timeline, w) {
				t.Errorf("%s timeline lacks %s", lang, w)
			}
		}
	}
}
