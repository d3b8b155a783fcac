package poll_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/channel/svarut"
	"postvakt/internal/httpclient"
	"postvakt/internal/model"
	"postvakt/internal/poll"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// TestStatusDatedBeforeTheSentTime: letters registered with a sent time
// later than their real sending (a CSV import or a sender system giving
// the time it registered them), and the channel dates their reading or
// availability days before it. The status is the channel's word: the
// letter is opened (available), taken at its sent time, the state's
// evidence naming the channel's own time. Refused as "before the letter
// was sent" at every poll, the read letter stayed unread and went on to
// reminders and print.
func TestStatusDatedBeforeTheSentTime(t *testing.T) {
	ctx := context.Background()
	st, ships := registered(t, 3)
	sent := t0.Add(-time.Hour)
	answers := map[string]channel.Observation{
		"id-0": {Status: "LEST", State: model.StateOpened, ChangedAt: sent.Add(-10 * 24 * time.Hour)},
		"id-1": {Status: "VARSLET", State: model.StateAvailable, ChangedAt: sent.Add(-3 * 24 * time.Hour)},
		"id-2": {Status: "LEST", State: model.StateOpened, ChangedAt: time.UnixMilli(1738578835).UTC()}, // seconds read as ms: 1970
	}
	ch := &batchy{answer: func(id string) channel.Observation { return answers[id] }}
	var log bytes.Buffer
	sum, err := newPoller(st, func() time.Time { return t0 }, &log).Cycle(ctx, ch)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Errors != 0 || sum.Changed != 3 {
		t.Errorf("summary %+v, want 3 changes and no error\n%s", sum, log.String())
	}
	want := []model.State{model.StateOpened, model.StateAvailable, model.StateOpened}
	for i, w := range want {
		sh, err := st.Shipment(ctx, ships[i].ID, store.Scope{})
		if err != nil {
			t.Fatal(err)
		}
		if sh.State != w {
			t.Errorf("id-%d: %s, want %s", i, sh.State, w)
			continue
		}
		if !sh.StateChangedAt.Equal(sent) {
			t.Errorf("id-%d: state changed at %v, want the sent time %v", i, sh.StateChangedAt, sent)
		}
		if sh.AvailableAt == nil || !sh.AvailableAt.Equal(sent) {
			t.Errorf("id-%d: available at %v, want the sent time %v", i, sh.AvailableAt, sent)
		}
		var state *store.Event
		for j := range sh.Events {
			if e := &sh.Events[j]; e.Kind == store.EventPollError {
				t.Errorf("id-%d: a poll error %q", i, e.Message)
			} else if e.Kind == store.EventState {
				state = e
			}
		}
		chTime := answers[ships[i].ChannelID].ChangedAt.UTC().Format(time.RFC3339)
		if state == nil || !strings.Contains(state.Message, chTime) || !strings.Contains(state.Message, "sent time") {
			t.Errorf("id-%d: the state's evidence %+v does not name the channel's time %s", i, state, chTime)
		}
	}
}

// TestFeedEntryDatedBeforeTheSentTime: Digital Post's log dates a letter's
// MESSAGE_READ days before the sent time it was registered with. As a
// polled status, the entry is taken at the letter's sent time, its evidence
// naming the log's time: refused, it was lost for good once the cursor
// moved past it, and the read letter went on to reminders and print.
func TestFeedEntryDatedBeforeTheSentTime(t *testing.T) {
	st := storetest.Open(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	it := storetest.Letter(0)
	it.Channel, it.ChannelID, it.SentAt = "digitalpost", "0b6d3c5e-1f2a-4b3c-8d4e-000000000001", now.Add(-time.Hour)
	ships := storetest.Register(t, st, it)
	read := now.Add(-10 * 24 * time.Hour)
	log := &exclusiveLog{entries: []channel.FeedEvent{{ID: "ev-read", ChannelID: it.ChannelID, Tag: "MESSAGE_READ",
		State: model.StateOpened, At: read, Logged: now.Add(-time.Minute), Payload: json.RawMessage(`{}`)}}}
	p := poll.New(st, slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil)), poll.Options{Now: func() time.Time { return now }})
	sum, err := p.Poll(ctx, log)
	if err != nil {
		t.Fatal(err)
	}
	sh, err := st.Shipment(ctx, ships[0].ID, store.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	if sh.State != model.StateOpened || !sh.StateChangedAt.Equal(it.SentAt) || sum.Errors != 0 {
		t.Errorf("%s since %v, %d errors; want opened at the sent time %v and no error", sh.State, sh.StateChangedAt, sum.Errors, it.SentAt)
	}
	var kept *store.Event
	for i := range sh.Events {
		if sh.Events[i].Kind == store.EventChannel {
			kept = &sh.Events[i]
		}
	}
	if kept == nil || !strings.Contains(kept.Message, read.Format(time.RFC3339)) {
		t.Errorf("the entry's evidence %+v does not name the log's time %s", kept, read.Format(time.RFC3339))
	}
}

