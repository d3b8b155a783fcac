package altinn

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/model"
)

// TestReadInTheHistoryIsNotUndone: a top-level status that says less than
// the history (Fetched or Published named although the history has the
// letter Read: the latest entry rather than the highest) leaves the letter
// opened since its Read, its status as sent; a history without a reading
// leaves it as the top-level status says (available since Published).
func TestReadInTheHistoryIsNotUndone(t *testing.T) {
	read := []event{{"Published", t0}, {"Read", t0.Add(time.Hour)}, {"Fetched", t0.Add(2 * time.Hour)}}
	cases := []struct {
		top   string
		hist  []event
		state model.State
		since time.Time // EnteredAt, or ChangedAt when that is zero
	}{
		{"Fetched", read, model.StateOpened, t0.Add(time.Hour)},
		{"Published", read, model.StateOpened, t0.Add(time.Hour)},
		{"Fetched", []event{{"Published", t0}, {"Fetched", t0.Add(2 * time.Hour)}}, model.StateAvailable, t0},
	}
	f := newFake(t)
	var ids []string
	for i, c := range cases {
		f.add(&fakeCorr{id: uuid(i + 1), created: t0, history: c.hist, top: c.top})
		ids = append(ids, uuid(i+1))
	}
	obs, err := newAdapter(t, f, setup{}).Status(context.Background(), ids)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range cases {
		o := obs[i]
		since := sinceOf(o)
		if o.Err != nil || o.Status != c.top || o.State != c.state || !since.Equal(c.since) {
			t.Errorf("top %s over %v: %s %s since %s (%v); want %s since %s", c.top, c.hist, o.Status, o.State, since, o.Err, c.state, c.since)
		}
	}
}

// TestUnknownStatusOnALetterRead: a top-level status Altinn added after
// the adapter was written, on a letter whose history shows it Read, is
// opened since the Read (its value kept); on a letter not read it stays
// that letter's ErrUnknownStatus.
func TestUnknownStatusOnALetterRead(t *testing.T) {
	for _, c := range []struct {
		hist  string
		state model.State
		since time.Time
	}{
		{`[{"status":"Published","statusText":"Published","statusChanged":"2025-03-01T10:00:00+00:00"},
		   {"status":"Read","statusText":"Read","statusChanged":"2025-03-01T11:00:00+00:00"},
		   {"status":"MarkedUnread","statusText":"MarkedUnread","statusChanged":"2025-03-01T12:00:00+00:00"}]`,
			model.StateOpened, time.Date(2025, 3, 1, 11, 0, 0, 0, time.UTC)},
		{`[{"status":"Published","statusText":"Published","statusChanged":"2025-03-01T10:00:00+00:00"},
		   {"status":"MarkedUnread","statusText":"MarkedUnread","statusChanged":"2025-03-01T12:00:00+00:00"}]`,
			"", time.Time{}},
	} {
		f := newNFAltinn(t)
		f.srv.Script(func(w http.ResponseWriter, _ int) bool {
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			fmt.Fprintf(w, `{"correspondenceId":%q,"resourceId":%q,"sender":%q,"sendersReference":"ref","created":"2025-03-01T09:00:00+00:00",
				"status":"MarkedUnread","statusText":"MarkedUnread","statusChanged":"2025-03-01T12:00:00+00:00","statusHistory":%s}`,
				nfID(1), nfResource, nfSender, c.hist)
			return true
		})
		obs, err := nfAdapter(t, f).Status(context.Background(), []string{nfID(1)})
		if err != nil {
			t.Fatal(err)
		}
		o := obs[0]
		since := sinceOf(o)
		switch {
		case c.state == "" && (!errors.Is(o.Err, channel.ErrUnknownStatus) || o.State != ""):
			t.Errorf("unknown status on a letter not read: %s %v, want ErrUnknownStatus", o.State, o.Err)
		case c.state != "" && (o.Err != nil || o.State != c.state || o.Status != "MarkedUnread" || !since.Equal(c.since)):
			t.Errorf("unknown status on a letter read: %s %s since %s (%v), want %s since %s", o.Status, o.State, since, o.Err, c.state, c.since)
		}
	}
}

// sinceOf is when an observation's state began: its EnteredAt, else the
// status's ChangedAt.
func sinceOf(o channel.Observation) time.Time {
	if o.EnteredAt.IsZero() {
		return o.ChangedAt
	}
	return o.EnteredAt
}
