package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/web"
)

type evidenceDoc struct {
	Shipment struct {
		State       string     `json:"state"`
		AvailableAt *time.Time `json:"available_at"`
	} `json:"shipment"`
	Evidence struct {
		AvailableAt     *time.Time `json:"available_at"`
		AvailableSource string     `json:"available_source"`
		OpenedAt        *time.Time `json:"opened_at"`
		FinalState      string     `json:"final_state"`
	} `json:"evidence"`
	// Raw is the whole evidence object as served.
	Raw map[string]json.RawMessage `json:"-"`
}

func svarutLetter(id string) model.NewShipment { return letterOn("svarut", id) }

func letterOn(channel, id string) model.NewShipment {
	return model.NewShipment{Channel: channel, ChannelID: id, SenderOrg: "964338531", SenderUnit: "Barnevernstjenesten",
		RecipientKind: "org", RecipientID: "974760673", Title: "Vedtak", Confidential: true, Class: "taushetsbelagt",
		SentAt: now.Add(-72 * time.Hour)}
}

var viewers int

func getEvidence(t *testing.T, e *env, id string) evidenceDoc {
	t.Helper()
	viewers++
	name := fmt.Sprintf("kari%d", viewers)
	b := e.loggedIn(name, "compliance", "964338531", "")
	code, body := b.get("/shipments/" + id + "/evidence.json")
	var doc evidenceDoc
	if err := json.Unmarshal([]byte(body), &doc); err != nil || code != http.StatusOK {
		t.Fatalf("evidence.json: %d %v %s", code, err, body)
	}
	var whole struct {
		Evidence map[string]json.RawMessage `json:"evidence"`
	}
	if err := json.Unmarshal([]byte(body), &whole); err != nil {
		t.Fatal(err)
	}
	doc.Raw = whole.Evidence
	return doc
}

// A transition postvakt refused (failed -> available is impossible) is kept
// in the log as a rejected_transition event whose to_state is the refused
// state. The evidence summary proves nothing with it: a letter postvakt
// holds as never delivered (failed, sent to print) is not stated as
// available to its recipient.
func TestEvidenceIgnoresRefusedTransitions(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	got, _, err := e.st.Register(ctx, []model.NewShipment{svarutLetter("00000000-0000-4000-8000-0000000000f1")}, store.SourceAPI, "test")
	if err != nil {
		t.Fatal(err)
	}
	id := got[0].ID
	sent := now.Add(-72 * time.Hour)
	failedAt := now.Add(-48 * time.Hour)
	if _, err := e.st.ApplyPoll(ctx, []store.PollResult{{Due: store.Due{ID: id, State: model.StateRegistered, SentAt: sent},
		Source: "svarut", ObservedAt: failedAt.Add(time.Minute), Status: "IKKE_LEVERT", State: model.StateFailed, ChangedAt: failedAt}}); err != nil {
		t.Fatal(err)
	}
	// The channel then answers a status that maps to available: refused.
	w, err := e.st.ApplyPoll(ctx, []store.PollResult{{Due: store.Due{ID: id, State: model.StateFailed, ChannelStatus: "IKKE_LEVERT", SentAt: sent},
		Source: "svarut", ObservedAt: now.Add(-time.Hour), Status: "SENDT_DIGITALT", State: model.StateAvailable, ChangedAt: now.Add(-2 * time.Hour)}})
	if err != nil || w.Refused != 1 {
		t.Fatalf("refused = %d, %v; want the transition refused", w.Refused, err)
	}
	doc := getEvidence(t, e, id)
	if doc.Shipment.State != string(model.StateFailed) {
		t.Fatalf("state = %s, want failed", doc.Shipment.State)
	}
	if doc.Evidence.AvailableAt != nil {
		t.Errorf("evidence claims the failed letter was available at %v (source %q), from a transition postvakt refused",
			doc.Evidence.AvailableAt, doc.Evidence.AvailableSource)
	}
}

