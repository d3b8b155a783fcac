package notice

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/policy/policytest"
	"postvakt/internal/remind"
	"postvakt/internal/remind/mailpittest"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

const (
	bergen = "964338531"
	firma  = "974760673"
	from   = "postvakt@bergen.kommune.no"
)

// fixture is a store, a real SMTP server and a notifier on both, with the
// shipped policies.
type fixture struct {
	t  *testing.T
	st *store.Store
	mp *mailpittest.Server
	n  *Notifier
}

func newFixture(t *testing.T, mailpitArgs ...string) *fixture {
	t.Helper()
	st := storetest.Open(t)
	set := policytest.Shipped(t)
	mp := mailpittest.Start(t, mailpitArgs...)
	smtp, err := remind.NewSMTP(remind.SMTPConfig{Addr: mp.SMTPAddr, From: from, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	n := &Notifier{Store: st, Policies: set, Sender: smtp, From: from, BaseURL: "https://postvakt.example",
		Logger: slog.New(slog.DiscardHandler)}
	return &fixture{t: t, st: st, mp: mp, n: n}
}

// register registers letters (titled HEMMELIG-<channel id>) from unit to
// firma, sent at sent, and sets their state.
func (f *fixture) register(unit, class string, state model.State, sent time.Time, n int) []string {
	f.t.Helper()
	var items []model.NewShipment
	for i := 0; i < n; i++ {
		cid := fmt.Sprintf("%s-%s-%d", f.t.Name(), unit, i)
		items = append(items, model.NewShipment{Channel: "svarut", ChannelID: cid, SenderOrg: bergen, SenderUnit: unit,
			RecipientKind: model.RecipientOrg, RecipientID: firma, Title: "HEMMELIG-" + cid, Confidential: true, Class: class, SentAt: sent})
	}
	got, _, err := f.st.Register(context.Background(), items, store.SourceImport, "test")
	if err != nil {
		f.t.Fatal(err)
	}
	var ids []string
	for _, s := range got {
		ids = append(ids, s.ID)
	}
	storetest.Set(f.t, f.st, ids, storetest.State(model.State(state)), storetest.StateChangedAt(sent.Add(time.Hour)))
	return ids
}

func (f *fixture) run(now time.Time) Summary {
	f.t.Helper()
	sum, err := f.n.Run(context.Background(), now, false)
	if err != nil {
		f.t.Fatalf("run at %s: %v", now, err)
	}
	return sum
}

// mail is one received message: its subject and addresses.
type mail struct {
	subject string
	to, cc  []string
	text    string
}

// take reads and empties the server, failing on any title.
func (f *fixture) take() []mail {
	f.t.Helper()
	var out []mail
	for _, m := range f.mp.Messages(f.t) {
		if strings.Contains(m.Raw+m.Subject, "HEMMELIG") {
			f.t.Fatalf("a title in %q", m.Subject)
		}
		ml := mail{subject: m.Subject, text: m.Text}
		for _, a := range m.To {
			ml.to = append(ml.to, a.Address)
		}
		for _, a := range m.Cc {
			ml.cc = append(ml.cc, a.Address)
		}
		out = append(out, ml)
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].subject+strings.Join(out[i].to, ",") < out[j].subject+strings.Join(out[j].to, ",")
	})
	f.mp.DeleteAll(f.t)
	return out
}

func kinds(ms []mail, prefix string) []mail {
	var out []mail
	for _, m := range ms {
		if strings.HasPrefix(m.subject, prefix) {
			out = append(out, m)
		}
	}
	return out
}

