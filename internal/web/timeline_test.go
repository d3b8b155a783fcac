package web_test

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
)

// TestTimelineInPageLanguage: the evidence timeline says postvakt's own
// entries (recorded in English, as the writers make them) in the page's
// language, Norwegian and Danish, with the parameters they were made of,
// and the recorded wording beside each; a reminder confirmed as sent says
// when on the page's clock (Oslo, winter and summer), as every other time
// of the page, though the log records it in UTC (the recorded wording
// beside keeps that); an entry of no known form (a channel's error) shows
// as recorded; an English page shows the record itself and no second
// wording; evidence.json keeps every message exactly as recorded.
func TestTimelineInPageLanguage(t *testing.T) {
	e := newEnv(t)
	got := e.seed(1)
	id := got[0].ID
	entries := []struct{ kind, msg, nb, da string }{
		{"reminder", "reminder 1 sent by e-mail to organisation 974760673 (notification 12, 2 address(es))",
			"påminnelse 1 sendt på e-post til virksomheten 974760673 (varsling 12, 2 adresser)",
			"påmindelse 1 sendt med e-mail til virksomheden 974760673 (underretning 12, 2 adresser)"},
		{"reminder", "reminder 2 sent by e-mail to organisation 974760673 (notification 13, 1 address(es)); its outcome unknown, confirmed as sent on 2026-11-30 08:15 UTC",
			"påminnelse 2 sendt på e-post til virksomheten 974760673 (varsling 13, 1 adresse); utfallet var ukjent, bekreftet som sendt 2026-11-30 09:15 +01:00",
			"påmindelse 2 sendt med e-mail til virksomheden 974760673 (underretning 13, 1 adresse); udfaldet var ukendt, bekræftet som sendt 2026-11-30 09:15 +01:00"},
		{"reminder", "reminder 1 sent through Altinn Notifications to organisation 974760673 (notification 15, ordered by organisation number); its outcome unknown, confirmed as sent on 2026-06-30 08:15 UTC",
			"påminnelse 1 sendt gjennom Altinn-varsling til virksomheten 974760673 (varsling 15, bestilt på organisasjonsnummer); utfallet var ukjent, bekreftet som sendt 2026-06-30 10:15 +02:00",
			"påmindelse 1 sendt gennem Altinn Notifications til virksomheden 974760673 (underretning 15, bestilt på organisationsnummer); udfaldet var ukendt, bekræftet som sendt 2026-06-30 10:15 +02:00"},
		{"reminder", "reminder 1 sent through Altinn Notifications to organisation 974760673 (notification 14, ordered by organisation number)",
			"påminnelse 1 sendt gjennom Altinn-varsling til virksomheten 974760673 (varsling 14, bestilt på organisasjonsnummer)",
			"påmindelse 1 sendt gennem Altinn Notifications til virksomheden 974760673 (underretning 14, bestilt på organisationsnummer)"},
		{"decision", "reminder 2 due: 7 business days unopened, 1 business day since reminder 1 (policy taushetsbelagt)",
			"påminnelse 2 forfalt: 7 virkedager uåpnet, 1 virkedag siden påminnelse 1 (regelsett taushetsbelagt)",
			"påmindelse 2 forfalden: 7 arbejdsdage uåbnet, 1 arbejdsdag siden påmindelse 1 (regelsæt taushetsbelagt)"},
		{"decision", "print due: 10 business days unopened (policy taushetsbelagt); needs a compliance officer's approval",
			"utskrift forfalt: 10 virkedager uåpnet (regelsett taushetsbelagt); må godkjennes av internkontrollen",
			"udskrift forfalden: 10 arbejdsdage uåbnet (regelsæt taushetsbelagt); skal godkendes af den interne kontrol"},
		{"decision", "print due: the channel could not deliver the shipment (policy default)",
			"utskrift forfalt: kanalen kunne ikke levere forsendelsen (regelsett default)",
			"udskrift forfalden: kanalen kunne ikke levere forsendelsen (regelsæt default)"},
		{"decision", "catch-up print due: 2 business days after the catch-up reminder (policy barnevern); needs a compliance officer's approval",
			"etterslepsutskrift forfalt: 2 virkedager etter etterslepspåminnelsen (regelsett barnevern); må godkjennes av internkontrollen",
			"efterslæbsudskrift forfalden: 2 arbejdsdage efter efterslæbspåmindelsen (regelsæt barnevern); skal godkendes af den interne kontrol"},
		{"decision", "catch-up print due: 1 business day after the escalation first met it (no reminder could go out) (policy default)",
			"etterslepsutskrift forfalt: 1 virkedag etter at eskaleringen først så brevet (ingen påminnelse kunne sendes) (regelsett default)",
			"efterslæbsudskrift forfalden: 1 arbejdsdag efter at eskaleringen først så brevet (ingen påmindelse kunne sendes) (regelsæt default)"},
		{"print_decided", "print order decided (policy taushetsbelagt)",
			"utskrift besluttet (regelsett taushetsbelagt)", "udskrift besluttet (regelsæt taushetsbelagt)"},
		{"print_decided", "print order decided after the release of batch 12, its address looked up again (policy barnevern)",
			"utskrift besluttet etter at utskriftsbunke 12 ble frigitt, adressen slått opp på nytt (regelsett barnevern)",
			"udskrift besluttet efter frigivelsen af udskriftsbunke 12, adressen slået op igen (regelsæt barnevern)"},
		{"channel_event", "log entry 7d9a2c10-5b1e-4f7a-9d0e-1c2b3a4d5e6f",
			"loggpost 7d9a2c10-5b1e-4f7a-9d0e-1c2b3a4d5e6f", "logpost 7d9a2c10-5b1e-4f7a-9d0e-1c2b3a4d5e6f"},
		{"print_skipped", "no print: the shipment is opened (stage reminded)",
			"ingen utskrift: forsendelsen er åpnet (trinn påminnet)", "ingen udskrift: forsendelsen er åbnet (trin påmindet)"},
		{"followup", "follow-up: resent; escalation closed (stage reminded)",
			"oppfølging: sendt på nytt; eskaleringen avsluttet (trinn påminnet)", "opfølgning: sendt igen; eskaleringen afsluttet (trin påmindet)"},
		{"manual_resolved", "manual handling resolved: printed_by_hand: sendt i posten 30.11",
			"manuell behandling løst: skrevet ut manuelt: sendt i posten 30.11", "manuel behandling løst: udskrevet manuelt: sendt i posten 30.11"},
	}
	const asRecorded = "SvarUt answered 502 Bad Gateway"
	db := e.st.DB()
	for i, en := range entries {
		db.MustExec(`INSERT INTO shipment_events (shipment_id, kind, source, observed_at, message) VALUES ($1, $2, 'policy', $3, $4)`,
			id, en.kind, now.Add(-time.Duration(len(entries)-i)*time.Minute), en.msg)
	}
	db.MustExec(`INSERT INTO shipment_events (shipment_id, kind, source, observed_at, message) VALUES ($1, 'poll_error', 'svarut', $2, $3)`,
		id, now, asRecorded)
	b := e.loggedIn("kari", "compliance", "964338531", "")
	for _, lang := range []struct{ accept, label string }{{"nb-NO,nb;q=0.9", "Ordlyd i loggen:"}, {"da-DK,da;q=0.9", "Ordlyd i loggen:"}} {
		code, page := b.doIn(lang.accept, "GET", "/shipments/"+id, nil)
		if code != http.StatusOK {
			t.Fatalf("%s evidence page: %d", lang.accept, code)
		}
		timeline := page[strings.Index(page, `id="timeline"`):]
		for _, en := range entries {
			want := en.nb
			if strings.HasPrefix(lang.accept, "da") {
				want = en.da
			}
			if !strings.Contains(timeline, want) {
				t.Errorf("%s timeline does not say %q for %q", lang.accept, want, en.msg)
			}
			if !strings.Contains(timeline, `<span lang="en">`+en.msg+`</span>`) {
				t.Errorf("%s timeline lost the recorded wording %q", lang.accept, en.msg)
			}
		}
		if n := strings.Count(timeline, lang.label); n != len(entries) {
			t.Errorf("%s timeline shows the recorded wording beside %d entries, want the %d translated", lang.accept, n, len(entries))
		}
		if !strings.Contains(timeline, asRecorded) {
			t.Errorf("%s timeline lost the channel's error %q", lang.accept, asRecorded)
		}
	}
	code, page := b.doIn("en-GB", "GET", "/shipments/"+id, nil)
	if code != http.StatusOK {
		t.Fatalf("en evidence page: %d", code)
	}
	for _, en := range entries {
		if !strings.Contains(page, en.msg) {
			t.Errorf("English timeline does not show %q as recorded", en.msg)
		}
	}
	if strings.Contains(page, "Wording in the log") {
		t.Error("English timeline shows a second wording of entries recorded in English")
	}
	code, body := b.get("/shipments/" + id + "/evidence.json")
	if code != http.StatusOK {
		t.Fatalf("evidence.json: %d", code)
	}
	var doc struct {
		Shipment struct {
			Events []struct {
				Kind    string `json:"kind"`
				Message string `json:"message"`
			} `json:"events"`
		} `json:"shipment"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	recorded := map[string]bool{}
	for _, ev := range doc.Shipment.Events {
		recorded[ev.Message] = true
	}
	for _, en := range entries {
		if !recorded[en.msg] {
			t.Errorf("evidence.json does not keep %q as recorded", en.msg)
		}
	}
}

// TestTimelineWritersInPageLanguage: the entries postvakt's own writers
// record (a reminder sent, a follow-up that closes the escalation, Digital
// Post's log entries) are each said in the page's language: a writer whose
// sentence no longer has the form the timeline reads fails here.
func TestTimelineWritersInPageLanguage(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	got := e.seed(2)
	claim, err := e.st.ClaimNotification(ctx, store.Claim{Org: "974760673",
		Items: []model.ReminderItem{{ShipmentID: got[0].ID, Reminder: 1}}, Recipients: []string{"post@x.no", "arkiv@x.no"}, Now: now})
	if err != nil || claim.Notification == nil {
		t.Fatalf("claim: %+v %v", claim, err)
	}
	if err := e.st.MarkNotificationSent(ctx, claim.Notification.ID, "<m1@postvakt>", now); err != nil {
		t.Fatal(err)
	}
	// A reminder to a business without an e-mail address, through Altinn
	// Notifications (remind's courier records it so).
	byOrder, err := e.st.ClaimNotification(ctx, store.Claim{Org: got[1].RecipientID,
		Items: []model.ReminderItem{{ShipmentID: got[1].ID, Reminder: 1}}, Now: now, ByOrder: true})
	if err != nil || byOrder.Notification == nil || !byOrder.Send {
		t.Fatalf("claim by order: %+v %v", byOrder, err)
	}
	if _, err := e.st.RecordReminders(ctx, []store.ReminderOutcome{{ID: byOrder.Notification.ID, Status: model.NotifySent,
		OrderID: "order-1", Items: byOrder.Notification.Items}}, now); err != nil {
		t.Fatal(err)
	}
	if err := e.st.RecordFollowUp(ctx, store.FollowUpDecision{ShipmentID: got[0].ID, Decision: store.DecisionClosed,
		Actor: "user:kari", At: now.Add(time.Hour), Deadline: now.AddDate(0, 0, 14)}); err != nil {
		t.Fatal(err)
	}
	dk, _, err := e.st.Register(ctx, []model.NewShipment{copenhagenLetter("0b6d3c5e-1f2a-4b3c-8d4e-000000000009", "person", "0101801234",
		now.Add(-48*time.Hour))}, store.SourceAPI, "test")
	if err != nil {
		t.Fatal(err)
	}
	t0 := now.Add(-47 * time.Hour)
	if _, err := e.st.ApplyFeed(ctx, store.FeedApply{Channel: "digitalpost", Entries: []store.FeedEntry{
		{ID: "33333333-0000-4000-8000-000000000001", ChannelID: dk[0].ChannelID, Tag: "MEMO_SEND_RECEIVED", State: model.StateAccepted, At: t0},
		{ID: "33333333-0000-4000-8000-000000000002", ChannelID: dk[0].ChannelID, Tag: "MEMO_AVAILABLE_TO_RECIPIENT", State: model.StateAvailable, At: t0.Add(time.Minute)},
	}}); err != nil {
		t.Fatal(err)
	}
	for i, c := range []struct {
		id, org, accept, want string
		least                 int // entries with a message at least
	}{
		{got[0].ID, "964338531", "nb-NO,nb;q=0.9", "påminnelse 1 sendt på e-post til virksomheten 974760673", 2},
		{got[1].ID, "964338531", "nb-NO,nb;q=0.9", "påminnelse 1 sendt gjennom Altinn-varsling til virksomheten " + got[1].RecipientID, 1},
		{dk[0].ID, "64942212", "da-DK,da;q=0.9", "logpost 33333333-0000-4000-8000-000000000002", 2},
	} {
		evs, err := e.st.Events(ctx, c.id)
		if err != nil {
			t.Fatal(err)
		}
		said := 0
		for _, ev := range evs {
			if ev.Message != "" {
				said++
			}
		}
		b := e.loggedIn("kari-"+c.org+"-"+strconv.Itoa(i), "compliance", c.org, "")
		code, page := b.doIn(c.accept, "GET", "/shipments/"+c.id, nil)
		if code != http.StatusOK {
			t.Fatalf("%s: %d", c.accept, code)
		}
		timeline := page[strings.Index(page, `id="timeline"`):]
		if n := strings.Count(timeline, "Ordlyd i loggen:"); n != said || said < c.least || !strings.Contains(timeline, c.want) {
			var msgs []string
			for _, ev := range evs {
				msgs = append(msgs, ev.Kind+": "+ev.Message)
			}
			t.Errorf("%s: %d of the %d entries with a message are said in the page's language (want all, with %q): %q",
				c.accept, n, said, c.want, msgs)
		}
	}
}

// TestTimelineKindInPageLanguage: the timeline's Event column says each
// entry's kind as a word in the page's language (a print decided is
// "utskrift besluttet" in Norwegian, "udskrift besluttet" in Danish, "print
// decided" in English), a kind the catalogue does not know shows as its
// code, and evidence.json keeps the codes.
func TestTimelineKindInPageLanguage(t *testing.T) {
	e := newEnv(t)
	id := e.seed(1)[0].ID
	db := e.st.DB()
	db.MustExec(`INSERT INTO shipment_events (shipment_id, kind, source, observed_at, message) VALUES ($1, 'print_decided', 'policy', $2, 'print order decided (policy p)')`, id, now.Add(-2*time.Minute))
	db.MustExec(`INSERT INTO shipment_events (shipment_id, kind, source, observed_at, message) VALUES ($1, 'some_future_kind', 'policy', $2, 'x')`, id, now.Add(-time.Minute))
	b := e.loggedIn("kari", "compliance", "964338531", "")
	for _, lang := range []struct{ accept, want string }{
		{"nb-NO,nb;q=0.9", "utskrift besluttet"}, {"da-DK,da;q=0.9", "udskrift besluttet"}, {"en-GB", "print decided"},
	} {
		code, page := b.doIn(lang.accept, "GET", "/shipments/"+id, nil)
		if code != http.StatusOK {
			t.Fatalf("%s evidence page: %d", lang.accept, code)
		}
		timeline := page[strings.Index(page, `id="timeline"`):]
		if !strings.Contains(timeline, "<td>"+lang.want+"</td>") {
			t.Errorf("%s timeline's Event column does not say %q", lang.accept, lang.want)
		}
		if strings.Contains(timeline, "<td>print_decided</td>") {
			t.Errorf("%s timeline's Event column shows the code print_decided", lang.accept)
		}
		if !strings.Contains(timeline, "<td>some_future_kind</td>") {
			t.Errorf("%s timeline does not fall back to the code of an unknown kind", lang.accept)
		}
	}
	code, body := b.get("/shipments/" + id + "/evidence.json")
	if code != http.StatusOK || !strings.Contains(body, `"kind": "print_decided"`) && !strings.Contains(body, `"kind":"print_decided"`) {
		t.Errorf("evidence.json lost the kind's code: %d", code)
	}
}

// TestTimelineSourceInPageLanguage: the timeline's Source column says who
// told each entry as a person reads it: a channel by the display name the
// channel registry gives it ("KS SvarUt", not svarut), postvakt's own
// sources in the page's language (a user is "postvakt-bruker",
// "postvakt-bruger", "postvakt user"; print the print provider; the
// registration through the API the sender system), a source the catalogue
// does not know as its code. evidence.json keeps the codes in its events
// and names each in source_names, in the reader's language.
func TestTimelineSourceInPageLanguage(t *testing.T) {
	e := newEnv(t)
	id := e.seed(1)[0].ID // registered through the API (source api)
	db := e.st.DB()
	for i, src := range []string{"svarut", "user", "print", "policy", "some_future_source"} {
		db.MustExec(`INSERT INTO shipment_events (shipment_id, kind, source, observed_at, message) VALUES ($1, 'status', $2, $3, 'x')`,
			id, src, now.Add(time.Duration(i-10)*time.Minute))
	}
	b := e.loggedIn("kari", "compliance", "964338531", "")
	for _, lang := range []struct {
		accept string
		want   []string
	}{
		{"nb-NO,nb;q=0.9", []string{"KS SvarUt", "postvakt-bruker", "utskriftsleverandør", "postvakts eskalering (regelsett)", "avsendersystem (API)"}},
		{"da-DK,da;q=0.9", []string{"KS SvarUt", "postvakt-bruger", "udskriftsleverandør", "postvakts eskalering (regelsæt)", "afsendersystem (API)"}},
		{"en-GB", []string{"KS SvarUt", "postvakt user", "print provider", "postvakt escalation (policy)", "sender system (API)"}},
	} {
		code, page := b.doIn(lang.accept, "GET", "/shipments/"+id, nil)
		if code != http.StatusOK {
			t.Fatalf("%s evidence page: %d", lang.accept, code)
		}
		timeline := page[strings.Index(page, `id="timeline"`):]
		for _, w := range lang.want {
			if !strings.Contains(timeline, "<td>"+w+"</td>") {
				t.Errorf("%s timeline's Source column does not say %q", lang.accept, w)
			}
		}
		for _, c := range []string{"svarut", "user", "print", "policy", "api"} {
			if strings.Contains(timeline, "<td>"+c+"</td>") {
				t.Errorf("%s timeline's Source column shows the code %s", lang.accept, c)
			}
		}
		if !strings.Contains(timeline, "<td>some_future_source</td>") {
			t.Errorf("%s timeline does not fall back to the code of an unknown source", lang.accept)
		}
	}
	code, body := b.doIn("nb-NO", "GET", "/shipments/"+id+"/evidence.json", nil)
	var doc struct {
		Shipment struct {
			Events []struct {
				Source string `json:"source"`
			} `json:"events"`
		} `json:"shipment"`
		SourceNames map[string]string `json:"source_names"`
	}
	if err := json.Unmarshal([]byte(body), &doc); code != http.StatusOK || err != nil {
		t.Fatalf("evidence.json: %d %v", code, err)
	}
	var codes []string
	for _, ev := range doc.Shipment.Events {
		codes = append(codes, ev.Source)
	}
	for _, c := range []string{"api", "svarut", "user", "print"} {
		if !slices.Contains(codes, c) {
			t.Errorf("evidence.json's events lost the source code %q: %v", c, codes)
		}
	}
	for c, want := range map[string]string{"svarut": "KS SvarUt", "user": "postvakt-bruker", "api": "avsendersystem (API)",
		"some_future_source": "some_future_source"} {
		if doc.SourceNames[c] != want {
			t.Errorf("evidence.json source_names[%q] = %q, want %q (in the reader's language)", c, doc.SourceNames[c], want)
		}
	}
}

// TestTimelineNamesDigitalPostEvents: the timeline's status column says a
// Digital Post log event by the Danish name the public guidance gives it,
// with the tag the log keeps beside it ("Tilgængelig for modtageren
// (MEMO_AVAILABLE_TO_RECIPIENT)"), in every language; a tag the guidance
// does not name, and another channel's status, stay as recorded.
func TestTimelineNamesDigitalPostEvents(t *testing.T) {
	e := newEnv(t)
	id := danishLetters(t, e)[1].ID
	db := e.st.DB()
	for i, tag := range []string{"MEMO_AVAILABLE_TO_RECIPIENT", "MEMO_SEND_FETCHED_BY_RECIPIENT_SYSTEM"} {
		db.MustExec(`INSERT INTO shipment_events (shipment_id, kind, source, observed_at, raw_status, message)
			VALUES ($1, 'channel_event', 'digitalpost', $2, $3, 'x')`, id, now.Add(time.Duration(i-5)*time.Minute), tag)
	}
	b := e.loggedIn("mette", "compliance", "64942212", "")
	for _, accept := range []string{"da-DK,da;q=0.9", "nb-NO,nb;q=0.9", "en-GB"} {
		code, page := b.doIn(accept, "GET", "/shipments/"+id, nil)
		if code != http.StatusOK {
			t.Fatalf("%s evidence page: %d", accept, code)
		}
		timeline := html.UnescapeString(page[strings.Index(page, `id="timeline"`):])
		name := "Tilgængelig for modtageren"
		if !strings.HasPrefix(accept, "da") {
			name = `<span lang="da">` + name + `</span>` // TestDanishEventNamesAreMarkedDanish
		}
		for _, want := range []string{"<td>" + name + " (MEMO_AVAILABLE_TO_RECIPIENT)</td>", "<td>MEMO_SEND_FETCHED_BY_RECIPIENT_SYSTEM</td>"} {
			if !strings.Contains(timeline, want) {
				t.Errorf("%s timeline's status column lacks %s", accept, want)
			}
		}
	}
}