// A letter first seen opened, whose channel says when it became available
// (kept in shipments.available_at and used by the lists, the incident report
// and escalation), is proved available at the channel's time, not at the
// opening: the evidence agrees with the letter's own record.
func TestEvidenceAvailableAtIsTheChannels(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	got, _, err := e.st.Register(ctx, []model.NewShipment{letterOn("altinn", "00000000-0000-4000-8000-0000000000f2")}, store.SourceAPI, "test")
	if err != nil {
		t.Fatal(err)
	}
	id := got[0].ID
	availableAt := now.Add(-70 * time.Hour)
	openedAt := now.Add(-3 * time.Hour)
	if _, err := e.st.ApplyPoll(ctx, []store.PollResult{{Due: store.Due{ID: id, State: model.StateRegistered, SentAt: now.Add(-72 * time.Hour)},
		Source: "altinn", ObservedAt: now.Add(-time.Hour), Status: "Read", State: model.StateOpened,
		ChangedAt: openedAt, AvailableAt: availableAt}}); err != nil {
		t.Fatal(err)
	}
	doc := getEvidence(t, e, id)
	if doc.Shipment.AvailableAt == nil || !doc.Shipment.AvailableAt.Equal(availableAt) {
		t.Fatalf("shipment available_at = %v, want the channel's %v", doc.Shipment.AvailableAt, availableAt)
	}
	if doc.Evidence.AvailableAt == nil || !doc.Evidence.AvailableAt.Equal(availableAt) {
		t.Errorf("evidence available_at = %v, but the channel (and the letter's record) say %v", doc.Evidence.AvailableAt, availableAt)
	}
}

// A state event's observed_at is the channel's own time when the channel
// gave one (SvarUt's sisteStatusEndring), and postvakt's poll time when it
// did not. The evidence tells the two apart: the event keeps when postvakt
// asked (polled_at), and a time that is only the poll's is stated as "no
// later than" (opened_no_later_than), not as the channel's.
func TestEvidenceTellsChannelTimeFromPollTime(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	got, _, err := e.st.Register(ctx, []model.NewShipment{svarutLetter("00000000-0000-4000-8000-0000000000f3"),
		svarutLetter("00000000-0000-4000-8000-0000000000f4")}, store.SourceAPI, "test")
	if err != nil {
		t.Fatal(err)
	}
	at := now.Add(-10 * time.Hour)
	sent := now.Add(-72 * time.Hour)
	if _, err := e.st.ApplyPoll(ctx, []store.PollResult{
		// SvarUt says the letter was read at `at`; postvakt asked 6 hours later.
		{Due: store.Due{ID: got[0].ID, State: model.StateRegistered, SentAt: sent}, Source: "svarut",
			ObservedAt: at.Add(6 * time.Hour), Status: "LEST", State: model.StateOpened, ChangedAt: at,
			Payload: []byte(`{"id":"00000000-0000-4000-8000-0000000000f3","status":"LEST","sisteStatusEndring":` +
				strconvMillis(at) + `}`)},
		// SvarUt gives no time; postvakt asked at `at`.
		{Due: store.Due{ID: got[1].ID, State: model.StateRegistered, SentAt: sent}, Source: "svarut",
			ObservedAt: at, Status: "LEST", State: model.StateOpened,
			Payload: []byte(`{"id":"00000000-0000-4000-8000-0000000000f4","status":"LEST"}`)},
	}); err != nil {
		t.Fatal(err)
	}
	a, b := getEvidence(t, e, got[0].ID), getEvidence(t, e, got[1].ID)
	ja, _ := json.Marshal(a.Raw) // map keys sorted: equal documents marshal equally
	jb, _ := json.Marshal(b.Raw)
	if string(ja) == string(jb) {
		t.Errorf("SvarUt's own time and postvakt's poll time are stated as the same proof:\n  %s", ja)
	}
	viewers++
	br := e.loggedIn(fmt.Sprintf("kari%d", viewers), "compliance", "964338531", "")
	if _, page := br.get("/shipments/" + got[1].ID); !strings.Contains(page, "the channel gave no time of its own") {
		t.Errorf("the evidence page does not say the opening time is only a bound:\n%s", page)
	}
	if string(a.Raw["opened_no_later_than"]) == "true" || string(b.Raw["opened_no_later_than"]) != "true" {
		t.Errorf("opened_no_later_than: with SvarUt's time %s, without %s; want only the second",
			a.Raw["opened_no_later_than"], b.Raw["opened_no_later_than"])
	}
}

func strconvMillis(t time.Time) string { return fmt.Sprint(t.UnixMilli()) }

