package upkeep

import (
	"context"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// A new letter to a person is being registered while the nightly purge
// takes that person's last letter. The interleaving is made deterministic:
// a helper transaction holds the new letter's channel id (an uncommitted
// letter with it), so the registration stops at the statement that stores
// its letters, after it has found the person; the purge then runs. The
// registration must store its letter to the person (it is not a
// duplicate), and the person stays with it; the purge still purges the
// old letter.
func TestRetentionRaceWithARegistrationToThePerson(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.Open(t)
	old := time.Date(2020, 1, 10, 10, 0, 0, 0, time.UTC)
	now := time.Date(2026, 6, 1, 2, 30, 0, 0, time.UTC)
	register(t, st, letter{"taushetsbelagt", "person", personA, "TITTEL-A", old})
	newID := storetest.ChannelID("race", 1)
	hold := holdChannelID(t, st, newID)
	regDone := registerInBackground(ctx, st, personLetter(newID, personA, "TITTEL-NY", now))
	storetest.WaitLocked(t, st, 1, nil)
	purgeDone := purgeInBackground(ctx, st, now)
	// The purge either ends (taking the person) or waits for the
	// registration that holds the person.
	reg, pr := settle(t, st, hold, regDone, purgeDone)
	if pr.err != nil || pr.p.Shipments != 1 {
		t.Fatalf("purge %+v %v; want the old letter purged", pr.p, pr.err)
	}
	if reg.err != nil || reg.n != 1 || len(reg.got) != 1 || reg.got[0].RecipientID != personA {
		t.Fatalf("the registration during the purge: %+v, %d new, %v; want the new letter stored to the person", reg.got, reg.n, reg.err)
	}
}

// personLetter is a new confidential SvarUt letter from Bergen's
// Barnevernstjenesten to a person.
func personLetter(channelID, person, title string, sent time.Time) model.NewShipment {
	return model.NewShipment{Channel: "svarut", ChannelID: channelID, SenderOrg: bergen, SenderUnit: "Barnevernstjenesten",
		RecipientKind: model.RecipientPerson, RecipientID: person, Title: title, Confidential: true, Class: "taushetsbelagt",
		SentAt: sent}
}

// holdChannelID begins a transaction that holds an uncommitted letter (to
// firma, from the unit of register's first letter) with channelID: a
// registration of that channel id stops at the statement that stores its
// letters until the transaction ends (rolled back at the latest when the
// test ends).
func holdChannelID(t *testing.T, st *store.Store, channelID string) *sqlx.Tx {
	t.Helper()
	hold, err := st.DB().Beginx()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = hold.Rollback() })
	if _, err := hold.Exec(`INSERT INTO recipients (kind, ident) VALUES ('org', $1) ON CONFLICT DO NOTHING`, firma); err != nil {
		t.Fatal(err)
	}
	if _, err := hold.Exec(`INSERT INTO shipments (id, channel, channel_id, sender_unit_id, recipient_id, title, confidential, class, sent_at)
		SELECT gen_random_uuid(), 'svarut', $1, s.sender_unit_id, r.id, '', false, s.class, now()
		FROM shipments s, recipients r WHERE s.channel_id = 'ret-0' AND r.kind = 'org' AND r.ident = $2`, channelID, firma); err != nil {
		t.Fatal(err)
	}
	return hold
}

// registered is what a registration run in the background returned.
type registered struct {
	got []store.Shipment
	n   int
	err error
}

// registerInBackground registers the letter from the API in a goroutine
// and delivers what the registration returned.
func registerInBackground(ctx context.Context, st *store.Store, l model.NewShipment) <-chan registered {
	done := make(chan registered, 1)
	go func() {
		got, n, err := st.Register(ctx, []model.NewShipment{l}, store.SourceAPI, "test")
		done <- registered{got, n, err}
	}()
	return done
}

// purged is what a purge run in the background returned.
type purged struct {
	p   Purge
	err error
}

// purgeInBackground runs the purge (retention 5 years) at now in a
// goroutine and delivers what it returned.
func purgeInBackground(ctx context.Context, st *store.Store, now time.Time) <-chan purged {
	done := make(chan purged, 1)
	go func() {
		p, err := purge(ctx, st, now)
		done <- purged{p, err}
	}()
	return done
}

