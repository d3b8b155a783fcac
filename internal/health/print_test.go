package health_test

import (
	"context"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"postvakt/internal/health"
	"postvakt/internal/policy"
	"postvakt/internal/store"
)

// TestPrintProviderSilentDecision: print_provider_silent fires when at
// least one open print order has had no useful answer from the provider
// for `after` (the facts count those), labelled with the provider's host,
// naming the host, the counts and the times, about no letters; nothing
// without such orders, without a print provider, or with the rule off.
func TestPrintProviderSilentDecision(t *testing.T) {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	since, answered := now.Add(-7*time.Hour), now.Add(-8*time.Hour)
	def := policy.DefaultHealth().PrintSilent // after 6h
	off := def
	off.Enabled = false
	facts := func(unanswered int, ans *time.Time) *health.PrintProvider {
		f := store.PrintProviderFacts{Open: 5, Unanswered: unanswered, Answered: ans}
		if unanswered > 0 {
			f.Since = &since
		}
		return &health.PrintProvider{Host: "print.example.no", Facts: f}
	}
	for _, tc := range []struct {
		name  string
		cfg   policy.PrintSilentRule
		print *health.PrintProvider
		want  []string // the reasons' keys; none for no alert
	}{
		{"no print provider", def, nil, nil},
		{"every order answered", def, facts(0, &answered), nil},
		{"three orders unanswered", def, facts(3, &answered), []string{"mail.alert.why.print_provider_silent", "mail.alert.why.print_answered"}},
		{"unanswered, none ever answered", def, facts(3, nil), []string{"mail.alert.why.print_provider_silent"}},
		{"unanswered, the rule off", off, facts(3, &answered), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cs := health.PrintProviderSilent(tc.cfg, health.Facts{Now: now, Print: tc.print})
			if len(tc.want) == 0 {
				if len(cs) != 0 {
					t.Fatalf("fired %+v, want nothing", cs)
				}
				return
			}
			if len(cs) != 1 {
				t.Fatalf("%d conditions, want one", len(cs))
			}
			c := cs[0]
			if c.Rule != policy.RulePrintSilent || !reflect.DeepEqual(c.Labels, store.Labels{"provider": "print.example.no"}) ||
				c.Severity != "critical" || !c.Selector.NoLetters {
				t.Errorf("condition %+v, want print_provider_silent provider=print.example.no, critical, about no letters", c)
			}
			var keys []string
			for _, r := range c.Why {
				keys = append(keys, r.Key)
			}
			if !reflect.DeepEqual(keys, tc.want) {
				t.Errorf("why %v, want %v", keys, tc.want)
			}
			w := c.Why[0]
			if w.Args["Provider"] != "print.example.no" || w.Args["Count"] != "3" || w.Args["Open"] != "5" ||
				w.Durations["After"] != int64(6*time.Hour/time.Second) || !strings.HasPrefix(w.Args["Since"], "2026-12-01 03:00") {
				t.Errorf("why %+v, want the host, 3 of 5, 6h and since 03:00 Oslo", w)
			}
			if !strings.Contains(c.Summary, "print.example.no") || !strings.Contains(c.Summary, "3 of 5 open print orders") {
				t.Errorf("summary %q", c.Summary)
			}
		})
	}
}

// TestPrintProviderSilentUnplaced: orders the provider has not placed
// though asked for `after` (their creates fail and are sent again) fire
// the rule alone or beside unanswered placed orders, each with its reason,
// naming the host, the count and since when, about no letters.
func TestPrintProviderSilentUnplaced(t *testing.T) {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	since, queued := now.Add(-7*time.Hour), now.Add(-10*time.Hour)
	def := policy.DefaultHealth().PrintSilent
	for _, tc := range []struct {
		name  string
		facts store.PrintProviderFacts
		want  []string
	}{
		{"nothing unplaced, nothing unanswered", store.PrintProviderFacts{Open: 2}, nil},
		{"four unplaced, no order placed", store.PrintProviderFacts{Unplaced: 4, UnplacedSince: &queued},
			[]string{"mail.alert.why.print_unplaced"}},
		{"both", store.PrintProviderFacts{Open: 5, Unanswered: 3, Since: &since, Unplaced: 4, UnplacedSince: &queued},
			[]string{"mail.alert.why.print_provider_silent", "mail.alert.why.print_unplaced"}},
		{"lookups failing too", store.PrintProviderFacts{Unplaced: 4, UnplacedSince: &queued, Unresolved: 2, UnresolvedSince: &since},
			[]string{"mail.alert.why.print_unplaced", "mail.alert.why.print_unresolved"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cs := health.PrintProviderSilent(def, health.Facts{Now: now, Print: &health.PrintProvider{Host: "print.example.no", Facts: tc.facts}})
			var keys []string
			for _, c := range cs {
				for _, r := range c.Why {
					keys = append(keys, r.Key)
				}
			}
			if !reflect.DeepEqual(keys, tc.want) || len(cs) > 1 {
				t.Fatalf("%d conditions, why %v; want one with %v", len(cs), keys, tc.want)
			}
			if len(cs) == 0 {
				return
			}
			w := cs[0].Why[0]
			if tc.facts.Unanswered > 0 {
				w = cs[0].Why[1]
			}
			if w.Args["Provider"] != "print.example.no" || w.Args["Count"] != "4" || !strings.HasPrefix(w.Args["Since"], "2026-12-01 00:00") {
				t.Errorf("why %+v, want the host, 4 and since 00:00 Oslo", w)
			}
			if !strings.Contains(cs[0].Summary, "has not placed 4 print orders") || !cs[0].Selector.NoLetters {
				t.Errorf("summary %q, selector %+v", cs[0].Summary, cs[0].Selector)
			}
		})
	}
}

