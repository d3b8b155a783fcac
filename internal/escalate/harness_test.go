package escalate

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"postvakt/internal/logtest"
	"postvakt/internal/model"
	"postvakt/internal/remind"
	"postvakt/internal/remind/mailpittest"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

const from = "postvakt@bergen.kommune.no"

// harness is a real database, a real SMTP server and an escalator wired to
// both, with every log line kept.
type harness struct {
	t    *testing.T
	st   *store.Store
	mp   *mailpittest.Server
	logs *logtest.Buffer
	esc  *Escalator
	seq  int // numbers registered shipments, for unique channel ids
}

func newHarness(t *testing.T, mailpitArgs ...string) *harness {
	t.Helper()
	st := storetest.Open(t)
	h := &harness{t: t, st: st, mp: mailpittest.Start(t, mailpitArgs...), logs: &logtest.Buffer{}}
	h.esc = &Escalator{Store: st, Policies: shipped(t), Remind: h.reminder(h.mp.SMTPAddr), Logger: h.logger(), Batch: 97}
	return h
}

func (h *harness) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// reminder is a remind stage sending to addr.
func (h *harness) reminder(addr string) *remind.Reminder {
	s, err := remind.NewSMTP(remind.SMTPConfig{Addr: addr, From: from, Timeout: 5 * time.Second})
	if err != nil {
		h.t.Fatal(err)
	}
	return &remind.Reminder{Log: h.st, Sender: s, From: from, Logger: h.logger()}
}

func (h *harness) run(now time.Time) Summary {
	h.t.Helper()
	sum, err := h.esc.Run(context.Background(), now)
	if err != nil {
		h.t.Fatalf("run at %s: %v", now, err)
	}
	return sum
}

// twoOn registers two confidential letters to firmaA on channel, sent on
// Monday, and firmaA's reminder address.
func (h *harness) twoOn(channel string) (ids, channelIDs []string) {
	h.t.Helper()
	ss := confidential(firmaA, 2)
	for i := range ss {
		ss[i].channel = channel
	}
	ids, channelIDs = h.register(ss...)
	h.contacts(firmaA)
	return ids, channelIDs
}

// ship describes one shipment to register.
type ship struct {
	recipient string // org number or person id
	person    bool
	class     string
	conf      bool
	sent      time.Time
	channel   string // "" = svarut
	// unpolled: left as registration leaves it (state registered, no
	// channel status), as a back-fill is before the poller asked about it.
	unpolled bool
}

// register registers shipments (titled "HEMMELIG-TITTEL-<i>") and makes
// them available one hour after they were sent (but the unpolled ones); it
// returns their ids and channel ids in order.
func (h *harness) register(ships ...ship) (ids, channelIDs []string) {
	h.t.Helper()
	var items []model.NewShipment
	for _, s := range ships {
		h.seq++
		kind := model.RecipientOrg
		if s.person {
			kind = model.RecipientPerson
		}
		ch := s.channel
		if ch == "" {
			ch = "svarut"
		}
		items = append(items, model.NewShipment{Channel: ch, ChannelID: fmt.Sprintf("%s-%05d", h.t.Name(), h.seq),
			SenderOrg: "964338531", SenderUnit: "Barnevernstjenesten", RecipientKind: kind, RecipientID: s.recipient,
			Title: fmt.Sprintf("HEMMELIG-TITTEL-%d", h.seq), Confidential: s.conf, Class: s.class, SentAt: s.sent})
	}
	got, _, err := h.st.Register(context.Background(), items, store.SourceImport, "test")
	if err != nil {
		h.t.Fatal(err)
	}
	for _, s := range got {
		ids = append(ids, s.ID)
		channelIDs = append(channelIDs, s.ChannelID)
	}
	var polled []string
	for i, s := range ships {
		if !s.unpolled {
			polled = append(polled, ids[i])
		}
	}
	if len(polled) > 0 {
		storetest.Set(h.t, h.st, polled, storetest.State(model.StateAvailable), storetest.AvailableAfterSent(time.Hour))
	}
	return ids, channelIDs
}