// settle waits (bounded) until second ends or two backends of the test's
// database wait for a lock (first's, stopped by hold, and second's), then
// rolls hold back, and returns what first and then second returned.
func settle[F, S any](t *testing.T, st *store.Store, hold *sqlx.Tx, first <-chan F, second <-chan S) (F, S) {
	t.Helper()
	var s *S
	storetest.WaitLocked(t, st, 2, func() bool {
		select {
		case r := <-second:
			s = &r
			return true
		default:
			return false
		}
	})
	if err := hold.Rollback(); err != nil {
		t.Fatal(err)
	}
	f := <-first
	if s == nil {
		r := <-second
		s = &r
	}
	return f, *s
}

// Two rows of one registration name the same new letter with different
// persons: the first row stores the letter; the second is a duplicate of
// it and must not leave its person behind as a recipient no letter points
// to (no purge would ever take that national id).
func TestRegisterInBatchDuplicateLeavesNoPerson(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.Open(t)
	now := time.Date(2026, 6, 1, 2, 30, 0, 0, time.UTC)
	row := personLetter(storetest.ChannelID("dup", 1), personA, "TITTEL", now)
	other := row
	other.RecipientID = personC
	got, n, err := st.Register(ctx, []model.NewShipment{row, other}, store.SourceAPI, "test")
	if err != nil || n != 1 || len(got) != 2 || got[0].RecipientID != personA {
		t.Fatalf("register: %+v, %d new, %v; want one letter to the first row's person", got, n, err)
	}
	if found := scan(t, st, []string{personC}); len(found) > 0 {
		t.Errorf("the second row's person is stored in %v, with no letter", found)
	}
}