// TestPrintProviderSilentThroughEvaluation: through evaluations on a real
// database as the clock moves, with print orders placed for the bench's
// letters whose status polls then fail (recorded as printing records
// them): nothing while they have failed for under 6 hours; from then one
// alert (provider=the host) told by e-mail (Norwegian and English) and
// webhook, with the host and the count, nothing of the letters; resolved once the provider answers
// again (after keep_firing_for). Without a print provider configured
// nothing is read.
func TestPrintProviderSilentThroughEvaluation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := newBench(t)
	ev := b.evaluator(io.Discard)
	for _, r := range policy.HealthRules {
		ev.Config.Common(r).Enabled = r == policy.RulePrintSilent // the bench's letters are another rule's
	}
	ev.PrintProvider = "print.example.no"
	ids := b.ids[:3]
	t0 := b.now
	queuePrints(t, b, ids, t0)
	sendPrints(t, b, ids, t0, store.PrintSendResult{Outcome: store.SendOrdered, State: store.PrintStateReceived, NextPollAt: t0.Add(time.Hour)})
	poll := func(at time.Time, ok bool) {
		t.Helper()
		for _, id := range ids {
			u := store.PrintStatusUpdate{ShipmentID: id, At: at, State: store.PrintStateReceived, NextPollAt: at.Add(time.Hour)}
			if !ok {
				u = store.PrintStatusUpdate{ShipmentID: id, At: at, Error: "print provider: HTTP 503", ErrorClass: "HTTP 503",
					RetryAt: at.Add(time.Hour)}
			}
			if err := b.st.ApplyPrintStatus(ctx, u); err != nil {
				t.Fatal(err)
			}
		}
	}
	poll(t0.Add(time.Hour), true)
	for h := 2; h <= 7; h++ { // failing from 2 hours on
		poll(t0.Add(time.Duration(h)*time.Hour), false)
	}
	b.now = t0.Add(7*time.Hour + 59*time.Minute)
	if res := b.run(ev); len(res.Firing) != 0 {
		t.Fatalf("failing for 5h59m: firing %v", active(res))
	}
	b.now = t0.Add(8 * time.Hour)
	res := b.run(ev)
	if got := active(res); !reflect.DeepEqual(got, []string{"print_provider_silent provider=print.example.no"}) || len(res.Fired) != 1 {
		t.Fatalf("failing for 6h: firing %v, want print_provider_silent provider=print.example.no", got)
	}
	ms := b.mp.Messages(t)
	if len(ms) != 1 || ms[0].Subject != "[postvakt] FIRING print_provider_silent: 1 alert" {
		t.Fatalf("mails %v, want one naming no letters", subjects(ms))
	}
	body := ms[0].Text
	for _, want := range []string{"the print provider print.example.no has given no useful answer about 3 of 3 open print orders for 6 hours or longer (since 2026-05-15 16:00 CEST)",
		"its last useful answer about an open order: 2026-05-15 15:00 CEST",
		"utskriftsleverandøren print.example.no har ikke gitt noe nyttig svar om 3 av 3 åpne utskriftsbestillinger på 6 timer eller mer (siden 2026-05-15 16:00 CEST)"} {
		if !strings.Contains(body, want) {
			t.Errorf("the mail lacks %q:\n%s", want, body)
		}
	}
	for _, not := range append([]string{"974760673", "Barnevern", "o-"}, ids...) {
		if strings.Contains(body, not) {
			t.Errorf("the mail names %q:\n%s", not, body)
		}
	}
	if m, h := b.sent(); m != 1 || h != 1 {
		t.Fatalf("fired: %d mails, %d webhook messages, want one each", m, h)
	}

	poll(b.now.Add(time.Minute), true) // the provider answers again
	b.now = b.now.Add(ev.Config.PrintSilent.KeepFiringFor + 2*time.Minute)
	res = b.run(ev)
	if len(res.Firing) != 0 || len(res.Resolved) != 1 || res.Resolved[0].Rule != policy.RulePrintSilent {
		t.Fatalf("answered again: firing %v, resolved %+v; want it resolved", active(res), res.Resolved)
	}
	b.sent()

	poll(b.now.Add(time.Minute), false)
	b.now = b.now.Add(7 * time.Hour)
	poll(b.now.Add(-time.Minute), false)
	ev.PrintProvider = "" // no print provider: nothing read
	if res := b.run(ev); len(res.Firing) != 0 {
		t.Fatalf("without a print provider: firing %v", active(res))
	}
}

