package digitalpost

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/httpclient"
	"postvakt/internal/model"
	"postvakt/internal/sim"
	"postvakt/internal/sim/simtest"
)

// truth is every event of every Danish letter of the simulator, by id.
func truth(s *sim.Sim) (map[string]sim.DanishEvent, map[string]string) {
	evs, letterOf := map[string]sim.DanishEvent{}, map[string]string{}
	for _, r := range s.Shipments() {
		if r.Channel != Name {
			continue
		}
		for _, e := range s.DanishEvents(r.ChannelID) {
			evs[e.ID], letterOf[e.ID] = e, r.ChannelID
		}
	}
	return evs, letterOf
}

// TestEventsAgainstSimulator: one read over the window gives every event
// visible now, across several pages (the log caps the size), with the
// times, tags and letters the simulator made, duplicates included; the
// evidence keeps ids and times, never the label, and masks CPR numbers.
func TestEventsAgainstSimulator(t *testing.T) {
	w := newWorld(t, dpScenarioYAML)
	c := w.client(t, nil)
	want, letterOf := truth(w.sim)
	reads := map[string]int{}
	pages := 0
	err := c.Events(context.Background(), simStart.Add(-7*24*time.Hour), simStart, func(page []channel.FeedEvent) error {
		pages++
		for _, e := range page {
			if e.Err != nil {
				continue
			}
			reads[e.ID]++
			tr, ok := want[e.ID]
			if !ok {
				t.Fatalf("read an event the simulator does not have: %+v", e)
			}
			if e.Tag != tr.Tag || !e.At.Equal(tr.EventTime) || !e.Logged.Equal(tr.Created) || e.ChannelID != letterOf[e.ID] {
				t.Fatalf("event %s read as %s at %s logged %s for %s; simulator: %s at %s created %s for %s", e.ID,
					e.Tag, e.At, e.Logged, e.ChannelID, tr.Tag, tr.EventTime, tr.Created, letterOf[e.ID])
			}
			if m, ok := Tags[e.Tag]; (ok && (e.State != m.State || e.Disposition != m.Disposition)) || (!ok && (e.State != "" || e.Disposition != "")) {
				t.Fatalf("%s mapped to %q/%q", e.Tag, e.State, e.Disposition)
			}
			checkEvidence(t, e)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if pages < 3 {
		t.Errorf("%d pages; the log's cap of 40 should make several", pages)
	}
	dups := 0
	for id, tr := range want {
		if tr.Broken || tr.Visible.After(simStart) {
			if reads[id] > 0 && tr.Visible.After(simStart) {
				t.Errorf("event %s read before it became visible", id)
			}
			continue
		}
		if reads[id] != tr.Listed {
			t.Errorf("event %s (%s) read %d times, listed %d", id, tr.Tag, reads[id], tr.Listed)
		}
		if tr.Listed == 2 {
			dups++
		}
	}
	if dups == 0 {
		t.Error("no duplicate in the log: the test proves nothing about them")
	}
	for _, x := range w.exchanges() {
		q := x.query
		if q.Get("sortFields") != "created:asc" || q.Get("size") != "1000" || q.Get("dateFrom") != "2025-03-03T09:00:00.000Z" ||
			q.Get("dateTo") != "2025-03-10T09:00:00.000Z" {
			t.Errorf("request %s", q.Encode())
		}
	}
}

// checkEvidence: ids and times kept, never the label or other content, CPR masked.
func checkEvidence(t *testing.T, e channel.FeedEvent) {
	t.Helper()
	var ev map[string]any
	if err := json.Unmarshal(e.Payload, &ev); err != nil {
		t.Fatalf("evidence %s: %v", e.Payload, err)
	}
	for k := range ev {
		switch k {
		case "id", "eventId", "rootId", "eventTag", "eventTime", "created", "messageUUID", "transmissionId", "recipientID",
			"receiptStatus": // only INVALID or NOT_ALLOWED, a rejection's proof
		case "messageType": // only what is no letter to read: NEMSMS, PHYSICAL_LETTER
			if mt := ev[k]; mt != "NEMSMS" && mt != "PHYSICAL_LETTER" {
				t.Fatalf("evidence keeps messageType %v: %s", mt, e.Payload)
			}
		case "recalled": // only true, a recall's proof
			if ev[k] != true || e.Disposition != channel.DispositionClosed {
				t.Fatalf("evidence keeps recalled %v (disposition %q): %s", ev[k], e.Disposition, e.Payload)
			}
		default:
			t.Fatalf("evidence keeps %q: %s", k, e.Payload)
		}
	}
	for _, k := range []string{"id", "eventId", "rootId", "eventTag", "eventTime", "created", "messageUUID", "transmissionId", "recipientID"} {
		if _, ok := ev[k]; !ok {
			t.Fatalf("evidence lacks %q: %s", k, e.Payload)
		}
	}
	rid := ev["recipientID"].(string)
	switch {
	case e.PersonID != "":
		if rid != model.MaskPersonID(e.PersonID) || !strings.Contains(rid, "*") || strings.Contains(string(e.Payload), e.PersonID) {
			t.Fatalf("CPR not masked in evidence: %s", e.Payload)
		}
	case e.Recipient != "":
		if rid != e.Recipient {
			t.Fatalf("CVR %s kept as %s", e.Recipient, rid)
		}
	default:
		t.Fatalf("no recipient read from %s", e.Payload)
	}
}

// TestHostileAnswers: one bad event never spoils the others; an answer
// that is not the envelope fails the read as a whole, keeping its start.
func TestHostileAnswers(t *testing.T) {
	good := func(id, created string) string {
		return `{"id":"` + id + `","eventId":"e-` + id + `","rootId":"r","eventTag":"MESSAGE_READ","eventTime":` + created +
			`,"created":` + created + `,"metaProperties":{"messageUUID":"0B6D3C5E-1F2A-4B3C-8D4E-000000000001","recipientID":"0101801234","recipientType":"CITIZEN","label":"Afg` + "\xf8" + `relse ` + "\xff" + `"}}`
	}
	page0 := `{"events":[` + strings.Join([]string{
		good("a", `"2025-03-10T08:00:00.123Z"`),
		`"not an object"`,
		`{"eventTag":"MESSAGE_READ","created":"2025-03-10T08:00:00.000Z","metaProperties":{"messageUUID":"x"}}`,
		good("b", `"i går ved midnat"`),
		good("c", `1741593600123`),
		good("d", `"2025-03-10T08:00:00.123+0000"`),
		good("e", `"2025-03-10T08:00:00"`),
		`{"id":"f","eventTag":"MEMO_SEND_RECEIVED","eventTime":{"a":1},"created":"2025-03-10T08:00:01Z","metaProperties":[1,2]}`,
	}, ",") + `],"currentPage":0,"totalPages":2,"elementsOnPage":8,"totalElements":9}`
	answers := map[string]func(w http.ResponseWriter){
		"0": func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(page0))
		},
		"1": func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte("<html><body>Vedligeholdelse</body></html>"))
		},
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		answers[r.URL.Query().Get("page")](w)
	}))
	defer srv.Close()
	hc, _ := httpclient.New(httpclient.Options{Name: Name, BaseURL: srv.URL + "/apis/v1", Logger: quiet, MaxRetries: -1})
	c, err := New(Config{BaseURL: srv.URL + "/apis/v1", SystemID: "s", APIToken: "t", Logger: quiet}, hc)
	if err != nil {
		t.Fatal(err)
	}
	var got []channel.FeedEvent
	err = c.Events(context.Background(), simStart.Add(-time.Hour), simStart, func(p []channel.FeedEvent) error {
		got = append(got, p...)
		return nil
	})
	var bad *channel.BadResponseError
	if !errors.As(err, &bad) || !strings.Contains(err.Error(), "HTML") {
		t.Fatalf("an HTML page: %v, want a BadResponseError", err)
	}
	if len(got) != 8 {
		t.Fatalf("%d events from the first page, want 8", len(got))
	}
	at := time.Date(2025, 3, 10, 8, 0, 0, 123e6, time.UTC)
	for i, want := range []struct {
		ok bool
		at time.Time
	}{{true, at}, {false, time.Time{}}, {false, time.Time{}}, {false, time.Time{}}, {true, time.UnixMilli(1741593600123).UTC()},
		{true, at}, {true, at.Truncate(time.Second)}, {true, time.Date(2025, 3, 10, 8, 0, 1, 0, time.UTC)}} {
		e := got[i]
		if (e.Err == nil) != want.ok {
			t.Errorf("event %d: err %v, want ok=%v", i, e.Err, want.ok)
			continue
		}
		if want.ok && !e.At.Equal(want.at) {
			t.Errorf("event %d at %s, want %s", i, e.At, want.at)
		}
		if !json.Valid(e.Payload) || strings.Contains(string(e.Payload), "Afg") {
			t.Errorf("event %d: evidence %q is not JSON or keeps the label", i, e.Payload)
		}
	}
	if got[0].ChannelID != "0b6d3c5e-1f2a-4b3c-8d4e-000000000001" || got[0].State != model.StateOpened {
		t.Errorf("good event read as %+v", got[0])
	}
	// Not the envelope at all, and a refusal.
	answers["0"] = func(w http.ResponseWriter) { _, _ = w.Write([]byte(`{"content":[]}`)) }
	if err := c.Events(context.Background(), simStart, simStart, func([]channel.FeedEvent) error { return nil }); !errors.As(err, &bad) {
		t.Errorf("an answer without events: %v", err)
	}
	answers["0"] = func(w http.ResponseWriter) { w.WriteHeader(http.StatusUnauthorized) }
	var se *httpclient.StatusError
	if err := c.Events(context.Background(), simStart, simStart, func([]channel.FeedEvent) error { return nil }); !errors.As(err, &se) || se.StatusCode != 401 {
		t.Errorf("401: %v", err)
	}
}