// A letter due for the purge whose print order is not placed yet (held
// for approval, or queued in the outbox) is kept, with the order's request
// (the address the provider is to get), and the purge counts it; a letter
// beside it without one is purged.
func TestRetentionKeepsALetterWhosePrintOrderIsNotPlaced(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.Open(t)
	old := time.Date(2020, 1, 10, 10, 0, 0, 0, time.UTC)
	now := time.Date(2026, 6, 1, 2, 30, 0, 0, time.UTC)
	ids := register(t, st, letter{"taushetsbelagt", "org", firma, "HELD", old}, letter{"taushetsbelagt", "org", firma, "QUEUED", old},
		letter{"taushetsbelagt", "org", firma, "PLAIN", old})
	storetest.Set(t, st, ids, storetest.State(model.StateAvailable))
	for i, approval := range []bool{true, false} {
		if _, err := st.CreatePrintOrders(ctx, ids[i:i+1], "taushetsbelagt", approval, old.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		want := map[bool]string{true: store.PrintStateHeld, false: store.PrintStateQueued}[approval]
		if got, err := st.ResolvePrint(ctx, store.PrintResolution{ShipmentID: ids[i], Outcome: store.ResolveOrder,
			At: old.Add(2 * time.Hour), Request: []byte(`{"address":"ADRESSE"}`)}); err != nil || got != want {
			t.Fatalf("resolve print: %q %v, want %s", got, err, want)
		}
	}
	p, err := purge(ctx, st, now)
	if err != nil || p.Shipments != 1 || p.PrintPending != 2 {
		t.Fatalf("purge %+v %v; want the plain letter purged, the two with an order not placed kept", p, err)
	}
	var kept int
	if err := st.DB().Get(&kept, `SELECT count(*) FROM shipments s JOIN print_orders o ON o.shipment_id = s.id
		WHERE s.purged_at IS NULL AND s.title <> '' AND o.request->>'address' = 'ADRESSE'`); err != nil || kept != 2 {
		t.Errorf("%d letters kept with their order's request (%v), want 2", kept, err)
	}
	if n := auditCount(t, st, "retention_purge_letters", "%letters kept: 2 print order not placed yet,%"); n != 1 {
		t.Errorf("%d audit entries say the purge kept 2 letters for their print orders, want 1", n)
	}
}

// The other order: the purge holds the person (and is held itself, by a
// helper transaction on the old letter's follow-up) when a new letter to
// the person is registered. The registration waits for the purge, which
// deletes the person; the registration then makes the person again and
// stores its letter to them (it must not find the person gone and store
// the letter to no one).
func TestRetentionRaceRegistrationAfterThePurgeTookThePerson(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.Open(t)
	old := time.Date(2020, 1, 10, 10, 0, 0, 0, time.UTC)
	now := time.Date(2026, 6, 1, 2, 30, 0, 0, time.UTC)
	ids := register(t, st, letter{"taushetsbelagt", "person", personA, "TITTEL-A", old})
	if _, err := st.DB().Exec(`INSERT INTO followups (shipment_id, sender_unit_id, reason, deadline, note)
		SELECT id, sender_unit_id, 'unread', sent_at, 'NOTAT' FROM shipments WHERE id = $1`, ids[0]); err != nil {
		t.Fatal(err)
	}
	hold, err := st.DB().Beginx()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = hold.Rollback() }()
	if _, err := hold.Exec(`SELECT 1 FROM followups WHERE shipment_id = $1 FOR UPDATE`, ids[0]); err != nil {
		t.Fatal(err)
	}
	purgeDone := purgeInBackground(ctx, st, now)
	storetest.WaitLocked(t, st, 1, nil) // the purge, at the follow-up note, holding the person
	regDone := registerInBackground(ctx, st, personLetter(storetest.ChannelID("race", 2), personA, "TITTEL-NY", now))
	// The registration ends, or waits for the person the purge holds.
	pr, reg := settle(t, st, hold, purgeDone, regDone)
	// The person goes with the old letter and comes back with the new
	// one, or stays for it: either way the new letter has its recipient.
	if pr.err != nil || pr.p.Shipments != 1 {
		t.Fatalf("purge %+v %v; want the old letter purged", pr.p, pr.err)
	}
	if reg.err != nil || reg.n != 1 || len(reg.got) != 1 || reg.got[0].RecipientID != personA {
		t.Fatalf("the registration after the purge took the person: %+v, %d new, %v; want the letter stored to the person", reg.got, reg.n, reg.err)
	}
}

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
	if p, err := purge(ctx, st, now); err != nil || p.Shipments != 1 || p.Persons != 1 {
		t.Fatalf("purge %+v %v; want the letter and its person purged", p, err)
	}
	// The same letter as discover registers it again (register() used
	// channel id ret-0).
	again := personLetter("ret-0", personA, "TITTEL-A", old)
	_, n, err := st.Register(ctx, []model.NewShipment{again}, "discover", "discover:svarut")
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
	if err := reg.Add(ctx, again); err != nil {
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
	got, n, err := st.Register(ctx, []model.NewShipment{personLetter(storetest.ChannelID("ny", 1), personC, "TITTEL-NY", now)},
		store.SourceImport, "test")
	if err != nil || n != 1 || len(got) != 1 || got[0].RecipientID != personC {
		t.Fatalf("a new letter to a person: %+v, %d new, %v", got, n, err)
	}
}

// A person no letter points to (an earlier release left one for an
// in-batch duplicate row) is deleted by the nightly purge, with the name
// stored for them, and the purge says so in the audit log; a person with
// a letter kept stays.
func TestRetentionDeletesPersonsNoLetterPointsTo(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.Open(t)
	now := time.Date(2026, 6, 1, 2, 30, 0, 0, time.UTC)
	register(t, st, letter{"taushetsbelagt", "person", personC, "TITTEL-C", now.AddDate(0, -1, 0)})
	if _, err := st.DB().Exec(`INSERT INTO recipients (kind, ident, name, created_at) VALUES ('person', $1, 'FORELDRELOS', $2)`,
		personA, now.AddDate(-1, 0, 0)); err != nil {
		t.Fatal(err)
	}
	p, err := purge(ctx, st, now)
	if err != nil || p.Orphans != 1 {
		t.Fatalf("purge %+v %v; want the person with no letter deleted", p, err)
	}
	if found := scan(t, st, []string{personA, "FORELDRELOS"}); len(found) > 0 {
		t.Errorf("the person with no letter is still stored in %v", found)
	}
	if found := scan(t, st, []string{personC}); len(found[personC]) == 0 {
		t.Errorf("the person with a letter kept is gone (found in %v)", found)
	}
	if n := auditCount(t, st, "retention_purge_persons", "1 persons no letter points to"); n != 1 {
		t.Errorf("%d audit entries tell of the deleted person, want 1", n)
	}
}