// queuePrints puts print orders for ids in the outbox at t0, addresses
// found, as the print fallback does.
func queuePrints(t *testing.T, b *bench, ids []string, t0 time.Time) {
	t.Helper()
	ctx := context.Background()
	if _, err := b.st.CreatePrintOrders(ctx, ids, "taushetsbelagt", false, t0); err != nil {
		t.Fatal(err)
	}
	ls, err := b.st.ClaimPrintLookups(ctx, ids, t0, len(ids), time.Minute)
	if err != nil || len(ls) != len(ids) {
		t.Fatalf("claim lookups: %d %v", len(ls), err)
	}
	for _, l := range ls {
		if _, err := b.st.ResolvePrint(ctx, store.PrintResolution{ShipmentID: l.ShipmentID, Outcome: store.ResolveOrder, At: t0,
			Request: []byte(`{"documentRef":"x"}`)}); err != nil {
			t.Fatal(err)
		}
	}
}

// sendPrints claims the outbox rows of ids due at `at` and records the
// send's outcome r for each (an order placed gets the id "o-" and its
// letter's id).
func sendPrints(t *testing.T, b *bench, ids []string, at time.Time, r store.PrintSendResult) {
	t.Helper()
	ctx := context.Background()
	items, err := b.st.ClaimPrintOutbox(ctx, at, len(ids), time.Minute)
	if err != nil || len(items) != len(ids) {
		t.Fatalf("claim outbox: %d %v", len(items), err)
	}
	for _, it := range items {
		r.ShipmentID, r.At = it.ShipmentID, at
		if r.Outcome == store.SendOrdered {
			r.OrderID = "o-" + it.ShipmentID
		}
		if err := b.st.FinishPrintSend(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
}

// TestPrintStoppedThroughEvaluation: prints that stop before the provider
// has them alert once they have stopped for 6 hours, by e-mail naming what
// to check and the count, nothing of the letters or their recipients;
// resolved once they move on. Orders whose creates fail hour after hour (a
// provider answering 503 to every new order), and print decisions whose
// address lookups fail (Enhetsregisteret down: no order is made, none goes
// to manual handling; found by an independent review of the registers).
func TestPrintStoppedThroughEvaluation(t *testing.T) {
	ctx := context.Background()
	lookups := func(t *testing.T, b *bench, ids []string, at time.Time, r store.PrintResolution) {
		t.Helper()
		ls, err := b.st.ClaimPrintLookups(ctx, ids, at, len(ids), time.Minute)
		if err != nil || len(ls) != len(ids) {
			t.Fatalf("claim lookups at %s: %d %v", at, len(ls), err)
		}
		for _, l := range ls {
			r.ShipmentID, r.At = l.ShipmentID, at
			if _, err := b.st.ResolvePrint(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, tc := range []struct {
		name     string
		start    func(t *testing.T, b *bench, ids []string, t0 time.Time)
		fail, ok func(t *testing.T, b *bench, ids []string, at time.Time)
		mail     []string
	}{
		{"orders not placed", queuePrints,
			func(t *testing.T, b *bench, ids []string, at time.Time) {
				sendPrints(t, b, ids, at, store.PrintSendResult{Outcome: store.SendRetry, Error: "print provider: HTTP 503", RetryAt: at.Add(time.Hour)})
			},
			func(t *testing.T, b *bench, ids []string, at time.Time) {
				sendPrints(t, b, ids, at, store.PrintSendResult{Outcome: store.SendOrdered, State: store.PrintStateReceived, NextPollAt: at.Add(time.Hour)})
			},
			[]string{"the print provider print.example.no has not placed 3 print orders asked for 6 hours or longer", "POSTVAKT_PRINT_URL"}},
		{"address lookups failing",
			func(t *testing.T, b *bench, ids []string, t0 time.Time) {
				if _, err := b.st.CreatePrintOrders(ctx, ids, "taushetsbelagt", false, t0); err != nil {
					t.Fatal(err)
				}
			},
			func(t *testing.T, b *bench, ids []string, at time.Time) {
				lookups(t, b, ids, at, store.PrintResolution{Outcome: store.ResolveRetry, Detail: "register answered HTTP 503 for 974760673",
					RetryAt: at.Add(time.Hour)})
			},
			func(t *testing.T, b *bench, ids []string, at time.Time) {
				lookups(t, b, ids, at, store.PrintResolution{Outcome: store.ResolveOrder, Request: []byte(`{"documentRef":"x"}`)})
			},
			[]string{"the address lookups of 3 print decisions have failed for 6 hours or longer", "POSTVAKT_REGISTER_URL"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := newBench(t)
			ev := b.evaluator(io.Discard)
			for _, r := range policy.HealthRules {
				ev.Config.Common(r).Enabled = r == policy.RulePrintSilent
			}
			ev.PrintProvider = "print.example.no"
			ids := b.ids[:3]
			t0 := b.now
			tc.start(t, b, ids, t0)
			for h := 0; h <= 6; h++ {
				tc.fail(t, b, ids, t0.Add(time.Duration(h)*time.Hour))
			}
			b.now = t0.Add(5*time.Hour + 59*time.Minute)
			if res := b.run(ev); len(res.Firing) != 0 {
				t.Fatalf("stopped for 5h59m: firing %v", active(res))
			}
			b.now = t0.Add(6 * time.Hour)
			res := b.run(ev)
			if got := active(res); !reflect.DeepEqual(got, []string{"print_provider_silent provider=print.example.no"}) {
				t.Fatalf("stopped for 6h: firing %v", got)
			}
			ms := b.mp.Messages(t)
			if len(ms) != 1 {
				t.Fatalf("mails %v", ms)
			}
			for _, want := range tc.mail {
				if !strings.Contains(ms[0].Text, want) {
					t.Errorf("the mail does not say %q:\n%s", want, ms[0].Text)
				}
			}
			for _, not := range append([]string{"974760673", "Barnevern"}, ids...) {
				if strings.Contains(ms[0].Text, not) {
					t.Errorf("the mail names %q:\n%s", not, ms[0].Text)
				}
			}
			b.sent()
			tc.ok(t, b, ids, t0.Add(7*time.Hour))
			b.now = t0.Add(7*time.Hour + ev.Config.PrintSilent.KeepFiringFor + 2*time.Minute)
			if res := b.run(ev); len(res.Firing) != 0 || len(res.Resolved) != 1 {
				t.Fatalf("moved on: firing %v, resolved %+v; want it resolved", active(res), res.Resolved)
			}
		})
	}
}

// An order the provider accepted five days ago and still calls
// "received" (lost inside it: every status poll answers) fires the rule
// with its own reason, naming the host, the count and since when.
func TestPrintProviderSilentUnprinted(t *testing.T) {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	placed := now.Add(-6 * 24 * time.Hour)
	def := policy.DefaultHealth().PrintSilent
	if def.Unprinted != 5*24*time.Hour {
		t.Fatalf("default unprinted_after %s, want 5 days", def.Unprinted)
	}
	cs := health.PrintProviderSilent(def, health.Facts{Now: now, Print: &health.PrintProvider{Host: "print.example.no",
		Facts: store.PrintProviderFacts{Open: 3, Unprinted: 2, UnprintedSince: &placed}}})
	if len(cs) != 1 || len(cs[0].Why) != 1 || cs[0].Why[0].Key != "mail.alert.why.print_unprinted" {
		t.Fatalf("conditions %+v; want one saying orders stay unprinted", cs)
	}
	w := cs[0].Why[0]
	if w.Args["Provider"] != "print.example.no" || w.Args["Count"] != "2" || !strings.HasPrefix(w.Args["Since"], "2026-11-25") {
		t.Errorf("why %+v", w)
	}
	if !strings.Contains(cs[0].Summary, "2 print orders") || !strings.Contains(cs[0].Summary, "not printed") || !cs[0].Selector.NoLetters {
		t.Errorf("summary %q", cs[0].Summary)
	}
	off := def
	off.Enabled = false
	if cs := health.PrintProviderSilent(off, health.Facts{Now: now, Print: &health.PrintProvider{Host: "print.example.no",
		Facts: store.PrintProviderFacts{Open: 3, Unprinted: 2, UnprintedSince: &placed}}}); cs != nil {
		t.Errorf("disabled rule fired: %+v", cs)
	}
}