// TestStatusLooksUpLetters: the per-letter view through the messageUUID
// filter folds a letter's events into its furthest state.
func TestStatusLooksUpLetters(t *testing.T) {
	w := newWorld(t, dpScenarioYAML)
	c := w.client(t, func(cfg *Config) { cfg.PageSize = 3 })
	meaning := tagMeanings(t)
	var ids []string
	expect := map[string]model.State{}
	for _, r := range w.sim.Shipments() {
		if r.Channel != Name || len(ids) == 30 {
			continue
		}
		ids = append(ids, r.ChannelID)
		st := model.StateRegistered
		for _, e := range w.sim.DanishEvents(r.ChannelID) {
			if e.Broken || e.Visible.After(simStart) {
				continue
			}
			s := model.State(meaning[e.Tag])
			if meaning[e.Tag] == "recipient_system" {
				s = model.StateAvailable // and the escalation ends
			}
			if s.Valid() && model.CheckTransition(st, s) == nil {
				st = s
			}
		}
		expect[r.ChannelID] = st
	}
	unknown := "11111111-2222-4333-8444-555555555555"
	obs, err := c.Status(context.Background(), append(ids, unknown, "KK-2025-1"))
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range obs[:len(ids)] {
		if o.Err != nil || o.State != expect[o.ChannelID] || len(o.Events) == 0 {
			t.Errorf("%s: %s (%v), want %s", o.ChannelID, o.State, o.Err, expect[o.ChannelID])
		}
	}
	if !errors.Is(obs[len(ids)].Err, channel.ErrNotKnown) || !errors.Is(obs[len(ids)+1].Err, channel.ErrInvalidID) {
		t.Errorf("unknown letter: %v; bad id: %v", obs[len(ids)].Err, obs[len(ids)+1].Err)
	}
	for _, x := range w.exchanges() {
		if x.query.Get("metaProperties.messageUUID") == "" {
			t.Errorf("lookup without the messageUUID filter: %s", x.query.Encode())
		}
	}
}