// open marks shipments opened, as the poller would.
func (h *harness) open(ids ...string) {
	h.t.Helper()
	storetest.Set(h.t, h.st, ids, storetest.State(model.StateOpened))
}

func (h *harness) contacts(orgs ...string) {
	h.t.Helper()
	var cs []store.Contact
	for _, o := range orgs {
		cs = append(cs, store.Contact{Org: o, Email: "post-" + o + "@example.no"})
	}
	if _, err := h.st.ReplaceContacts(context.Background(), cs, "test"); err != nil {
		h.t.Fatal(err)
	}
}

// orgsWithLetters registers one confidential letter to each of n
// organisations, each with a reminder contact, and returns their numbers.
func (h *harness) orgsWithLetters(n int) []string {
	h.t.Helper()
	orgs := orgNumbers(n)
	for _, o := range orgs {
		h.register(confidential(o, 1)...)
	}
	h.contacts(orgs...)
	return orgs
}

// named does what the names job does for an organisation: the register's
// answer cached with its name, and the name copied to every letter's
// recipient or sender with that number.
func (h *harness) named(orgnr, name string) {
	h.t.Helper()
	ctx := context.Background()
	if err := h.st.PutRegisterEntry(ctx, store.RegisterEntry{OrgNr: orgnr, Status: 200, Name: name,
		Body: []byte(`{"organisasjonsnummer":"` + orgnr + `","navn":"` + name + `"}`), FetchedAt: monday}); err != nil {
		h.t.Fatal(err)
	}
	if _, err := h.st.FillOrgNames(ctx); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) count(q string, args ...any) int {
	h.t.Helper()
	var n int
	if err := h.st.DB().Get(&n, q, args...); err != nil {
		h.t.Fatal(err)
	}
	return n
}

// received is one message read back from the SMTP server: to which
// organisation, listing which channel ids.
type received struct {
	org  string
	refs []string // sorted channel ids listed
	raw  string
}

// refLine is a letter's reference line in a reminder as a reader that
// reflows shows it: the harness's channel ids carry the test's name and
// make the line pass the reminder's width, so it goes soft-broken before
// the id (remind's flowLine).
var refLine = regexp.MustCompile(`(?m)^  \d+\. (?:SvarUt-forsendelse|Digital Post-brev|Altinn-melding) (\S+)$`)

// take reads every message on the server, checks that none shows a title,
// and empties the server.
func (h *harness) take() []received {
	h.t.Helper()
	var out []received
	for _, m := range h.mp.Messages(h.t) {
		if strings.Contains(m.Raw+m.Text+m.Subject, "HEMMELIG") {
			h.t.Fatalf("a shipment title in message %q", m.Subject)
		}
		if len(m.To) != 1 || !strings.HasPrefix(m.To[0].Address, "post-") {
			h.t.Fatalf("message to %v", m.To)
		}
		org := strings.TrimSuffix(strings.TrimPrefix(m.To[0].Address, "post-"), "@example.no")
		no, _, _ := strings.Cut(m.Text, "-- English --")
		r := received{org: org, raw: m.Raw}
		for _, sm := range refLine.FindAllStringSubmatch(mailpittest.Reflowed(strings.ReplaceAll(no, "\r\n", "\n")), -1) {
			r.refs = append(r.refs, sm[1])
		}
		sort.Strings(r.refs)
		out = append(out, r)
	}
	h.mp.DeleteAll(h.t)
	return out
}

// checkLogs fails when a title shows in any log line.
func (h *harness) checkLogs() {
	h.t.Helper()
	if strings.Contains(h.logs.String(), "HEMMELIG") {
		h.t.Fatal("a shipment title in the log")
	}
}

// orgNumbers makes n valid Norwegian organisation numbers.
var orgNumbers = storetest.OrgNumbers
