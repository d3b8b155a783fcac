package store_test

import (
	"context"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// TestFeedRereadProgress: a re-read's progress is written with the page
// that reaches it (FeedApply.Reread), moves forward only, never moves the
// cursor, and is kept until the re-read finishes; the entries it writes
// are reported as kept, by reference, the first time only. Without a
// re-read running, a page's progress is nothing.
func TestFeedRereadProgress(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	got := storetest.Register(t, st, danish(1))
	t0 := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	cursor := t0.Add(48 * time.Hour)
	if _, err := st.ApplyFeed(ctx, store.FeedApply{Channel: "digitalpost", Cursor: cursor}); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := st.FeedReread(ctx, "digitalpost"); err != nil || ok {
		t.Fatalf("a re-read counted before any (%v)", err)
	}
	if err := st.StartFeedReread(ctx, "digitalpost", t0, cursor); err == nil {
		t.Error("a re-read started before the count of re-reads began")
	}
	if err := st.FinishFeedReread(ctx, "digitalpost", t0); err != nil {
		t.Fatal(err)
	}
	// No re-read running: a page's progress goes nowhere.
	if _, err := st.ApplyFeed(ctx, store.FeedApply{Channel: "digitalpost", Reread: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if rr, ok, err := st.FeedReread(ctx, "digitalpost"); err != nil || !ok || !rr.From.IsZero() || !rr.Reached.IsZero() || !rr.FinishedAt.Equal(t0) {
		t.Fatalf("before a re-read: %+v %v %v", rr, ok, err)
	}
	if err := st.StartFeedReread(ctx, "digitalpost", t0, cursor); err != nil {
		t.Fatal(err)
	}
	late := entry("late-1", got[0].ChannelID, "MESSAGE_READ", model.StateOpened, "", t0.Add(2*time.Hour))
	w, err := st.ApplyFeed(ctx, store.FeedApply{Channel: "digitalpost", Reread: t0.Add(3 * time.Hour), Entries: []store.FeedEntry{late}})
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Kept) != 1 || w.Kept[0].ID != "late-1" || w.Kept[0].ShipmentID != got[0].ID {
		t.Errorf("kept %+v; want late-1 of the letter", w.Kept)
	}
	// The same entry again, with an earlier progress (a page re-read
	// after a restart): no new evidence, the progress stays.
	w, err = st.ApplyFeed(ctx, store.FeedApply{Channel: "digitalpost", Reread: t0.Add(time.Hour), Entries: []store.FeedEntry{late}})
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Kept) != 0 || w.Events != 0 || w.Repeats != 1 {
		t.Errorf("the entry again: %+v; want a repeat, nothing kept", w)
	}
	rr, _, err := st.FeedReread(ctx, "digitalpost")
	if err != nil || !rr.From.Equal(t0) || !rr.To.Equal(cursor) || !rr.Reached.Equal(t0.Add(3*time.Hour)) {
		t.Errorf("the re-read stands at %+v (%v); want from %s to %s, reached %s", rr, err, t0, cursor, t0.Add(3*time.Hour))
	}
	if c, _, err := st.FeedCursor(ctx, "digitalpost"); err != nil || !c.Equal(cursor) {
		t.Errorf("the cursor is %s (%v); a re-read's pages must leave it at %s", c, err, cursor)
	}
	done := t0.Add(49 * time.Hour)
	if err := st.FinishFeedReread(ctx, "digitalpost", done); err != nil {
		t.Fatal(err)
	}
	if rr, _, err := st.FeedReread(ctx, "digitalpost"); err != nil || !rr.From.IsZero() || !rr.To.IsZero() || !rr.Reached.IsZero() || !rr.FinishedAt.Equal(done) {
		t.Errorf("after it finished: %+v (%v)", rr, err)
	}
}