// TestRefusedStatusNotedOnce: a status that would take a letter back (the
// channel says VARSLET, available, of a letter failed before) is refused
// and noted in its evidence once, with the history of that answer asked
// for once; the same answer at the letter's next polls adds nothing, while
// a new status that may follow (LEST) is applied. It was refused again at
// every poll, a refusal event and a history request each time, for as
// long as the channel kept saying it.
func TestRefusedStatusNotedOnce(t *testing.T) {
	ctx := context.Background()
	st, ships := registered(t, 1)
	storetest.Set(t, st, nil, storetest.State(model.StateFailed), storetest.ChannelStatus("FEILET"))
	at := t0.Add(-30 * time.Minute)
	ch := &historied{scripted: &scripted{answers: map[string]channel.Observation{
		"id-0": {Status: "VARSLET", State: model.StateAvailable, ChangedAt: at, Payload: []byte(`{"status":"VARSLET"}`)},
	}, asked: map[string]int{}}, broken: map[string]bool{}, hang: map[string]bool{}, asked: map[string]int{}}
	now := t0
	p := poll.New(st, slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil)), poll.Options{Now: func() time.Time { return now }, Workers: 1})
	for i := range 3 {
		now = t0.Add(time.Duration(i) * 24 * time.Hour)
		storetest.Set(t, st, nil, storetest.NextPollAt(now))
		if _, err := p.Cycle(ctx, ch); err != nil {
			t.Fatal(err)
		}
	}
	evs := eventsOf(t, st, ships[0].ID)
	if n := countKind(evs, store.EventRejected); n != 1 {
		t.Errorf("%d refusal events after three polls saying the same, want 1", n)
	}
	if n := ch.asked["id-0"]; n != 1 {
		t.Errorf("the history asked for %d times, want once", n)
	}
	sh, err := st.Shipment(ctx, ships[0].ID, store.Scope{})
	if err != nil || sh.State != model.StateFailed || sh.ChannelStatus != "VARSLET" {
		t.Fatalf("the letter: %s, channel status %q (%v); want failed, the channel's own VARSLET", sh.State, sh.ChannelStatus, err)
	}
	ch.answers["id-0"] = channel.Observation{Status: "LEST", State: model.StateOpened, ChangedAt: now, Payload: []byte(`{"status":"LEST"}`)}
	now = now.Add(24 * time.Hour)
	storetest.Set(t, st, nil, storetest.NextPollAt(now))
	if _, err := p.Cycle(ctx, ch); err != nil {
		t.Fatal(err)
	}
	if sh, _ := st.Shipment(ctx, ships[0].ID, store.Scope{}); sh.State != model.StateOpened {
		t.Errorf("after LEST the letter is %s, want opened", sh.State)
	}
}

// TestUnreadableRecordsStatusMasked: a status record that does not decode
// whole (a field of another type beside the id) is the letter's error, and
// its status is free text from the channel as an unknown status is: a
// national id in it is masked in the poll's log line and in the evidence
// (the event's raw status), never kept or logged as sent.
func TestUnreadableRecordsStatusMasked(t *testing.T) {
	const fnr = "01029400470"
	const status = "Lest av " + fnr
	changed := time.Date(2026, 11, 20, 10, 5, 0, 0, time.UTC)
	for _, tc := range []struct {
		api    string
		record func(id string) map[string]any
	}{
		{svarut.APIv1, func(id string) map[string]any {
			return map[string]any{"forsendelsesId": map[string]string{"id": id}, "id": 5, "sisteStatusEndring": changed.UnixMilli(), "status": status}
		}},
		{svarut.APIv2, func(id string) map[string]any {
			return map[string]any{"id": id, "forsendelsesId": 5, "sisteStatusEndring": changed.Format(time.RFC3339), "status": status}
		}},
	} {
		t.Run(tc.api, func(t *testing.T) {
			ctx := context.Background()
			st := storetest.Open(t)
			ships := storetest.Register(t, st, storetest.Letter(0))
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				var ids []string
				if tc.api == svarut.APIv1 {
					_ = json.Unmarshal(body, &ids)
				} else {
					var sok struct {
						ForsendelseIDs []string `json:"forsendelseIds"`
					}
					_ = json.Unmarshal(body, &sok)
					ids = sok.ForsendelseIDs
				}
				var recs []map[string]any
				for _, id := range ids {
					recs = append(recs, tc.record(id))
				}
				w.Header().Set("Content-Type", "application/json")
				_ = json.NewEncoder(w).Encode(map[string]any{"statuser": recs})
			}))
			defer srv.Close()
			var logs bytes.Buffer
			logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			hc, err := httpclient.New(httpclient.Options{Name: "svarut", BaseURL: srv.URL, MaxRetries: -1, Logger: logger})
			if err != nil {
				t.Fatal(err)
			}
			su, err := svarut.New(svarut.Config{BaseURL: srv.URL, API: tc.api, KontoID: "2b2d3c3e-3f3a-4b4c-8d8e-9f9a0b0c0d0e",
				IntegrasjonID: "integrasjon", IntegrasjonPassord: "passord", User: "avsender", Password: "passord",
				BatchSize: 40, Logger: logger}, hc, nil)
			if err != nil {
				t.Fatal(err)
			}
			now := time.Now().UTC().Add(time.Hour).Truncate(time.Microsecond)
			sum, err := poll.New(st, logger, poll.Options{Now: func() time.Time { return now }, Workers: 1}).Cycle(ctx, su)
			if err != nil || sum.Errors != 1 {
				t.Fatalf("cycle: %+v %v; want the letter's own error", sum, err)
			}
			if strings.Contains(logs.String(), fnr) {
				t.Errorf("the log carries the national id unmasked:\n%s", logs.String())
			}
			got, err := st.Shipment(ctx, ships[0].ID, store.Scope{})
			if err != nil {
				t.Fatal(err)
			}
			if countKind(got.Events, store.EventPollError) != 1 {
				t.Fatalf("events %v: want the letter's poll error", kinds(got.Events))
			}
			for _, ev := range got.Events {
				if strings.Contains(ev.RawStatus, fnr) || strings.Contains(ev.Message, fnr) || strings.Contains(got.ChannelStatus, fnr) {
					t.Errorf("%s event keeps the national id: raw status %q, message %q, channel status %q", ev.Kind, ev.RawStatus, ev.Message, got.ChannelStatus)
				}
			}
		})
	}
}
