package importer_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	_ "postvakt/internal/channel/registered" // registrations name the channels a row may use
	"postvakt/internal/importer"
)

// TestImportChannelOff: with only Digital Post on (Options.Channels), a
// SvarUt row is its line's problem naming the channel and the configured
// ones, and the whole file is refused; without Channels (every registered
// channel) the same file imports.
func TestImportChannelOff(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	dp := "digitalpost,0b6d3c5e-1f2a-4b3c-8d4e-000000000001,64942212,Socialforvaltningen,org,14691804,Afgørelse,true,fortrolig,2026-11-20T10:00:00+01:00\n"
	file := header + dp + row(1)
	_, err := importer.Import(ctx, st, strings.NewReader(file), importer.Options{Now: now, Channels: []string{"digitalpost"}})
	var inv *importer.InvalidError
	if !errors.As(err, &inv) || len(inv.Rows) != 1 {
		t.Fatalf("err %v, want one problem", err)
	}
	r := inv.Rows[0]
	if r.Line != 3 || r.Column != "channel" || r.Reason.Key != "problem.channel_off" ||
		!strings.Contains(r.Message, `"svarut" (KS SvarUt) is not configured`) || !strings.Contains(r.Message, "configured: digitalpost") {
		t.Errorf("problem %+v, want line 3's channel naming svarut and the configured digitalpost", r)
	}
	if n := count(t, st); n != 0 {
		t.Errorf("%d letters stored, want none", n)
	}
	if _, err := importer.Import(ctx, st, strings.NewReader(file), importer.Options{Now: now}); err != nil || count(t, st) != 2 {
		t.Errorf("every channel: %v, %d stored, want 2", err, count(t, st))
	}
}
