package svarut

import (
	"context"
	"testing"
	"time"

	"postvakt/internal/model"
)

// TestReadingNotUndoneByALaterRecord: of two records for one letter in one
// answer, a LEST stands whatever the other's time: a reading is not undone
// (the lifecycle has no way out of opened, and the store refuses any move
// from it). A LEST dated before a VARSLET (the recipient opened the letter
// in the mailbox before the notice went out, or clocks apart), or before
// SvarUt's own print or a closing by hand, was dropped for the later
// record: the letter stayed unread, and postvakt reminded and printed a
// letter that had been read. Of two readings the earlier dates it, and a
// dated one an undated one (null, a placeholder): the letter was opened
// then, not at the poll that saw it.
func TestReadingNotUndoneByALaterRecord(t *testing.T) {
	const (
		nine = `"2023-01-01T09:00:00Z"`
		ten  = `"2023-01-01T10:00:00Z"`
	)
	type rec struct{ status, at string }
	cases := []struct {
		name   string
		recs   []rec
		state  model.State
		readAt string // when opened: the reading's time
	}{
		{"LEST before a later VARSLET", []rec{{"LEST", nine}, {"VARSLET", ten}}, model.StateOpened, nine},
		{"a later VARSLET before LEST", []rec{{"VARSLET", ten}, {"LEST", nine}}, model.StateOpened, nine},
		{"LEST before SvarUt's print", []rec{{"LEST", nine}, {"SENDT_PRINT", ten}}, model.StateOpened, nine},
		{"LEST before a closing by hand", []rec{{"LEST", nine}, {"MANUELT_HANDTERT", ten}}, model.StateOpened, nine},
		{"two readings, the later first", []rec{{"LEST", ten}, {"LEST", nine}}, model.StateOpened, nine},
		{"two readings, the earlier first", []rec{{"LEST", nine}, {"LEST", ten}}, model.StateOpened, nine},
		{"an undated reading after a dated one", []rec{{"LEST", nine}, {"LEST", "null"}}, model.StateOpened, nine},
		{"a dated reading after an undated one", []rec{{"LEST", "null"}, {"LEST", nine}}, model.StateOpened, nine},
		{"a reading dated epoch zero after a dated one", []rec{{"LEST", nine}, {"LEST", "0"}}, model.StateOpened, nine},
		{"no reading: the later record", []rec{{"VARSLET", nine}, {"IKKE_LEVERT", ten}}, model.StateFailed, ""},
	}
	f := newNFSvarUt(t)
	var ids []string
	for i, c := range cases {
		for _, r := range c.recs {
			f.rec(nfID(i), r.status, r.at)
		}
		ids = append(ids, nfID(i))
	}
	obs, err := nfAdapter(t, f, APIv2).Status(context.Background(), ids)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range cases {
		o := obs[i]
		if o.Err != nil || o.State != c.state {
			t.Errorf("%s: %s %v, want %s", c.name, o.State, o.Err, c.state)
			continue
		}
		if c.readAt != "" {
			want, _ := time.Parse(`"`+time.RFC3339+`"`, c.readAt)
			if !o.ChangedAt.Equal(want) {
				t.Errorf("%s: read at %v, want %v", c.name, o.ChangedAt, want)
			}
		}
	}
}