// The evidence report's proof names where each fact comes from by the
// channel's display name ("ifølge KS SvarUt", not the code "svarut"), and
// says a letter's end in a proper sentence of the page's language: "Den
// feilet" (bokmål), "Den fejlede" (Danish), "It failed" — never "Den ble
// feilet" or "It became failed".
func TestEvidenceProofInWords(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	got, _, err := e.st.Register(ctx, []model.NewShipment{svarutLetter("00000000-0000-4000-8000-0000000000f7")}, store.SourceAPI, "test")
	if err != nil {
		t.Fatal(err)
	}
	id := got[0].ID
	due := store.Due{ID: id, State: model.StateRegistered, SentAt: now.Add(-72 * time.Hour)}
	if _, err := e.st.ApplyPoll(ctx, []store.PollResult{{Due: due, Source: "svarut", ObservedAt: now.Add(-2 * time.Hour),
		Status: "Levert", State: model.StateAvailable, ChangedAt: now.Add(-70 * time.Hour)}}); err != nil {
		t.Fatal(err)
	}
	due.State = model.StateAvailable
	if _, err := e.st.ApplyPoll(ctx, []store.PollResult{{Due: due, Source: "svarut", ObservedAt: now.Add(-time.Hour),
		Status: "Feilet", State: model.StateFailed, ChangedAt: now.Add(-5 * time.Hour)}}); err != nil {
		t.Fatal(err)
	}
	b := e.loggedIn("kari", "compliance", "964338531", "")
	for lang, tc := range map[string]struct{ want, not []string }{
		"nb": {[]string{"ifølge KS SvarUt", "Den feilet"}, []string{"ifølge svarut", "ble feilet"}},
		"da": {[]string{"ifølge KS SvarUt", "Den fejlede"}, []string{"ifølge svarut", "blev fejlet"}},
		"en": {[]string{"according to KS SvarUt", "It failed"}, []string{"according to svarut", "became"}},
	} {
		code, page := b.doIn(languages[lang], "GET", "/shipments/"+id, nil)
		if code != http.StatusOK {
			t.Fatalf("%s: %d", lang, code)
		}
		proof := page[strings.Index(page, `id="proof"`):]
		proof = proof[:strings.Index(proof, "</div>")]
		for _, w := range tc.want {
			if !strings.Contains(proof, w) {
				t.Errorf("%s proof lacks %q:\n%s", lang, w, proof)
			}
		}
		for _, n := range tc.not {
			if strings.Contains(proof, n) {
				t.Errorf("%s proof says %q:\n%s", lang, n, proof)
			}
		}
	}
}

// openedAfterTheLog is the store with a poll that finds the letter opened
// committing after the evidence export read the letter's log, just before
// it reads what the proof is drawn from.
type openedAfterTheLog struct {
	*store.Store
	due store.Due
}

func (o openedAfterTheLog) ProofEvents(ctx context.Context, id string) ([]store.Event, error) {
	if _, err := o.ApplyPoll(ctx, []store.PollResult{{Due: o.due, Source: "svarut", ObservedAt: now.Add(-time.Minute),
		Status: "LEST", State: model.StateOpened, ChangedAt: now.Add(-2 * time.Minute)}}); err != nil {
		return nil, err
	}
	return o.Store.ProofEvents(ctx, id)
}