// TestDiscover lists the letters with their recipients, sender and the
// time they were received; never a title.
func TestDiscover(t *testing.T) {
	w := newWorld(t, dpScenarioYAML)
	c := w.client(t, nil)
	found, err := c.Discover(context.Background(), simStart.Add(-7*24*time.Hour), simStart)
	if err != nil {
		t.Fatal(err)
	}
	recs := map[string]sim.ShipmentRecord{}
	for _, r := range w.sim.Shipments() {
		recs[r.ChannelID] = r
	}
	if len(found) < 100 {
		t.Fatalf("%d letters found of %d", len(found), len(recs))
	}
	for _, f := range found {
		r, ok := recs[f.ChannelID]
		if !ok {
			t.Fatalf("found an unknown letter %s", f.ChannelID)
		}
		id := f.Recipient
		if r.Recipient.Kind == "person" {
			id = f.PersonID
		}
		if id != r.Recipient.ID || f.SenderOrg != r.SenderOrg || f.Title != "" || f.SentAt.Before(r.SentAt) ||
			f.SentAt.After(r.SentAt.Add(time.Second)) {
			t.Errorf("found %s to %s/%s from %s sent %s titled %q; simulator: to %s from %s sent %s", f.ChannelID, f.Recipient, f.PersonID,
				f.SenderOrg, f.SentAt, f.Title, r.Recipient.ID, r.SenderOrg, r.SentAt)
		}
	}
}

