package upkeep

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// A letter to a person is purged; then a back-fill (discover over the old
// window, or a sender system sending its registrations again) registers
// the same channel id once more, naming the person. That registration is a
// duplicate and stores nothing: it must not bring the person's national id
// back either, as a recipient no letter points to, which no purge would
// ever take again.
func TestRetentionPurgedPersonStaysGoneWhenTheLetterIsRegisteredAgain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.Open(t)
	old := time.Date(2020, 1, 10, 10, 0, 0, 0, time.UTC)
	now := time.Date(2026, 6, 1, 2, 30, 0, 0, time.UTC)
	register(t, st, letter{"taushetsbelagt", "person", personA, "TITTEL-A", old})
	u := &Upkeep{Store: st, Log: slog.New(slog.DiscardHandler), RetentionYears: 5}
	if p, err := u.Purge(ctx, now); err != nil || p.Shipments != 1 || p.Persons != 1 {
		t.Fatalf("purge %+v %v; want the letter and its person purged", p, err)
	}
	// The same letter as discover registers it again (register() used
	// channel id ret-0).
	_, n, err := st.Register(ctx, []model.NewShipment{{Channel: "svarut", ChannelID: "ret-0", SenderOrg: bergen,
		SenderUnit: "Barnevernstjenesten", RecipientKind: model.RecipientPerson, RecipientID: personA, Title: "TITTEL-A",
		Confidential: true, Class: "taushetsbelagt", SentAt: old}}, "discover", "discover:svarut")
	if err != nil || n != 0 {
		t.Fatalf("registering the purged letter again: %d new, %v; want a duplicate", n, err)
	}
	if found := scan(t, st, []string{personA}); len(found) > 0 {
		t.Errorf("the purged person's national id is back in %v", found)
	}
	// An import run again names the letter as it did: a duplicate, skipped
	// ("an import can be re-run"), not a letter with another recipient.
	reg, err := st.BeginRegistration(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Rollback()
	if err := reg.Add(ctx, model.NewShipment{Channel: "svarut", ChannelID: "ret-0", SenderOrg: bergen,
		SenderUnit: "Barnevernstjenesten", RecipientKind: model.RecipientPerson, RecipientID: personA, Title: "TITTEL-A",
		Confidential: true, Class: "taushetsbelagt", SentAt: old}); err != nil {
		t.Fatal(err)
	}
	if n, err := reg.Apply(ctx, store.SourceImport, "test"); err != nil || n != 0 {
		t.Fatalf("import again: %d new, %v", n, err)
	}
	if c, err := reg.Contradictions(ctx, 10); err != nil || len(c) > 0 {
		t.Errorf("the purged letter imported again contradicts itself: %+v %v", c, err)
	}
	reg.Rollback()
	// A new letter to a person still gets its recipient.
	got, n, err := st.Register(ctx, []model.NewShipment{{Channel: "svarut", ChannelID: storetest.ChannelID("ny", 1), SenderOrg: bergen,
		SenderUnit: "Barnevernstjenesten", RecipientKind: model.RecipientPerson, RecipientID: personC, Title: "TITTEL-NY",
		Confidential: true, Class: "taushetsbelagt", SentAt: now}}, store.SourceImport, "test")
	if err != nil || n != 1 || len(got) != 1 || got[0].RecipientID != personC {
		t.Fatalf("a new letter to a person: %+v, %d new, %v", got, n, err)
	}
}
