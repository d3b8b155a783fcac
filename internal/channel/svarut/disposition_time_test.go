package svarut

import (
	"context"
	"testing"

	"postvakt/internal/channel"
	"postvakt/internal/model"
)

// TestDispositionWithAnUnreadableTime: a SENDT_PRINT, PRINTET,
// MANUELT_HANDTERT or SLETTET whose sisteStatusEndring cannot be read
// (epoch seconds, garbage) still ends the letter's escalation: SvarUt
// printed it, or it was closed, whenever that was. Refused for its time,
// as a reading is, the record was the letter's error at every poll, and
// postvakt reminded the recipient and ordered its own print of a letter
// SvarUt had printed: two letters in the post. The status is taken
// without a time (the poll's); the record, its time as sent, stays the
// evidence. A LEST with such a time is still refused (its time is what it
// proves).
func TestDispositionWithAnUnreadableTime(t *testing.T) {
	cases := []struct {
		status string
		state  model.State
		disp   channel.Disposition
		keep   bool
	}{
		{"SENDT_PRINT", model.StateAvailable, channel.DispositionChannelPrint, false},
		{"PRINTET", model.StateAvailable, channel.DispositionChannelPrint, false},
		{"MANUELT_HANDTERT", model.StateExpired, channel.DispositionClosed, false},
		{"SLETTET", "", channel.DispositionClosed, true},
	}
	for _, raw := range []string{`1700000000`, `"i går"`} {
		for _, c := range cases {
			f := newNFSvarUt(t)
			f.rec(nfID(1), c.status, raw)
			obs, err := nfAdapter(t, f, APIv2).Status(context.Background(), []string{nfID(1)})
			if err != nil {
				t.Fatal(err)
			}
			o := obs[0]
			if o.Err != nil || o.State != c.state || o.Disposition != c.disp || o.KeepState != c.keep || !o.ChangedAt.IsZero() {
				t.Errorf("%s at %s: %q %s keep %v at %v, %v; want %q %s keep %v, no time, no error",
					c.status, raw, o.State, o.Disposition, o.KeepState, o.ChangedAt, o.Err, c.state, c.disp, c.keep)
			}
		}
		if o := lestAt(t, []string{raw})[0]; o.Err == nil {
			t.Errorf("LEST at %s: %s, no error; want it refused", raw, o.State)
		}
	}
}
