package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
)

// The evidence log and the audit log are append-only; the retention purge
// only ever deletes rows. Even a transaction that sets the purge's flag
// (postvakt.retention_purge, which any session may set) cannot rewrite a
// status, a time or an actor in place (migration 00027).
func TestEvidenceRowsCannotBeRewrittenEvenUnderThePurgeFlag(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	if _, _, err := st.Register(ctx, []model.NewShipment{sample(1)}, store.SourceAPI, "test"); err != nil {
		t.Fatal(err)
	}
	if err := st.Audit(ctx, store.AuditEntry{Actor: "user:ola", Action: "view_shipment", Object: "shipment x"}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`UPDATE shipment_events SET observed_at = observed_at - interval '3 days', actor = 'someone else'`,
		`UPDATE audit_log SET actor = 'someone else'`,
	} {
		tx, err := st.DB().BeginTxx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		tx.MustExec(`SET LOCAL postvakt.retention_purge = 'on'`)
		_, err = tx.Exec(q)
		_ = tx.Rollback()
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s inside a transaction flagged as the purge: err = %v, want it refused (the purge only deletes)", q, err)
		}
	}
}

// A letter marked unknown to the channel (an unknown_to_channel event) that
// the channel answers about again, with the status it had, loses the mark,
// and its evidence says when and on which answer (a known_to_channel event
// after the unknown_to_channel one).
func TestUnknownMarkClearedLeavesEvidence(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	got, _, err := st.Register(ctx, []model.NewShipment{sample(1)}, store.SourceAPI, "test")
	if err != nil {
		t.Fatal(err)
	}
	id := got[0].ID
	sent := sample(1).SentAt
	t1 := sent.Add(2 * time.Hour)
	poll := func(due store.Due, r store.PollResult) {
		t.Helper()
		r.Due, r.Source = due, "svarut"
		if _, err := st.ApplyPoll(ctx, []store.PollResult{r}); err != nil {
			t.Fatal(err)
		}
	}
	poll(store.Due{ID: id, State: model.StateRegistered, SentAt: sent},
		store.PollResult{ObservedAt: t1, Status: "VARSLET", State: model.StateAvailable, ChangedAt: t1.Add(-time.Hour)})
	// The channel answers 404 for it: unknown to the channel.
	poll(store.Due{ID: id, State: model.StateAvailable, ChannelStatus: "VARSLET", SentAt: sent},
		store.PollResult{ObservedAt: t1.Add(time.Hour), State: model.StateAvailable, Unknown: true})
	sh, err := st.Shipment(ctx, id, store.Scope{})
	if err != nil || sh.UnknownToChannelSince == nil {
		t.Fatalf("not marked unknown: %+v %v", sh, err)
	}
	// Then it answers about the letter again, with the status it had.
	since := *sh.UnknownToChannelSince
	poll(store.Due{ID: id, State: model.StateAvailable, ChannelStatus: "VARSLET", SentAt: sent, UnknownSince: &since},
		store.PollResult{ObservedAt: t1.Add(2 * time.Hour), Status: "VARSLET", State: model.StateAvailable, ChangedAt: t1.Add(-time.Hour)})
	sh, err = st.Shipment(ctx, id, store.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	if sh.UnknownToChannelSince != nil {
		t.Fatalf("the mark stayed: %v", sh.UnknownToChannelSince)
	}
	last := sh.Events[len(sh.Events)-1]
	if last.Kind == store.EventUnknown {
		t.Errorf("the mark was cleared, but the evidence ends with %q at %v and records nothing of the channel knowing the letter again",
			last.Message, last.ObservedAt)
	}
}
