package web_test

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"strings"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
)

// TestDanishEvidence: the evidence of a Danish letter states, in
// Ankestyrelsen's terms, from when it was "Tilgængelig for modtageren"
// according to the Digital Post event log, with the event's id, that this
// event is the proof of delivery (opened or not: a judge reads the log's
// label, not the law), and when it was opened; a letter the log never made available is said to lack the
// proof, naming its last event. A CPR number is shown only on the evidence.
func TestDanishEvidence(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	letter := func(id string) model.NewShipment {
		l := copenhagenLetter(id, "person", "0101801234", now.Add(-48*time.Hour))
		l.Title = "Afgørelse om boligstøtte"
		return l
	}
	got, _, err := e.st.Register(ctx, []model.NewShipment{letter("0b6d3c5e-1f2a-4b3c-8d4e-000000000001"),
		letter("0b6d3c5e-1f2a-4b3c-8d4e-000000000002"), letter("0b6d3c5e-1f2a-4b3c-8d4e-000000000003")}, store.SourceAPI, "test")
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	ev := func(id, ch, tag string, state model.State, at time.Time) store.FeedEntry {
		return store.FeedEntry{ID: id, ChannelID: ch, Tag: tag, State: state, At: at,
			Payload: []byte(`{"id":"` + id + `","eventTag":"` + tag + `","recipientID":"010180****"}`)}
	}
	if _, err := e.st.ApplyFeed(ctx, store.FeedApply{Channel: "digitalpost", Entries: []store.FeedEntry{
		ev("11111111-0000-4000-8000-000000000001", got[0].ChannelID, "MEMO_SEND_RECEIVED", model.StateAccepted, t0),
		ev("11111111-0000-4000-8000-000000000002", got[0].ChannelID, "MEMO_AVAILABLE_TO_RECIPIENT", model.StateAvailable, t0.Add(5*time.Minute)),
		ev("11111111-0000-4000-8000-000000000003", got[0].ChannelID, "MESSAGE_READ", model.StateOpened, t0.Add(26*time.Hour)),
		ev("22222222-0000-4000-8000-000000000001", got[1].ChannelID, "MEMO_SEND_RECEIVED", model.StateAccepted, t0),
		ev("22222222-0000-4000-8000-000000000002", got[1].ChannelID, "MEMO_SEND_VALIDATED", model.StateAccepted, t0.Add(time.Minute)),
	}}); err != nil {
		t.Fatal(err)
	}
	b := e.loggedIn("kari", "compliance", "64942212", "")
	code, page := b.get("/shipments/" + got[0].ID)
	page = html.UnescapeString(page)
	for _, want := range []string{`"<span lang="da">Tilgængelig for modtageren</span>" (available to the recipient) from 2026-11-21 10:05:00 +01:00`,
		"according to the Digital Post event log", "event id 11111111-0000-4000-8000-000000000002",
		"That event is the proof of delivery: the letter counts as delivered from then, opened or not.",
		"opened at 2026-11-22 12:00:00 +01:00", "event id 11111111-0000-4000-8000-000000000003", "0101801234"} {
		if code != http.StatusOK || !strings.Contains(page, want) {
			t.Errorf("evidence page lacks %q (%d)", want, code)
		}
	}
	code, body := b.get("/shipments/" + got[0].ID + "/evidence.json")
	var doc struct {
		Evidence struct {
			AvailableAt time.Time `json:"available_at"`
			DigitalPost struct {
				Kind             string `json:"kind"`
				AvailableEventID string `json:"available_event_id"`
				OpenedEventID    string `json:"opened_event_id"`
				Statement        string `json:"statement"`
			} `json:"digital_post"`
		} `json:"evidence"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil || code != http.StatusOK {
		t.Fatalf("evidence.json: %d %v", code, err)
	}
	dp := doc.Evidence.DigitalPost
	if !doc.Evidence.AvailableAt.Equal(t0.Add(5*time.Minute)) || dp.Kind != "available" || dp.AvailableEventID != "11111111-0000-4000-8000-000000000002" ||
		dp.OpenedEventID != "11111111-0000-4000-8000-000000000003" ||
		dp.Statement != `Brevet var "Tilgængelig for modtageren" fra 2026-11-21 10:05:00 +01:00 ifølge Digital Posts hændelseslog `+
			`(hændelse MEMO_AVAILABLE_TO_RECIPIENT, hændelses-id 11111111-0000-4000-8000-000000000002). `+
			`Den hændelse er beviset for, at brevet er kommet frem: det anses for kommet frem fra da, åbnet eller ej. `+
			`Brevet blev åbnet 2026-11-22 12:00:00 +01:00 (hændelse MESSAGE_READ, hændelses-id 11111111-0000-4000-8000-000000000003).` {
		t.Errorf("evidence.json %+v", doc.Evidence)
	}
	// The JSON gives the sources as codes, as every other channel's
	// (svarut, altinn), and names them under source_names; the page says
	// the name.
	var sources struct {
		Evidence struct {
			AvailableSource string `json:"available_source"`
			OpenedSource    string `json:"opened_source"`
		} `json:"evidence"`
		SourceNames map[string]string `json:"source_names"`
	}
	if err := json.Unmarshal([]byte(body), &sources); err != nil || sources.Evidence.AvailableSource != "digitalpost" ||
		sources.Evidence.OpenedSource != "digitalpost" || sources.SourceNames["digitalpost"] != "Digital Post" {
		t.Errorf("evidence.json's sources: %+v (%v), want the code digitalpost, named Digital Post", sources, err)
	}
	_, page = b.get("/shipments/" + got[1].ID)
	page = html.UnescapeString(page)
	if !strings.Contains(page, `holds no "<span lang="da">Tilgængelig for modtageren</span>" event for this letter: it does not prove delivery`) ||
		!strings.Contains(page, `last event is MEMO_SEND_VALIDATED ("<span lang="da">Valideret</span>") at 2026-11-21 10:01:00 +01:00`) || !strings.Contains(page, "not been opened") {
		t.Error("a letter stuck at Valideret is not said to lack the proof")
	}
	_, body = b.get("/shipments/" + got[1].ID + "/evidence.json")
	if !strings.Contains(body, `Seneste hændelse er MEMO_SEND_VALIDATED (\"Valideret\")`) {
		t.Errorf("evidence.json of the letter stuck at Valideret: %s", body)
	}
	_, page = b.get("/shipments/" + got[2].ID)
	if !strings.Contains(html.UnescapeString(page), "holds no event of this letter at all") {
		t.Error("a letter the log never saw is not said so")
	}
	if strings.Contains(e.log.String(), "0101801234") || strings.Contains(e.log.String(), "boligstøtte") {
		t.Error("a CPR number or a title reached the log")
	}
}

// TestRegisterDanishLetters: the API takes Danish letters (a messageUUID,
// a CVR sender, a CVR or CPR recipient) and refuses Norwegian numbers for
// them; the answer never shows the CPR number unmasked in the log.
func TestRegisterDanishLetters(t *testing.T) {
	e := newEnv(t)
	tok := e.token("compliance", "64942212", "")
	letter := func(id, kind, recipient, sender string) string {
		return `{"channel":"digitalpost","channel_id":"` + id + `","sender_org":"` + sender + `","sender_unit":"Socialforvaltningen",
			"recipient":{"kind":"` + kind + `","id":"` + recipient + `"},"title":"Afgørelse","confidential":true,"class":"fortrolig",
			"sent_at":"2026-11-20T10:00:00+01:00"}`
	}
	code, out := e.do("POST", "/api/v1/shipments", tok, "["+letter("0b6d3c5e-1f2a-4b3c-8d4e-000000000001", "person", "0101801234", "64942212")+","+
		letter("0b6d3c5e-1f2a-4b3c-8d4e-000000000002", "org", "10150817", "64942212")+"]")
	if code != http.StatusCreated || len(out["shipments"].([]any)) != 2 {
		t.Fatalf("register Danish letters: %d %v", code, out)
	}
	for _, bad := range []string{
		letter("KK-2026-1", "person", "0101801234", "64942212"),                             // not a messageUUID
		letter("0b6d3c5e-1f2a-4b3c-8d4e-000000000003", "org", "974760673", "64942212"),      // a Norwegian company
		letter("0b6d3c5e-1f2a-4b3c-8d4e-000000000004", "person", "01017012343", "64942212"), // a Norwegian person
	} {
		if code, out := e.do("POST", "/api/v1/shipments", tok, bad); code != http.StatusUnprocessableEntity {
			t.Errorf("a bad Danish letter: %d %v", code, out)
		}
	}
	if strings.Contains(e.log.String(), "0101801234") {
		t.Error("a CPR number reached the log")
	}
}

// TestEvidenceFinalStateIsTheLetters: the proof's final state (final_state,
// "It failed at …") is the letter's end, so a failure the letter got past is
// none: a Danish letter whose log shows it "Tilgængelig for modtageren"
// stays delivered through a failure after it (a copy to the recipient's own
// system that failed) and gets past one before it (an attempt that failed,
// retried), and a SvarUt letter that failed and was read after all is
// opened. Its evidence states no failure as its end for any of them; a
// letter that failed and stayed so still does.
func TestEvidenceFinalStateIsTheLetters(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	sent := now.Add(-72 * time.Hour)
	got, _, err := e.st.Register(ctx, []model.NewShipment{
		copenhagenLetter("0b6d3c5e-1f2a-4b3c-8d4e-0000000000a1", "org", "10150817", sent),
		copenhagenLetter("0b6d3c5e-1f2a-4b3c-8d4e-0000000000a2", "org", "10150817", sent),
		copenhagenLetter("0b6d3c5e-1f2a-4b3c-8d4e-0000000000a3", "org", "10150817", sent)}, store.SourceAPI, "test")
	if err != nil {
		t.Fatal(err)
	}
	t0 := now.Add(-60 * time.Hour)
	ev := func(id, ch, tag string, state model.State, at time.Time) store.FeedEntry {
		return store.FeedEntry{ID: id, ChannelID: ch, Tag: tag, State: state, At: at, Payload: []byte(`{"id":"` + id + `","eventTag":"` + tag + `"}`)}
	}
	if _, err := e.st.ApplyFeed(ctx, store.FeedApply{Channel: "digitalpost", Entries: []store.FeedEntry{
		ev("33333333-0000-4000-8000-000000000001", got[0].ChannelID, "MEMO_AVAILABLE_TO_RECIPIENT", model.StateAvailable, t0),
		ev("33333333-0000-4000-8000-000000000002", got[0].ChannelID, "MEMO_SEND_SENT_TO_RECIPIENT_SYSTEM_FAILED", model.StateFailed, t0.Add(time.Hour)),
		ev("44444444-0000-4000-8000-000000000001", got[1].ChannelID, "MEMO_SEND_FAILED", model.StateFailed, t0),
		ev("44444444-0000-4000-8000-000000000002", got[1].ChannelID, "MEMO_AVAILABLE_TO_RECIPIENT", model.StateAvailable, t0.Add(time.Hour)),
		ev("55555555-0000-4000-8000-000000000001", got[2].ChannelID, "MEMO_SEND_FAILED", model.StateFailed, t0),
	}}); err != nil {
		t.Fatal(err)
	}
	svarut, _, err := e.st.Register(ctx, []model.NewShipment{svarutLetter("00000000-0000-4000-8000-0000000000a4")}, store.SourceAPI, "test")
	if err != nil {
		t.Fatal(err)
	}
	due := store.Due{ID: svarut[0].ID, State: model.StateRegistered, SentAt: sent}
	if _, err := e.st.ApplyPoll(ctx, []store.PollResult{{Due: due, Source: "svarut", ObservedAt: now.Add(-50 * time.Hour),
		Status: "IKKE_LEVERT", State: model.StateFailed, ChangedAt: now.Add(-51 * time.Hour)}}); err != nil {
		t.Fatal(err)
	}
	due.State, due.ChannelStatus = model.StateFailed, "IKKE_LEVERT"
	if _, err := e.st.ApplyPoll(ctx, []store.PollResult{{Due: due, Source: "svarut", ObservedAt: now.Add(-time.Hour),
		Status: "LEST", State: model.StateOpened, ChangedAt: now.Add(-2 * time.Hour)}}); err != nil {
		t.Fatal(err)
	}
	dk := e.loggedIn("kari", "compliance", "64942212", "")
	no := e.loggedIn("ola", "compliance", "964338531", "")
	for _, tc := range []struct {
		what  string
		b     *browser
		id    string
		state model.State
		final string
	}{
		{"available, then a failed copy to its system", dk, got[0].ID, model.StateAvailable, ""},
		{"a failed attempt, then available", dk, got[1].ID, model.StateAvailable, ""},
		{"failed and no more", dk, got[2].ID, model.StateFailed, "failed"},
		{"failed, then read", no, svarut[0].ID, model.StateOpened, ""},
	} {
		code, body := tc.b.get("/shipments/" + tc.id + "/evidence.json")
		var doc struct {
			Shipment struct {
				State model.State `json:"state"`
			} `json:"shipment"`
			Evidence struct {
				FinalState string `json:"final_state"`
			} `json:"evidence"`
		}
		if err := json.Unmarshal([]byte(body), &doc); err != nil || code != http.StatusOK {
			t.Fatalf("%s: evidence.json: %d %v", tc.what, code, err)
		}
		if doc.Shipment.State != tc.state || doc.Evidence.FinalState != tc.final {
			t.Errorf("%s: the letter is %s and its evidence's final state %q, want %s and %q",
				tc.what, doc.Shipment.State, doc.Evidence.FinalState, tc.state, tc.final)
		}
		_, page := tc.b.get("/shipments/" + tc.id)
		if failed := strings.Contains(page, "It failed at"); failed != (tc.final != "") {
			t.Errorf("%s: the evidence page says it failed: %v, want %v", tc.what, failed, tc.final != "")
		}
	}
}