// TestMutualTLS: over https the adapter shows the OCES3 certificate from
// its files; without them it does not start, and a client without a
// certificate is refused.
func TestMutualTLS(t *testing.T) {
	dir := t.TempDir()
	certs, err := sim.DigitalPostCerts(dir)
	if err != nil {
		t.Fatal(err)
	}
	s, err := sim.New(simtest.Parse(t, dpScenarioYAML), 3, sim.NewManualClock(simStart), sim.Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(s.Handler())
	if srv.TLS, err = certs.ServerTLS(); err != nil {
		t.Fatal(err)
	}
	srv.StartTLS()
	defer srv.Close()
	o := s.Options()
	cfg := Config{BaseURL: srv.URL + "/apis/v1", SystemID: o.DigitalPostSystemID, APIToken: o.DigitalPostAPIToken, Logger: quiet}
	if _, err := Build(cfg, nil); err == nil || !strings.Contains(err.Error(), "CERT_FILE") {
		t.Errorf("https without a certificate: %v", err)
	}
	cfg.RootCAs = srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
	cfg.CertFile, cfg.KeyFile = certs.ClientCertFile, certs.ClientKeyFile
	c, err := Build(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	if err := c.Events(context.Background(), simStart.Add(-7*24*time.Hour), simStart, func(p []channel.FeedEvent) error { n += len(p); return nil }); err != nil || n == 0 {
		t.Fatalf("mutual TLS read: %d events, %v", n, err)
	}
	// The same without the certificate: the log refuses.
	tr, _ := Transport(Config{RootCAs: cfg.RootCAs})
	hc, _ := httpclient.New(httpclient.Options{Name: Name, BaseURL: cfg.BaseURL, Transport: tr, Logger: quiet, MaxRetries: -1})
	bare, err := New(cfg, hc)
	if err != nil {
		t.Fatal(err)
	}
	var se *httpclient.StatusError
	if err := bare.Events(context.Background(), simStart, simStart, func([]channel.FeedEvent) error { return nil }); !errors.As(err, &se) || se.StatusCode != http.StatusForbidden {
		t.Errorf("without a client certificate: %v, want 403", err)
	}
	if _, err := Build(Config{BaseURL: cfg.BaseURL, SystemID: "s", APIToken: "t", CertFile: dir + "/nope.pem", KeyFile: dir + "/nope.pem"}, nil); err == nil {
		t.Error("a missing certificate file was accepted")
	}
}

// TestParseTimeForms: the log's own form, Jackson's, RFC 3339's lower-case
// forms, a time without zone (UTC), epoch milliseconds.
func TestParseTimeForms(t *testing.T) {
	want := time.Date(2025, 3, 10, 8, 0, 0, 123_000_000, time.UTC)
	for _, in := range []string{`"2025-03-10T08:00:00.123Z"`, `"2025-03-10T08:00:00.123+0000"`, `"2025-03-10t09:00:00.123+01:00"`,
		`"2025-03-10t08:00:00.123z"`, `"2025-03-10T08:00:00.123"`, `1741593600123`} {
		if got, err := parseTime(json.RawMessage(in)); err != nil || !got.Equal(want) {
			t.Errorf("parseTime(%s) = %v, %v; want %v", in, got, err, want)
		}
	}
}

// TestLookupWhenTheFilterIsIgnored: a log that ignores the messageUUID
// filter answers a lookup with its whole log; past the lookup's bound on
// pages, what it gave of the letter is kept (its read on page 0), not
// thrown away with the read.
func TestLookupWhenTheFilterIsIgnored(t *testing.T) {
	const mine = "0b6d3c5e-1f2a-4b3c-8d4e-000000000001"
	entry := func(n int, id, tag string) string {
		return fmt.Sprintf(`{"id":"ev-%d","eventTag":"%s","created":"2025-03-10T08:00:%02dZ","metaProperties":{"messageUUID":"%s"}}`, n, tag, n, id)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := strconv.Atoi(r.URL.Query().Get("page"))
		evs := []string{entry(2*p, "0b6d3c5e-1f2a-4b3c-8d4e-000000000099", "MEMO_SEND_RECEIVED"), entry(2*p+1, "0b6d3c5e-1f2a-4b3c-8d4e-000000000098", "MESSAGE_READ")}
		if p == 0 {
			evs = []string{entry(0, mine, TagAvailable), entry(1, mine, "MESSAGE_READ")}
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprintf(w, `{"events":[%s],"currentPage":%d,"totalPages":50,"totalElements":100}`, strings.Join(evs, ","), p)
	}))
	defer srv.Close()
	hc, _ := httpclient.New(httpclient.Options{Name: Name, BaseURL: srv.URL + "/apis/v1", Logger: quiet, MaxRetries: -1})
	c, err := New(Config{BaseURL: srv.URL + "/apis/v1", SystemID: "s", APIToken: "t", Logger: quiet, LookupPages: 3}, hc)
	if err != nil {
		t.Fatal(err)
	}
	obs, err := c.Status(context.Background(), []string{mine})
	if err != nil || len(obs) != 1 {
		t.Fatalf("lookup: %v %v", obs, err)
	}
	if o := obs[0]; o.Err != nil || o.State != model.StateOpened || len(o.Events) != 2 {
		t.Errorf("the letter's lookup: %s, %d events (%v), want opened from its two entries", o.State, len(o.Events), o.Err)
	}
}
