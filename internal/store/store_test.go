package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

func newStore(t *testing.T) *store.Store {
	t.Helper()
	st := storetest.Open(t)
	return st
}

func sample(i int) model.NewShipment {
	return model.NewShipment{
		Channel: "svarut", ChannelID: fmt.Sprintf("00000000-0000-4000-8000-%012d", i),
		SenderOrg: "964338531", SenderUnit: "Barnevernstjenesten",
		RecipientKind: "org", RecipientID: "974760673",
		Title: "Vedtak", Confidential: true, Class: "taushetsbelagt",
		SentAt: time.Date(2026, 11, 20, 10, 0, i, 0, time.UTC),
	}
}

// samples returns n samples numbered from first on.
func samples(first, n int) []model.NewShipment {
	var items []model.NewShipment
	for i := 0; i < n; i++ {
		items = append(items, sample(first+i))
	}
	return items
}

func TestRegisterIsIdempotent(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	items := []model.NewShipment{sample(1), sample(2), sample(1)}
	got, created, err := st.Register(ctx, items, store.SourceAPI, "test")
	if err != nil {
		t.Fatal(err)
	}
	if created != 2 || len(got) != 3 {
		t.Fatalf("created=%d returned=%d, want 2 and 3", created, len(got))
	}
	if got[0].ID != got[2].ID || got[0].ID == got[1].ID {
		t.Fatalf("ids not in request order or duplicate item not folded: %v %v %v", got[0].ID, got[1].ID, got[2].ID)
	}
	again, created, err := st.Register(ctx, []model.NewShipment{sample(2)}, store.SourceAPI, "test")
	if err != nil {
		t.Fatal(err)
	}
	if created != 0 || again[0].ID != got[1].ID {
		t.Fatalf("repeat registration created=%d id=%s, want 0 and %s", created, again[0].ID, got[1].ID)
	}
	sh, err := st.Shipment(ctx, got[1].ID, store.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	if len(sh.Events) != 1 || sh.Events[0].Kind != store.EventRegistered || sh.Events[0].Source != store.SourceAPI {
		t.Fatalf("events = %+v, want one registered event from api", sh.Events)
	}
	if sh.State != model.StateRegistered || sh.Recipient.ID != "974760673" || sh.SenderUnit != "Barnevernstjenesten" {
		t.Fatalf("stored shipment = %+v", sh)
	}
}

func TestEventLogIsAppendOnly(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	storetest.Register(t, st, sample(1))
	for _, q := range []string{
		`UPDATE shipment_events SET message = 'changed'`,
		`DELETE FROM shipment_events`,
		`TRUNCATE shipment_events CASCADE`,
	} {
		_, err := st.DB().ExecContext(ctx, q)
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: err = %v, want the database to refuse it", q, err)
		}
	}
	var n int
	if err := st.DB().GetContext(ctx, &n, `SELECT count(*) FROM shipment_events`); err != nil || n != 1 {
		t.Fatalf("events after refused changes: %d (%v), want 1", n, err)
	}
	// The retention purge, and only it, may delete.
	tx := st.DB().MustBegin()
	tx.MustExec(`SET LOCAL postvakt.retention_purge = 'on'`)
	if _, err := tx.Exec(`DELETE FROM shipment_events`); err != nil {
		t.Fatalf("purge delete refused: %v", err)
	}
	_ = tx.Rollback()
}