// The Copenhagen case: rejected and failed letters get follow-ups; the
// sending unit and its manager are told when they are due, and again when
// they are overdue, exactly once per step; the compliance officers get a
// daily digest of the overdue ones.
func TestFollowUpMailsReachUnitAndManagerOncePerStep(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 16, 9, 0, 0, 0, oslo) // a Monday
	bv := f.register("Barnevernstjenesten", "barnevern", model.StateRejected, now.AddDate(0, 0, -3), 2)
	nav := f.register("NAV", "taushetsbelagt", model.StateFailed, now.AddDate(0, 0, -2), 1)
	f.register("Skole", "taushetsbelagt", model.StateOpened, now.AddDate(0, 0, -2), 1) // read: nothing to follow up
	if _, err := f.st.SaveUnits(ctx, []store.Unit{
		{SenderOrg: bergen, Name: "Barnevernstjenesten", ContactEmail: "barnevern@bergen.kommune.no", ManagerEmail: "leder.bv@bergen.kommune.no"},
		{SenderOrg: bergen, Name: "NAV", ContactEmail: "nav@bergen.kommune.no", ManagerEmail: "leder.nav@bergen.kommune.no"},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.CreateUser(ctx, store.User{Name: "kari", PasswordHash: "x", Role: "compliance", SenderOrg: bergen,
		Email: "personvern@bergen.kommune.no"}); err != nil {
		t.Fatal(err)
	}
	f.n.FollowUpDays = 10

	// Run 1: the follow-ups open and are due: one mail per unit, to the
	// unit, the manager in copy, with the letters and the deadline.
	sum := f.run(now)
	if sum.Opened != 3 {
		t.Fatalf("opened %d follow-ups, want 3", sum.Opened)
	}
	got := f.take()
	due := kinds(got, "Oppfølging:")
	if len(due) != 2 {
		t.Fatalf("%d follow-up mails, want one per unit: %+v", len(due), got)
	}
	deadline := now.AddDate(0, 0, 10).In(oslo).Format("02.01.2006")
	for _, m := range due {
		// The subject names no unit (its name says what the letters are
		// about): the count and the deadline only. The body is the unit's.
		n := map[string]int{"[barnevern@bergen.kommune.no]": 2, "[nav@bergen.kommune.no]": 1}[fmt.Sprint(m.to)]
		want := fmt.Sprintf("Oppfølging: %d brev har ikke nådd fram, frist %s / Follow-up of %d letter", n, deadline, n)
		if !strings.HasPrefix(m.subject, want) || strings.Contains(m.subject, "Barnevernstjenesten") || strings.Contains(m.subject, "NAV") {
			t.Errorf("follow-up mail's subject %q, want %q…", m.subject, want)
		}
		switch fmt.Sprint(m.to) {
		case "[barnevern@bergen.kommune.no]":
			if fmt.Sprint(m.cc) != "[leder.bv@bergen.kommune.no]" || strings.Count(m.text, "SvarUt-forsendelse") != 2 ||
				!strings.Contains(m.text, "Til Barnevernstjenesten, ") {
				t.Errorf("barnevern mail to %v cc %v:\n%s", m.to, m.cc, m.text)
			}
		case "[nav@bergen.kommune.no]":
			if fmt.Sprint(m.cc) != "[leder.nav@bergen.kommune.no]" || !strings.Contains(m.text, "Til NAV, ") {
				t.Errorf("NAV mail to %v cc %v", m.to, m.cc)
			}
		default:
			t.Errorf("unexpected follow-up mail %q to %v", m.subject, m.to)
		}
		for _, want := range []string{"senest " + deadline, "Sende brevet på nytt", "Skrive et nytt brev", "konsekvenser",
			"lovbestemte frister", "statutory deadlines", "https://postvakt.example/followups", "org.nr. " + firma} {
			if !strings.Contains(m.text, want) {
				t.Errorf("%q lacks %q", m.subject, want)
			}
		}
	}
	// The failed and rejected confidential letters are escalation cases
	// too: compliance (both policies) and barnevern's manager hear of them.
	esc := kinds(got, "postvakt:")
	if len(esc) != 2 {
		t.Fatalf("%d escalation mails, want 2 (compliance, barnevern's manager): %+v", len(esc), esc)
	}

	// Run 2, an hour later: nothing new.
	f.run(now.Add(time.Hour))
	if got := f.take(); len(got) != 0 {
		t.Fatalf("second run sent %d mails: %+v", len(got), got)
	}

	// One decision recorded: that letter is not overdue later.
	if err := f.st.RecordFollowUp(ctx, store.FollowUpDecision{ShipmentID: bv[1], Decision: store.DecisionClosed,
		Actor: "user:ola", At: now.Add(2 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	// Run 3, after the deadline: overdue mails to both units, once; the
	// compliance digest lists both units' overdue letters.
	late := now.AddDate(0, 0, 11)
	f.run(late)
	got = f.take()
	over := kinds(got, "Frist passert")
	digest := kinds(got, "Oversikt")
	if len(over) != 2 || len(digest) != 1 || len(got) != 3 {
		t.Fatalf("after the deadline: %+v", got)
	}
	for _, m := range over {
		if m.subject != "Frist passert: oppfølging av 1 brev / Deadline passed: follow-up of 1 letter" {
			t.Errorf("overdue mail's subject %q names more than the count", m.subject)
		}
		if len(m.cc) != 1 || strings.Count(m.text, "SvarUt-forsendelse") != 1 {
			t.Errorf("overdue mail %q to %v cc %v lists:\n%s", m.subject, m.to, m.cc, m.text)
		}
	}
	if fmt.Sprint(digest[0].to) != "[personvern@bergen.kommune.no]" || !strings.Contains(digest[0].text, "Barnevernstjenesten") ||
		!strings.Contains(digest[0].text, "NAV") {
		t.Fatalf("digest to %v:\n%s", digest[0].to, digest[0].text)
	}
	// Dated in each language: the officer's inbox has one a day, and the
	// English reader must tell them apart as the Norwegian one does.
	if want := "Oversikt 27.11.2026: 2 oppfølginger med passert frist / Digest 27 Nov 2026: 2 overdue follow-ups"; digest[0].subject != want {
		t.Errorf("digest's subject %q, want %q", digest[0].subject, want)
	}
	f.run(late.Add(time.Hour))
	if got := f.take(); len(got) != 0 {
		t.Fatalf("overdue mails twice: %+v", got)
	}
	// The next day: the digest again (it is daily), nothing else.
	f.run(late.AddDate(0, 0, 1))
	got = f.take()
	if len(got) != 1 || len(kinds(got, "Oversikt")) != 1 {
		t.Fatalf("next day: %+v", got)
	}
	// Evidence: the letters carry a notice event per step.
	var events int
	if err := f.st.DB().Get(&events, `SELECT count(*) FROM shipment_events WHERE kind = 'notice' AND shipment_id = $1`, nav[0]); err != nil {
		t.Fatal(err)
	}
	if events != 3 { // due, overdue, escalation (failed)
		t.Fatalf("%d notice events on the failed letter, want 3", events)
	}
}

// A print held for approval tells escalation.to (compliance, and for
// barnevern the unit's manager) once per batch, also when more letters
// join the batch.
func TestHeldBatchNotifiesComplianceOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, oslo)
	ids := f.register("Barnevernstjenesten", "barnevern", model.StateAvailable, now.AddDate(0, 0, -8), 4)
	if _, err := f.st.SaveUnits(ctx, []store.Unit{{SenderOrg: bergen, Name: "Barnevernstjenesten", ManagerEmail: "leder.bv@bergen.kommune.no"}}); err != nil {
		t.Fatal(err)
	}
	for _, u := range []store.User{
		{Name: "kari", PasswordHash: "x", Role: "compliance", SenderOrg: bergen, Email: "personvern@bergen.kommune.no"},
		{Name: "other", PasswordHash: "x", Role: "compliance", SenderOrg: "974760673", Email: "other@example.no"},
	} {
		if _, err := f.st.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	hold := func(ids ...string) {
		t.Helper()
		if _, err := f.st.CreatePrintOrders(ctx, ids, "barnevern", true, now); err != nil {
			t.Fatal(err)
		}
		for _, id := range ids {
			if st, err := f.st.ResolvePrint(ctx, store.PrintResolution{ShipmentID: id, Outcome: store.ResolveOrder, At: now,
				Request: []byte(`{"address":"Storgata 1"}`)}); err != nil || st != store.PrintStateHeld {
				t.Fatalf("hold %s: %s %v", id, st, err)
			}
		}
	}
	hold(ids[:2]...)
	// And a manual-handling case (no postal address): told in the same mails,
	// its reason in words in each language ("ingen brukbar adresse", "no
	// usable address"), never postvakt's code no_address beside them.
	if _, err := f.st.CreatePrintOrders(ctx, ids[3:], "barnevern", true, now); err != nil {
		t.Fatal(err)
	}
	if st, err := f.st.ResolvePrint(ctx, store.PrintResolution{ShipmentID: ids[3], Outcome: store.ResolveManual, At: now,
		Reason: "no_address", Detail: "no postal address in the register"}); err != nil || st != store.PrintStateManual {
		t.Fatalf("manual: %s %v", st, err)
	}
	f.run(now)
	got := f.take()
	if len(got) != 2 {
		t.Fatalf("%d mails, want compliance and the manager: %+v", len(got), got)
	}
	for _, m := range got {
		if !strings.Contains(m.text, "batch ") || !strings.Contains(m.text, "2 brev") || !strings.Contains(m.text, "/print (godkjennes eller avvises der av internkontroll") ||
			!strings.Contains(m.text, "Manuell behandling") || !strings.Contains(m.text, ": ingen brukbar adresse") ||
			!strings.Contains(m.text, ": no usable address") || strings.Contains(m.text, "no_address") {
			t.Errorf("held-batch mail to %v:\n%s", m.to, m.text)
		}
		if a := m.to[0]; a != "personvern@bergen.kommune.no" && a != "leder.bv@bergen.kommune.no" {
			t.Errorf("mail to %s", a)
		}
	}
	hold(ids[2])
	f.run(now.Add(time.Hour))
	if got := f.take(); len(got) != 0 {
		t.Fatalf("the held batch was told again: %+v", got)
	}
}

// The units file: all or nothing, every problem with line and column.
func TestParseUnits(t *testing.T) {
	t.Parallel()
	good := "sender_org,unit,contact_email,manager_email\n964338531,Barnevernstjenesten,bv@bergen.kommune.no,leder@bergen.kommune.no\n964338531,NAV,,leder.nav@bergen.kommune.no\n"
	us, err := ParseUnits(strings.NewReader(good))
	if err != nil || len(us) != 2 || us[1].ContactEmail != "" || us[1].ManagerEmail != "leder.nav@bergen.kommune.no" {
		t.Fatalf("%+v %v", us, err)
	}
	bad := "unit,sender_org,contact_email,manager_email\nA,123,a@b.no,\nB,964338531,,\nC,964338531,not-an-address,\nA,964338531,a@b.no,\nA,964338531,c@b.no,\n"
	_, err = ParseUnits(strings.NewReader(bad))
	inv, ok := err.(*InvalidUnitsError)
	if !ok {
		t.Fatalf("err = %v", err)
	}
	var lines []string
	for _, p := range inv.Problems {
		lines = append(lines, p.Error())
	}
	want := []string{"line 2, column sender_org", "line 3, column contact_email", "line 4, column contact_email", "line 6, column unit"}
	if len(lines) != len(want) {
		t.Fatalf("problems %v", lines)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("problem %d = %q, want %s", i, lines[i], w)
		}
	}
}

// lostRecord is the store as a notifier finds it that dies between the SMTP
// server's answer and its record: the record never reaches the database.
type lostRecord struct{ *store.Store }

func (lostRecord) MarkNotificationSent(context.Context, int64, string, time.Time) error {
	return errors.New("connection to the database lost")
}

// A notice whose send began is never sent again by itself, also when its
// run died before recording it: after the lease (expired by the escalation
// run) it is unknown, listed for a person.
func TestNoticeCrashAfterSendIsNotResent(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 16, 9, 0, 0, 0, oslo)
	f.register("NAV", "taushetsbelagt", model.StateFailed, now.AddDate(0, 0, -2), 1)
	if _, err := f.st.SaveUnits(ctx, []store.Unit{{SenderOrg: bergen, Name: "NAV", ContactEmail: "nav@bergen.kommune.no"}}); err != nil {
		t.Fatal(err)
	}
	f.n.Store = lostRecord{f.st}
	_, _ = f.n.Run(ctx, now, false) // the record stage fails: an error, or only logged
	sent := f.take()
	if len(sent) == 0 {
		t.Fatal("no notice went out before the crash")
	}
	f.n.Store = f.st
	expired, err := f.st.ExpirePendingNotifications(ctx, now.Add(time.Hour), 10*time.Minute)
	if err != nil || len(expired) != len(sent) {
		t.Fatalf("expired %d of the %d notices sent: %v", len(expired), len(sent), err)
	}
	for _, n := range expired {
		if n.Status != store.NotifyUnknown {
			t.Errorf("notice %d sent before the crash expired as %s, want unknown", n.ID, n.Status)
		}
	}
	f.run(now.Add(2 * time.Hour))
	if got := f.take(); len(got) != 0 {
		t.Fatalf("sent again after the crash: %+v", got)
	}
}

// TestFollowUpDeadlineCountsOsloDays: a follow-up opened at 23:30 in Oslo
// on 20 March 2026 with 10 days has its deadline on 30 March at 23:30 in
// Oslo, the date its mail shows, also when the process's clock is in UTC
// (most containers) and summer time begins in between (29 March): ten
// days of 24 hours would end at 00:30 on 31 March.
func TestFollowUpDeadlineCountsOsloDays(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	now := time.Date(2026, 3, 20, 22, 30, 0, 0, time.UTC) // 23:30 in Oslo, as a UTC server's clock reads it
	ids := f.register("Barnevernstjenesten", "barnevern", model.StateRejected, now.AddDate(0, 0, -1), 1)
	f.n.FollowUpDays = 10
	if sum := f.run(now); sum.Opened != 1 {
		t.Fatalf("opened %d follow-ups, want 1", sum.Opened)
	}
	fu, err := f.st.FollowUp(context.Background(), ids[0], store.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	if got := fu.Deadline.In(oslo).Format("2006-01-02 15:04"); got != "2026-03-30 23:30" {
		t.Errorf("deadline %s in Oslo, want 2026-03-30 23:30", got)
	}
	if got := store.FollowUpDeadline(now, 10); !got.Equal(fu.Deadline) {
		t.Errorf("store.FollowUpDeadline says %s, the follow-up has %s", got, fu.Deadline)
	}
}

// TestUnreadFollowUpCountsDaysOf24Hours: an unread confidential letter gets
// its follow-up once it is FollowUpUnread days of 24 hours old, the age the
// lists show, also with the clock in Oslo and summer time begun in between
// (29 March 2026): at 29 days and 23 hours 30 minutes it has none yet.
func TestUnreadFollowUpCountsDaysOf24Hours(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	now := time.Date(2026, 4, 5, 10, 0, 0, 0, oslo) // as time.Now() reads with TZ=Europe/Oslo
	f.n.FollowUpUnread = 30
	f.register("Barnevernstjenesten", "barnevern", model.StateAvailable, now.Add(-30*24*time.Hour+30*time.Minute), 1)
	if sum := f.run(now); sum.Opened != 0 {
		t.Errorf("opened %d follow-ups for a letter 29 days old, want 0", sum.Opened)
	}
	if sum := f.run(now.Add(time.Hour)); sum.Opened != 1 {
		t.Errorf("opened %d follow-ups for a letter 30 days old, want 1", sum.Opened)
	}
}
