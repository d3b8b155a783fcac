package printing_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// TestCreateAnswered422KeyUsedWithAnotherBody: the provider took the
// letter's order, its answer lost (a 503); asked again under the same key,
// it answers 422, "the key was used before with another order" (its
// contract: internal/sim/print.go). An order exists under the key: the
// letter goes to manual handling as print_key_used ("ask the provider for
// the order under that key before printing otherwise"), never sent again.
// It went as print_refused, "the print provider refused the order", and
// the person handling it printed by hand a letter the provider was
// printing too.
func TestCreateAnswered422KeyUsedWithAnotherBody(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	ids, now := printable(t, st, storetest.Letters(1)...)
	f, srv := newFakeProvider(t)
	key := "postvakt-print-" + ids[0]
	f.answer[key] = func(w http.ResponseWriter, id string, n int, isNew bool) {
		if n == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusUnprocessableEntity)
		fmt.Fprint(w, `{"error":"Idempotency-Key was used before with another order"}`)
	}
	svc := ordered(t, st, srv.URL, ids, now)
	for h := 0; h < 4; h++ {
		if _, err := svc.Drain(ctx, now.Add(time.Duration(h)*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	f.mu.Lock()
	creates := f.creates[key]
	f.mu.Unlock()
	if creates != 2 {
		t.Errorf("sent %d times, want twice (the 503, then the 422; never after it)", creates)
	}
	var m struct {
		Reason string `db:"reason"`
		Detail string `db:"detail"`
	}
	if err := st.DB().Get(&m, `SELECT reason, detail FROM print_manual WHERE shipment_id = $1`, ids[0]); err != nil {
		t.Fatal(err)
	}
	if m.Reason != store.ReasonPrintKeyUsed {
		t.Errorf("manual reason %q, want %s: an order exists under the key", m.Reason, store.ReasonPrintKeyUsed)
	}
	if !strings.Contains(m.Detail, key) || !strings.Contains(m.Detail, "HTTP 422") || strings.Contains(m.Detail, "409") {
		t.Errorf("manual detail %q: want the key and the provider's HTTP 422", m.Detail)
	}
	var why string
	if err := st.DB().Get(&why, `SELECT why::text FROM print_manual WHERE shipment_id = $1`, ids[0]); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(why, "print_key_other_body") {
		t.Errorf("manual detail's phrases %s: want manual.detail.print_key_other_body", why)
	}
}

// TestCreateAnswered400WebPage: a create answered 400 with a web page (a
// proxy's or a load balancer's, "400 Bad Request" in HTML, not the
// provider's JSON about the order) says nothing about the order: it is
// sent again under its key with its backoff, as the register's web-page
// 400 is asked again, and placed once the provider is reached. It went to
// manual handling as refused for good, "the print provider refused the
// order", for a letter the provider would print, and printed by hand where
// an earlier attempt had placed the order already.
func TestCreateAnswered400WebPage(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	ids, now := printable(t, st, storetest.Letters(1)...)
	f, srv := newFakeProvider(t)
	key := "postvakt-print-" + ids[0]
	f.answer[key] = func(w http.ResponseWriter, id string, n int, isNew bool) {
		if n <= 2 {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, "<html><head><title>400 Bad Request</title></head><body><center><h1>400 Bad Request</h1></center><hr><center>nginx</center></body></html>")
			return
		}
		fmt.Fprintf(w, `{"id":%q,"state":"received"}`, id)
	}
	svc := ordered(t, st, srv.URL, ids, now)
	for h := 0; h < 4; h++ {
		if _, err := svc.Drain(ctx, now.Add(time.Duration(h)*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	var p struct {
		State   string `db:"state"`
		OrderID string `db:"order_id"`
	}
	if err := st.DB().Get(&p, `SELECT state, order_id FROM print_orders WHERE shipment_id = $1`, ids[0]); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	want, creates := f.orders[key], f.creates[key]
	f.mu.Unlock()
	if p.State != store.PrintStateReceived || p.OrderID != want || creates != 3 {
		t.Errorf("print %+v after %d creates; want received, order %q, placed at the third", p, creates, want)
	}
	var manual int
	if err := st.DB().Get(&manual, `SELECT count(*) FROM print_manual WHERE shipment_id = $1`, ids[0]); err != nil || manual != 0 {
		t.Errorf("manual handling cases: %d (%v), want none", manual, err)
	}
}

// TestCreateRefusedAfterAnAttemptThatMayHavePlacedIt: the provider took
// the letter's order, its answer lost (a 503); asked again under the same
// key, it answers a JSON 400 (a validation rule changed meanwhile, or an
// idempotency layer that answers 400 for a key in use). The letter goes
// to manual handling as refused, but an order may exist under the key:
// the case names the key and says to ask the provider for it before
// printing by hand. It said only "the print provider refused the order",
// and the letter was printed by hand beside the provider's order. A 400
// to a first attempt (nothing sent before) says nothing of the key.
func TestCreateRefusedAfterAnAttemptThatMayHavePlacedIt(t *testing.T) {
	for _, c := range []struct {
		name      string
		first503  bool
		wantKey   bool
		wantWhyID string
	}{
		{"400 after a 503", true, true, "print_refused_after_attempt"},
		{"400 at once", false, false, "manual.detail.print_refused\""},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			st := storetest.Open(t)
			ids, now := printable(t, st, storetest.Letters(1)...)
			f, srv := newFakeProvider(t)
			key := "postvakt-print-" + ids[0]
			f.answer[key] = func(w http.ResponseWriter, id string, n int, isNew bool) {
				if n == 1 && c.first503 {
					w.WriteHeader(http.StatusServiceUnavailable)
					return
				}
				w.WriteHeader(http.StatusBadRequest)
				fmt.Fprint(w, `{"title":"Bad Request","status":400,"detail":"postalCode does not match city"}`)
			}
			svc := ordered(t, st, srv.URL, ids, now)
			for h := 0; h < 3; h++ {
				if _, err := svc.Drain(ctx, now.Add(time.Duration(h)*time.Hour)); err != nil {
					t.Fatal(err)
				}
			}
			var m struct {
				Reason string `db:"reason"`
				Detail string `db:"detail"`
				Why    string `db:"why"`
			}
			if err := st.DB().Get(&m, `SELECT reason, detail, why::text AS why FROM print_manual WHERE shipment_id = $1`, ids[0]); err != nil {
				t.Fatal(err)
			}
			if m.Reason != "print_refused" || !strings.Contains(m.Detail, "HTTP 400") {
				t.Errorf("manual case %+v, want print_refused with the provider's HTTP 400", m)
			}
			if strings.Contains(m.Detail, key) != c.wantKey || strings.Contains(m.Why, key) != c.wantKey {
				t.Errorf("manual case %+v: names the key %s: want %v", m, key, c.wantKey)
			}
			if !strings.Contains(m.Why, c.wantWhyID) {
				t.Errorf("manual detail's phrases %s: want %s", m.Why, c.wantWhyID)
			}
		})
	}
}
