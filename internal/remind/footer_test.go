package remind

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/remind/mailpittest"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// TestReminderFooterSpeaksForTheSenders: a receiving business does not
// know postvakt, so the reminder never names it (the From address is the
// operator's own); its footer says, in each of its languages, that it was
// sent automatically on behalf of the sending organisation (or
// organisations) named above, and what to do when it reached the wrong
// person. It names no unit. Read back from the SMTP server: a Norwegian
// reminder of one sender's letters and a Danish one of two senders'.
func TestReminderFooterSpeaksForTheSenders(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.Open(t)
	const aarhus = "55133018" // Aarhus Kommune's CVR number
	sent := time.Date(2026, 11, 16, 10, 0, 0, 0, time.UTC)
	letters := []struct {
		channel, id, org, orgName, unit, to string
	}{
		{"svarut", "sv-footer-1", "964338531", "Bergen kommune", "Barnevernstjenesten", firma},
		{"svarut", "sv-footer-2", "964338531", "Bergen kommune", "Barnevernstjenesten", firma},
		{"digitalpost", "dp-footer-1", kobenhavn, "Københavns Kommune", "BUF – sikker mail (SEPO)", virksomhed},
		{"digitalpost", "dp-footer-2", aarhus, "Aarhus Kommune", "Socialforvaltningen", virksomhed},
	}
	var items []model.NewShipment
	for i, l := range letters {
		items = append(items, model.NewShipment{Channel: l.channel, ChannelID: l.id, SenderOrg: l.org, SenderUnit: l.unit,
			RecipientKind: model.RecipientOrg, RecipientID: l.to, Title: "HEMMELIG-TITTEL-" + l.id, Confidential: true,
			Class: "taushetsbelagt", SentAt: sent.Add(time.Duration(i) * time.Minute)})
	}
	got, _, err := st.Register(ctx, items, store.SourceImport, "test")
	if err != nil {
		t.Fatal(err)
	}
	groups := map[string]*Group{firma: {Org: firma}, virksomhed: {Org: virksomhed}}
	for i, s := range got {
		g := groups[letters[i].to]
		g.Shipments = append(g.Shipments, Shipment{ShipmentID: s.ID, Channel: s.Channel, ChannelID: s.ChannelID,
			SenderOrg: s.SenderOrg, SenderOrgName: letters[i].orgName, SenderUnit: s.SenderUnit, SentAt: s.SentAt, Since: s.SentAt, Reminder: 1})
	}
	if _, err := st.ReplaceContacts(ctx, []store.Contact{{Org: firma, Email: "post@firma.no"}, {Org: virksomhed, Email: "post@virksomhed.dk"}}, "test"); err != nil {
		t.Fatal(err)
	}
	mp := mailpittest.Start(t)
	var logs bytes.Buffer
	r := newReminder(st, mp.SMTPAddr, &logs)
	for _, org := range []string{firma, virksomhed} {
		out, err := r.Deliver(ctx, *groups[org], time.Date(2026, 11, 18, 9, 0, 0, 0, time.UTC), false)
		if err != nil || out.Status != StatusSent {
			t.Fatalf("deliver to %s: %+v %v", org, out, err)
		}
	}
	footers := map[string][]string{
		"post@firma.no": {
			"Denne e-posten er sendt automatisk på vegne av avsenderen som er nevnt over.",
			"Har den kommet til feil person, send den videre til den som tar seg av posten til virksomheten.",
			"This e-mail was sent automatically on behalf of the sender named above.",
			"If it reached the wrong person, please forward it to whoever handles your organisation's post.",
		},
		"post@virksomhed.dk": {
			"Denne e-mail er sendt automatisk på vegne af afsenderne, der er nævnt ovenfor.",
			"Er den havnet hos den forkerte person, så send den videre til den, der tager sig af virksomhedens post.",
			"This e-mail was sent automatically on behalf of the senders named above.",
			"If it reached the wrong person, please forward it to whoever handles your organisation's post.",
		},
	}
	msgs := mp.Messages(t)
	if len(msgs) != 2 {
		t.Fatalf("%d messages, want 2", len(msgs))
	}
	for _, m := range msgs {
		to := m.To[0].Address
		text := mailpittest.Reflowed(m.Text)
		if strings.Contains(strings.ToLower(m.Subject+text), "postvakt") {
			t.Errorf("the reminder to %s names postvakt, which the business does not know:\n%s", to, text)
		}
		for _, want := range footers[to] {
			if !says(text, want) {
				t.Errorf("the reminder to %s lacks %q:\n%s", to, want, text)
			}
		}
		for _, unit := range []string{"Barnevern", "BUF", "Socialforvaltningen"} {
			if strings.Contains(text, unit) {
				t.Errorf("the reminder to %s names the unit %q:\n%s", to, unit, text)
			}
		}
	}
}
