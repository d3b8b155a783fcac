package store_test

import (
	"context"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// TestUnstorablePayloadKeepsTheStateChange: an entry whose payload
// holds a number jsonb cannot hold (anywhere but eventTime, which
// timeEvidence drops) is kept by the fallback with its payload as base64
// (RawEnvelope): the letter's MESSAGE_READ and its evidence are not lost.
func TestUnstorablePayloadKeepsTheStateChange(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	got := storetest.Register(t, st, danish(1))
	a := got[0]
	t0 := time.Date(2026, 11, 20, 10, 1, 0, 0, time.UTC)
	e := entry("e1", a.ChannelID, "MESSAGE_READ", model.StateOpened, "", t0)
	e.Payload = []byte(`{"id":"e1","eventTag":"MESSAGE_READ","eventTime":1e-20000}`)
	w, err := st.ApplyFeed(ctx, store.FeedApply{Channel: "digitalpost", Cursor: t0, Entries: []store.FeedEntry{e}})
	if err != nil {
		t.Fatal(err)
	}
	sa, err := st.Shipment(ctx, a.ID, store.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("refused=%d state=%s", len(w.Refused), sa.State)
	for _, r := range w.Refused {
		t.Logf("  %v", r.Err)
	}
	if sa.State != model.StateOpened {
		t.Errorf("the letter was read (MESSAGE_READ) but stays %s: only its payload was unstorable", sa.State)
	}
}
