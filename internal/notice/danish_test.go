package notice

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
)

const (
	kobenhavn  = "64942212" // Københavns Kommune's CVR number
	virksomhed = "10150817" // a receiving business's CVR number
	sepo       = "BUF – sikker mail (SEPO)"
)

// The Copenhagen case in Copenhagen: a Danish sending unit's rejected
// Digital Post letters. Its follow-up notice, delivered through a real SMTP
// server to the unit and its manager, is in Danish, then English; so is
// the escalation notice to the compliance officer; neither carries a
// title.
func TestDanishFollowUpNotice(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 16, 9, 0, 0, 0, oslo) // a Monday
	sent := now.AddDate(0, 0, -3)
	var items []model.NewShipment
	for i, id := range []string{"0b6c1f1e-8f5a-4b2e-9d1c-3a7e5f9b2c41", "5d2e7a90-1c3b-4f6d-8e9a-0b1c2d3e4f50"} {
		items = append(items, model.NewShipment{Channel: "digitalpost", ChannelID: id, SenderOrg: kobenhavn, SenderUnit: sepo,
			RecipientKind: model.RecipientOrg, RecipientID: virksomhed, Title: fmt.Sprintf("HEMMELIG-%d", i), Confidential: true,
			Class: "taushetsbelagt", SentAt: sent})
	}
	got, _, err := f.st.Register(ctx, items, store.SourceImport, "test")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range got {
		if _, err := f.st.DB().Exec(`UPDATE shipments SET state = 'rejected', state_changed_at = $2 WHERE id = $1`, s.ID, sent.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.st.SaveUnits(ctx, []store.Unit{{SenderOrg: kobenhavn, Name: sepo, ContactEmail: "sepo@kk.dk", ManagerEmail: "leder.buf@kk.dk"}}); err != nil {
		t.Fatal(err)
	}
	for _, u := range []store.User{
		{Name: "mette", PasswordHash: "x", Role: "compliance", SenderOrg: kobenhavn, Email: "compliance@kk.dk"},
		{Name: "sepo", PasswordHash: "x", Role: "unit", SenderOrg: kobenhavn, Unit: sepo, Email: "sepo.bruger@kk.dk"},
	} {
		if _, err := f.st.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	f.n.FollowUpDays = 10
	if sum := f.run(now); sum.Opened != 2 {
		t.Fatalf("opened %d follow-ups, want 2", sum.Opened)
	}
	for _, r := range f.mp.Messages(t) {
		if !strings.Contains(r.Raw, "Content-Language: da, en\r\n") {
			t.Errorf("%q is not marked Danish and English", r.Subject)
		}
	}
	ms := f.take()
	due := kinds(ms, "Opfølgning:")
	if len(due) != 1 {
		t.Fatalf("%d Danish follow-up mails, want 1: %+v", len(due), ms)
	}
	m := due[0]
	deadline := now.AddDate(0, 0, 10).In(oslo)
	if m.subject != fmt.Sprintf("Opfølgning: 2 breve er ikke nået frem, frist %s / Follow-up of 2 letters, deadline %s",
		deadline.Format("02.01.2006"), deadline.Format("2 Jan 2006")) {
		t.Errorf("subject %q", m.subject)
	}
	if fmt.Sprint(m.to, m.cc) != "[sepo@kk.dk] [leder.buf@kk.dk]" {
		t.Errorf("to %v cc %v", m.to, m.cc)
	}
	da, en, ok := strings.Cut(m.text, "-- English --")
	if !ok {
		t.Fatalf("no English part:\n%s", m.text)
	}
	for _, want := range []string{
		"Til " + sepo + ", CVR-nr. " + kobenhavn,
		"ikke er nået frem til modtageren",
		"Enhedens leder har fået en kopi",
		"I skal senest " + deadline.Format("02.01.2006") + " tage stilling til hvert brev:",
		"1) Sende brevet igen til modtageren.", "2) Skrive et nyt brev til modtageren.", "konsekvenser for modtageren",
		"lovbestemte frister",
		"Digital Post-brev 0b6c1f1e-8f5a-4b2e-9d1c-3a7e5f9b2c41",
		"til CVR-nr. " + virksomhed + "; afvist; frist " + deadline.Format("02.01.2006"),
		"Registrér beslutningen i postvakt: https://postvakt.example/followups",
	} {
		if !strings.Contains(da, want) {
			t.Errorf("Danish part lacks %q", want)
		}
	}
	for _, want := range []string{"To " + sepo, "statutory deadlines", "Digital Post letter 5d2e7a90", "; rejected; deadline "} {
		if !strings.Contains(en, want) {
			t.Errorf("English part lacks %q", want)
		}
	}
	for _, never := range []string{"Oppfølging", "mottakeren", "org.nr.", "-- Norsk --"} {
		if strings.Contains(m.subject+m.text, never) {
			t.Errorf("the Danish notice says %q:\n%s", never, m.text)
		}
	}
	if !strings.Contains(m.text, "Denne e-mail er sendt automatisk af postvakt. / This e-mail was sent automatically by postvakt.") {
		t.Errorf("footer:\n%s", m.text)
	}
	// The rejected letters are escalation cases under their channel's
	// policy, dk-digital-post (escalation.to: compliance, unit): the
	// compliance officer and the unit's user are told, in Danish too.
	esc := kinds(ms, "postvakt:")
	if len(esc) != 2 || fmt.Sprint(esc[0].to, esc[1].to) != "[compliance@kk.dk] [sepo.bruger@kk.dk]" {
		t.Fatalf("escalation notices %+v", esc)
	}
	for _, e := range esc {
		if e.subject != "postvakt: 2 sager kræver en person / 2 cases need a person" ||
			!strings.Contains(e.text, "Fortrolige breve, der ikke kom frem:") ||
			!strings.Contains(e.text, ", "+sepo+", til CVR-nr. "+virksomhed+": afvist") {
			t.Errorf("escalation notice %q:\n%s", e.subject, e.text)
		}
	}
}