// TestEvidenceExportProvesFromItsOwnLog: evidence.json, the complete
// evidence export, states only what the log it carries proves. A poll
// that committed between its reads (the letter opened meanwhile) stated
// the letter opened at a time no event of the exported log holds: a proof
// its reader cannot check against the log beside it.
func TestEvidenceExportProvesFromItsOwnLog(t *testing.T) {
	var st *store.Store
	var wrap openedAfterTheLog
	e := newEnvOver(t, func(s *store.Store) web.Store { st = s; wrap.Store = s; return &wrap })
	id, sent := availableSvarUtLetter(t, st, "00000000-0000-4000-8000-0000000000f9")
	wrap.due = store.Due{ID: id, State: model.StateAvailable, ChannelStatus: "LEVERT", SentAt: sent}
	b := e.loggedIn("kari", "compliance", "964338531", "")
	code, body := b.get("/shipments/" + id + "/evidence.json")
	var doc struct {
		Shipment struct {
			Events []store.Event `json:"events"`
		} `json:"shipment"`
		Evidence struct {
			OpenedAt *time.Time `json:"opened_at"`
		} `json:"evidence"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil || code != http.StatusOK {
		t.Fatalf("evidence.json: %d %v", code, err)
	}
	if at := doc.Evidence.OpenedAt; at != nil && !slices.ContainsFunc(doc.Shipment.Events, func(ev store.Event) bool {
		return ev.ToState == string(model.StateOpened) && ev.ObservedAt.Equal(*at)
	}) {
		t.Errorf("evidence.json proves the letter opened at %v, but none of its %d events says so", at, len(doc.Shipment.Events))
	}
}

// openedAfterTheFacts is the store with a poll that finds the letter
// opened committing after the evidence export read the letter's facts,
// before it reads its log.
type openedAfterTheFacts struct {
	*store.Store
	due *store.Due
}

func (o openedAfterTheFacts) ShipmentFacts(ctx context.Context, id string, sc store.Scope) (*store.Shipment, error) {
	sh, err := o.Store.ShipmentFacts(ctx, id, sc)
	if err != nil || o.due == nil || o.due.ID != id {
		return sh, err
	}
	_, err = o.ApplyPoll(ctx, []store.PollResult{{Due: *o.due, Source: "svarut", ObservedAt: now.Add(-time.Minute),
		Status: "LEST", State: model.StateOpened, ChangedAt: now.Add(-2 * time.Minute)}})
	o.due.ID = "" // once
	return sh, err
}

// TestEvidenceExportIsOneMoment: evidence.json states the letter's facts
// and its log as of one moment. A poll that committed between its reads
// (the letter opened meanwhile) gave a letter "available" whose log and
// proof say it was opened.
func TestEvidenceExportIsOneMoment(t *testing.T) {
	var st *store.Store
	wrap := openedAfterTheFacts{due: &store.Due{}}
	e := newEnvOver(t, func(s *store.Store) web.Store { st = s; wrap.Store = s; return wrap })
	id, sent := availableSvarUtLetter(t, st, "00000000-0000-4000-8000-0000000000fa")
	b := e.loggedIn("kari", "compliance", "964338531", "")
	*wrap.due = store.Due{ID: id, State: model.StateAvailable, ChannelStatus: "LEVERT", SentAt: sent}
	code, body := b.get("/shipments/" + id + "/evidence.json")
	var doc struct {
		Shipment struct {
			State  string        `json:"state"`
			Events []store.Event `json:"events"`
		} `json:"shipment"`
		Evidence struct {
			OpenedAt *time.Time `json:"opened_at"`
		} `json:"evidence"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil || code != http.StatusOK {
		t.Fatalf("evidence.json: %d %v", code, err)
	}
	logged := slices.ContainsFunc(doc.Shipment.Events, func(ev store.Event) bool { return ev.ToState == string(model.StateOpened) })
	if opened := doc.Shipment.State == string(model.StateOpened); opened != logged || opened != (doc.Evidence.OpenedAt != nil) {
		t.Errorf("evidence.json: the letter is %s, its log holds its opening: %v, its proof: opened at %v",
			doc.Shipment.State, logged, doc.Evidence.OpenedAt)
	}
}

// availableSvarUtLetter registers a SvarUt letter sent 72 hours before now
// and records SvarUt's answer that it is available (LEVERT, 11 hours
// before now): its id and sent time.
func availableSvarUtLetter(t *testing.T, st *store.Store, channelID string) (string, time.Time) {
	t.Helper()
	ctx := context.Background()
	got, _, err := st.Register(ctx, []model.NewShipment{svarutLetter(channelID)}, store.SourceAPI, "test")
	if err != nil {
		t.Fatal(err)
	}
	id, sent := got[0].ID, now.Add(-72*time.Hour)
	if _, err := st.ApplyPoll(ctx, []store.PollResult{{Due: store.Due{ID: id, State: model.StateRegistered, SentAt: sent}, Source: "svarut",
		ObservedAt: now.Add(-10 * time.Hour), Status: "LEVERT", State: model.StateAvailable, ChangedAt: now.Add(-11 * time.Hour)}}); err != nil {
		t.Fatal(err)
	}
	return id, sent
}
