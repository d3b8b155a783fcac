package printing_test

// From an independent review of the print fallback. The fake provider
// is provider_fake_test.go's (written from the contract, not the
// simulator); the channel's own print arrives through the store's real
// poll write (ClaimDue + ApplyPoll), as the SvarUt adapter maps
// SENDT_PRINT (available, disposition channel_print) and LEST (opened).

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"postvakt/internal/httpclient"
	"postvakt/internal/httpfake"
	"postvakt/internal/model"
	"postvakt/internal/printing"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// channelSays applies one SvarUt status to the letter id through the
// poller's write path.
func channelSays(t *testing.T, st *store.Store, id, status string, state model.State, closed string, at time.Time) {
	t.Helper()
	ctx := context.Background()
	storetest.Set(t, st, []string{id}, storetest.NextPollAt(at.Add(-time.Minute)))
	due, err := st.ClaimDue(ctx, "svarut", at, 1000, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	var rs []store.PollResult
	for _, d := range due {
		if d.ID != id {
			continue
		}
		next := at.Add(time.Hour)
		rs = append(rs, store.PollResult{Due: d, Source: "svarut", ObservedAt: at, Status: status, State: state, Closed: closed,
			ChangedAt: at, Payload: []byte(fmt.Sprintf(`{"id":%q,"status":%q}`, d.ChannelID, status)), NextPollAt: &next, RetryAt: next})
	}
	if len(rs) != 1 {
		t.Fatalf("letter %s not claimed for its poll (%d due)", id, len(due))
	}
	if _, err := st.ApplyPoll(ctx, rs); err != nil {
		t.Fatal(err)
	}
}

// TestManualCaseEndsWithChannelPrintOrOpening: a letter in manual handling
// (its recipient has no address in the register: a person is asked to
// print it by hand) that the channel then prints itself (SENDT_PRINT) or
// the recipient opens (LEST). README: "A letter the channel printed itself
// never gets a postvakt print order"; specs/README.md: "A shipment the
// channel prints by itself must not also get a postvakt print order." The
// manual case asks a person to print it by hand all the same: it stays on
// /manual (ManualQueue), which shows no state, with "printed by hand"
// offered, and the stage stays manual (channelMayEnd is false for manual).
func TestManualCaseEndsWithChannelPrintOrOpening(t *testing.T) {
	for _, c := range []struct {
		name, status string
		state        model.State
		closed       string
	}{
		{"channel printed it (SENDT_PRINT)", "SENDT_PRINT", model.StateAvailable, string(model.StageChannelPrint)},
		{"recipient opened it (LEST)", "LEST", model.StateOpened, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			st := storetest.Open(t)
			ids, now := printable(t, st, storetest.Letter(1))
			// The recipient has no address in the register.
			body := []byte(`{"organisasjonsnummer":"974760673","navn":"MOTTAKER AS"}`)
			if err := st.PutRegisterEntry(ctx, store.RegisterEntry{OrgNr: "974760673", Kind: store.RegisterEnhet, Status: 200, Body: body,
				Name: "MOTTAKER AS", FetchedAt: now}); err != nil {
				t.Fatal(err)
			}
			_, srv := newFakeProvider(t)
			svc := printService(t, st, srv.URL)
			if err := svc.Order(ctx, ids, "taushetsbelagt", false, now); err != nil {
				t.Fatal(err)
			}
			q, err := st.ManualQueue(ctx, store.Scope{}, 100)
			if err != nil || len(q) != 1 || q[0].Reason != printing.ReasonNoAddress {
				t.Fatalf("setup: manual queue %+v (%v), want the letter with no_address", q, err)
			}
			channelSays(t, st, ids[0], c.status, c.state, c.closed, now.Add(2*time.Hour))
			if _, err := svc.RunOnce(ctx, now.Add(3*time.Hour)); err != nil {
				t.Fatal(err)
			}
			sh, err := st.Shipment(ctx, ids[0], store.Scope{})
			if err != nil {
				t.Fatal(err)
			}
			q, err = st.ManualQueue(ctx, store.Scope{}, 100)
			if err != nil {
				t.Fatal(err)
			}
			if len(q) != 0 {
				t.Errorf("after %s: the letter (state %s, stage %s, channel status %s) is still on /manual as %q, "+
					"asking a person to print it by hand", c.status, sh.State, sh.Stage, sh.ChannelStatus, q[0].Reason)
			}
		})
	}
}