func TestShipmentsPagingAndScope(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	var items []model.NewShipment
	for i := 0; i < 25; i++ {
		it := sample(i)
		if i%5 == 0 {
			it.SenderUnit = "Skatt"
		}
		items = append(items, it)
	}
	storetest.Register(t, st, items...)
	seen := map[string]bool{}
	cursor := ""
	var last time.Time
	for pages := 0; ; pages++ {
		p, err := st.Shipments(ctx, store.ListFilter{Limit: 10, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range p.Shipments {
			if seen[s.ID] {
				t.Fatalf("shipment %s on two pages", s.ID)
			}
			if !last.IsZero() && s.SentAt.After(last) {
				t.Fatalf("not newest first")
			}
			last = s.SentAt
			seen[s.ID] = true
		}
		if p.NextCursor == "" {
			break
		}
		cursor = p.NextCursor
		if pages > 5 {
			t.Fatal("paging does not end")
		}
	}
	if len(seen) != 25 {
		t.Fatalf("paged through %d shipments, want 25", len(seen))
	}
	p, err := st.Shipments(ctx, store.ListFilter{Scope: store.Scope{SenderOrg: "964338531", SenderUnit: "Skatt"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Shipments) != 5 {
		t.Fatalf("unit scope sees %d, want 5", len(p.Shipments))
	}
	other, err := st.Shipments(ctx, store.ListFilter{State: "registered", Unit: "Barnevernstjenesten"})
	if err != nil || len(other.Shipments) != 20 {
		t.Fatalf("filter by unit and state: %d, %v; want 20", len(other.Shipments), err)
	}
	if _, err := st.Shipment(ctx, other.Shipments[0].ID, store.Scope{SenderOrg: "964338531", SenderUnit: "Skatt"}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("shipment outside scope: err = %v, want not found", err)
	}
	if _, err := st.Shipments(ctx, store.ListFilter{Cursor: "garbage!"}); !errors.Is(err, store.ErrBadCursor) {
		t.Fatalf("bad cursor: %v", err)
	}
}

func TestTokens(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	secret, err := st.CreateToken(ctx, store.Token{Name: "ci", Role: "compliance", SenderOrg: "964338531"})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := st.TokenBySecret(ctx, secret)
	if err != nil || tok.Role != "compliance" || tok.Name != "ci" {
		t.Fatalf("lookup: %+v %v", tok, err)
	}
	if _, err := st.TokenBySecret(ctx, secret+"x"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("wrong secret: %v", err)
	}
	var stored int
	if err := st.DB().GetContext(ctx, &stored, `SELECT count(*) FROM api_tokens WHERE encode(hash, 'escape') LIKE '%' || $1 || '%'`, secret[4:20]); err != nil || stored != 0 {
		t.Fatalf("token stored in clear? %d %v", stored, err)
	}
	if _, err := st.CreateToken(ctx, store.Token{Name: "x", Role: "root"}); err == nil {
		t.Fatal("unknown role accepted")
	}
	// On a read-only database (a standby after a failover) a token is
	// still looked up; only its last use is not written.
	if _, err := st.DB().ExecContext(ctx, `UPDATE api_tokens SET last_used_at = NULL`); err != nil {
		t.Fatal(err)
	}
	if _, err := st.DB().ExecContext(ctx, `DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET default_transaction_read_only = on', current_database()); END $$`); err != nil {
		t.Fatal(err)
	}
	st.DB().SetMaxIdleConns(0) // new sessions, which read the setting
	if tok, err := st.TokenBySecret(ctx, secret); err != nil || tok.Name != "ci" {
		t.Fatalf("lookup on a read-only database: %+v %v", tok, err)
	}
}

func TestTryExclusive(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	inner := true
	ran, err := st.TryExclusive(ctx, "escalate", func(ctx context.Context) error {
		// Another replica asking for the same lock meanwhile is turned away.
		var err error
		inner, err = st.TryExclusive(ctx, "escalate", func(context.Context) error { return nil })
		return err
	})
	if err != nil || !ran || inner {
		t.Fatalf("ran=%v inner=%v err=%v; want the outer to run and the inner to be refused", ran, inner, err)
	}
	// Released, whether the job failed or not: no pooled connection keeps it.
	boom := errors.New("boom")
	if ran, err = st.TryExclusive(ctx, "escalate", func(context.Context) error { return boom }); !ran || !errors.Is(err, boom) {
		t.Fatalf("lock not released, or the job's error lost: ran=%v err=%v", ran, err)
	}
	for range 5 {
		if ran, err = st.TryExclusive(ctx, "escalate", func(context.Context) error { return nil }); err != nil || !ran {
			t.Fatalf("lock not released: ran=%v err=%v", ran, err)
		}
	}
}

// The evidence log and the audit log are append-only; the retention purge
// only ever deletes rows. Even a transaction that sets the purge's flag
// (postvakt.retention_purge, which any session may set) cannot rewrite a
// status, a time or an actor in place (migration 00027).
func TestEvidenceRowsCannotBeRewrittenEvenUnderThePurgeFlag(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	storetest.Register(t, st, sample(1))
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
	got := storetest.Register(t, st, sample(1))
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