// A new letter is being registered to a person no letter pointed to yet
// (held FOR KEY SHARE by the registration, which a helper transaction
// stops at the statement that stores its letters) when the purge looks
// for persons with no letter. The purge must wait for the registration
// and then keep the person for its letter: not delete them (the letter
// would point to no one) and not fail on the letter's foreign key.
func TestRetentionOrphanPurgeWaitsForARegistrationToThePerson(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.Open(t)
	now := time.Date(2026, 6, 1, 2, 30, 0, 0, time.UTC)
	register(t, st, letter{"taushetsbelagt", "org", firma, "TITTEL", now.AddDate(0, -1, 0)})
	if _, err := st.DB().Exec(`INSERT INTO recipients (kind, ident, created_at) VALUES ('person', $1, $2)`,
		personA, now.AddDate(-6, 0, 0)); err != nil {
		t.Fatal(err)
	}
	newID := storetest.ChannelID("orphan", 1)
	hold := holdChannelID(t, st, newID)
	regDone := registerInBackground(ctx, st, personLetter(newID, personA, "TITTEL-NY", now))
	storetest.WaitLocked(t, st, 1, nil) // the registration, holding the person, waits for the helper's letter
	purgeDone := purgeInBackground(ctx, st, now)
	reg, pr := settle(t, st, hold, regDone, purgeDone)
	if reg.err != nil || len(reg.got) != 1 || reg.got[0].RecipientID != personA {
		t.Fatalf("the registration: %+v %v; want the letter stored to the person", reg.got, reg.err)
	}
	if pr.err != nil || pr.p.Orphans != 0 {
		t.Fatalf("purge %+v %v; want it to keep the person of the new letter", pr.p, pr.err)
	}
	var n int
	if err := st.DB().Get(&n, `SELECT count(*) FROM shipments s JOIN recipients r ON r.id = s.recipient_id
		WHERE s.channel_id = $1 AND r.ident = $2`, newID, personA); err != nil || n != 1 {
		t.Errorf("%d letters (%v) point to the person, want the new one", n, err)
	}
}

// A user disabled longer ago than the retention period loses their e-mail
// address to the nightly purge, and keeps their row and name (the audit
// log names them); a user disabled recently, and an enabled user however
// old, keep theirs.
func TestRetentionClearsTheEmailOfUsersDisabledLongAgo(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.Open(t)
	now := time.Date(2026, 6, 1, 2, 30, 0, 0, time.UTC)
	for _, u := range []struct {
		name     string
		disabled any
	}{{"gammel", now.AddDate(-5, 0, -1)}, {"nylig", now.AddDate(-4, 0, 0)}, {"aktiv", nil}} {
		disabledUser(t, st, u.name, now, u.disabled)
	}
	p, err := purge(ctx, st, now)
	if err != nil || p.UserEmails != 1 {
		t.Fatalf("purge %+v %v; want one user's e-mail cleared", p, err)
	}
	if found := scan(t, st, []string{"gammel@kommune.example"}); len(found) > 0 {
		t.Errorf("the e-mail of the user disabled long ago is still stored in %v", found)
	}
	var users []struct {
		Name  string `db:"name"`
		Email string `db:"email"`
	}
	if err := st.DB().Select(&users, `SELECT name, email FROM users ORDER BY name`); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"aktiv": "aktiv@kommune.example", "gammel": "", "nylig": "nylig@kommune.example"}
	if len(users) != 3 {
		t.Fatalf("users %+v, want all three kept", users)
	}
	for _, u := range users {
		if u.Email != want[u.Name] {
			t.Errorf("user %s has e-mail %q, want %q", u.Name, u.Email, want[u.Name])
		}
	}
}