// TestCancelAnsweredWithOrderPrinted: the letter is opened after its
// order was placed; the provider answers the cancel 200 with the order as
// it is, already printed (a provider that answers a cancel it cannot do
// with the order rather than a 409). postvakt records "order … cancelled"
// in the evidence although the same answer says the order is printed.
func TestCancelAnsweredWithOrderPrinted(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	ids, now := printable(t, st, storetest.Letter(1))
	srv := oneOrderProvider(t, "printed", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"id":%q,"state":"printed"}`, r.PathValue("id"))
	})
	svc := placed(t, st, srv.URL, ids, now)
	channelSays(t, st, ids[0], "LEST", model.StateOpened, "", now.Add(time.Hour))
	if _, err := svc.PollStatus(ctx, now.Add(90*time.Minute)); err != nil {
		t.Fatal(err)
	}
	sh, err := st.Shipment(ctx, ids[0], store.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	ks := kinds(sh)
	if count(ks, store.EventPrintCancelled) > 0 {
		t.Errorf("evidence records the order cancelled, though the provider's answer says it is printed (stage %s): %v", sh.Stage, ks)
	}
}

// TestCancelEvidenceSaysWhy: the channel printed the letter itself
// after postvakt's order was placed (SENDT_PRINT, never opened): the order
// is cancelled, and the evidence says why: not "opened after the print
// order" (it did) for a letter nobody opened.
func TestCancelEvidenceSaysWhy(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	ids, now := printable(t, st, storetest.Letter(1))
	_, srv := newFakeProvider(t)
	svc := placed(t, st, srv.URL, ids, now)
	channelSays(t, st, ids[0], "SENDT_PRINT", model.StateAvailable, string(model.StageChannelPrint), now.Add(time.Hour))
	if _, err := svc.RunOnce(ctx, now.Add(90*time.Minute)); err != nil {
		t.Fatal(err)
	}
	sh, err := st.Shipment(ctx, ids[0], store.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range sh.Events {
		if ev.Kind == store.EventPrintCancelled || ev.Kind == store.EventPrintCancelRefused {
			t.Logf("state %s stage %s: %s %q", sh.State, sh.Stage, ev.Kind, ev.Message)
			if sh.State != model.StateOpened && len(ev.Message) >= 6 && ev.Message[:6] == "opened" {
				t.Errorf("evidence of a letter never opened (state %s, stage %s) says %q", sh.State, sh.Stage, ev.Message)
			}
		}
	}
}

// printService is the print service against the provider at url.
func printService(t *testing.T, st *store.Store, url string) *printing.Service {
	t.Helper()
	client, err := httpclient.New(httpclient.Options{Name: "print", BaseURL: url, MaxRetries: -1, BreakerThreshold: -1, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	return printing.New(st, printing.Options{Provider: client, ProviderAPIKey: "print-key", Logger: quiet})
}

// ordered is printService with the letters ids ordered (taushetsbelagt)
// at now, their orders not sent yet.
func ordered(t *testing.T, st *store.Store, url string, ids []string, now time.Time) *printing.Service {
	t.Helper()
	svc := printService(t, st, url)
	if err := svc.Order(context.Background(), ids, "taushetsbelagt", false, now); err != nil {
		t.Fatal(err)
	}
	return svc
}

// placed is printService with the letters ids ordered and their orders
// placed at now.
func placed(t *testing.T, st *store.Store, url string, ids []string, now time.Time) *printing.Service {
	t.Helper()
	svc := ordered(t, st, url, ids, now)
	if _, err := svc.Drain(context.Background(), now); err != nil {
		t.Fatal(err)
	}
	return svc
}

// TestCancelAnsweredAlreadyCancelled: the letter is opened after its order
// was placed; the provider answers the cancel 409 with the order's state
// cancelled (an earlier cancel, whose answer was lost, took effect).
// The order is cancelled, not "too late to cancel": the evidence must say
// so, and the run count it.
func TestCancelAnsweredAlreadyCancelled(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	ids, now := printable(t, st, storetest.Letter(1))
	srv := oneOrderProvider(t, "cancelled", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusConflict)
		fmt.Fprint(w, `{"error":"order already cancelled","state":"cancelled"}`)
	})
	svc := placed(t, st, srv.URL, ids, now)
	channelSays(t, st, ids[0], "LEST", model.StateOpened, "", now.Add(time.Hour))
	sum, err := svc.PollStatus(ctx, now.Add(90*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	sh, err := st.Shipment(ctx, ids[0], store.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	ks := kinds(sh)
	if count(ks, store.EventPrintCancelRefused) > 0 || count(ks, store.EventPrintCancelled) != 1 {
		t.Errorf("the provider says the order is cancelled; evidence: %v (want one %s, no %s)", ks,
			store.EventPrintCancelled, store.EventPrintCancelRefused)
	}
	if sh.Stage != model.StagePrintCancelled {
		t.Errorf("stage %s, want %s", sh.Stage, model.StagePrintCancelled)
	}
	if sum.Cancelled != 1 {
		t.Errorf("summary counts %d cancelled, want 1 (%s)", sum.Cancelled, sum)
	}
}

// oneOrderProvider is a print provider that takes one order, ord-1,
// answers its status with state, and a cancel with cancel.
func oneOrderProvider(t *testing.T, state string, cancel http.HandlerFunc) *httpfake.Server {
	srv := httpfake.New(t, httpfake.Bearer("print-key"))
	srv.Handle("POST /v1/orders", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprint(w, `{"id":"ord-1","state":"received"}`)
	})
	srv.Handle("GET /v1/orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"id":"ord-1","state":%q}`, state)
	})
	srv.Handle("POST /v1/orders/{id}/cancel", cancel)
	return srv
}
