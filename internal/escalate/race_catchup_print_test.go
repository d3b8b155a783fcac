package escalate

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"postvakt/internal/httpclient"
	"postvakt/internal/printing"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// racingPrinter is the escalation run's Printer with the print job of the
// same service (its own cron job and cluster-wide lock "print", so it runs
// beside the escalation run even on one replica) getting in between: the
// run has committed its decisions (stage print_due) in flush, and before it
// hands the ids to Order, the print job's Drain runs and its orphan sweep
// (PrintDueWithoutOrder) finds them.
type racingPrinter struct {
	svc  *printing.Service
	now  time.Time
	once sync.Once
	t    *testing.T
	// what the escalation run asked for
	approval bool
}

func (p *racingPrinter) Order(ctx context.Context, ids []string, policyName string, requiresApproval bool, now time.Time) error {
	p.approval = requiresApproval
	p.once.Do(func() {
		if p.svc == nil {
			return
		}
		if _, err := p.svc.Drain(ctx, now); err != nil {
			p.t.Errorf("the print job's drain: %v", err)
		}
	})
	return p.svc.Order(ctx, ids, policyName, requiresApproval, now)
}

// A letter the escalation meets already past its print window follows
// catch_up (default: one reminder, print 5 business days later, held for
// approval). Its organisation has no reminder address, so the catch-up
// print comes 5 business days after the escalation first met it, held for
// a compliance officer. The escalation run commits stage print_due before
// it hands the letter to the printer; when the print job's sweep of
// print-due letters without an order gets in between, it applies the same
// rule (policy.PrintNeedsApproval with the letter's catch_up_at), so the
// print is held all the same.
func TestRaceCatchUpPrintOrderedWithoutApprovalByOrphanSweep(t *testing.T) {
	catchUpPrint(t, true)
}

// The control: without the print job getting in between, the same letter's
// print is held for approval.
func TestCatchUpPrintHeldWithoutRaceControl(t *testing.T) {
	catchUpPrint(t, false)
}

func catchUpPrint(t *testing.T, racing bool) {
	h := newHarness(t)
	tp, _ := h.esc.Policies.Get("taushetsbelagt")
	if tp.Print.RequiresApproval || !tp.CatchUp.RequiresApproval {
		t.Fatalf("setup: want print.requires_approval false and catch_up.requires_approval true, got %v / %v",
			tp.Print.RequiresApproval, tp.CatchUp.RequiresApproval)
	}
	ids, _ := h.register(ship{recipient: firmaA, class: "taushetsbelagt", conf: true, sent: time.Date(2026, 9, 1, 10, 0, 0, 0, oslo)})
	met := time.Date(2026, 11, 17, 10, 0, 0, 0, oslo) // the escalation first meets it: catch-up starts
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, oslo) // past the catch-up grace: catch-up print due

	// The register's answer is cached (fresh), so no register call is needed.
	storetest.CacheRegisterAnswer(t, h.st, firmaA, now)
	// A print provider that takes every order.
	var mu sync.Mutex
	var keys []string
	prov := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		keys = append(keys, r.Header.Get("Idempotency-Key"))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(map[string]string{"id": "order-1", "state": "received"})
	}))
	defer prov.Close()
	client, err := httpclient.New(httpclient.Options{Name: "print", BaseURL: prov.URL, MaxRetries: 0, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	svc := printing.New(h.st, printing.Options{Provider: client, Policies: h.esc.Policies, Logger: slog.New(slog.DiscardHandler)})
	rp := &racingPrinter{svc: svc, t: t}
	if !racing {
		rp.once.Do(func() {}) // the print job does not get in between
	}
	h.esc.Printer = rp

	h.run(met)
	var catchUp *time.Time
	if err := h.st.DB().Get(&catchUp, `SELECT catch_up_at FROM shipments WHERE id = $1`, ids[0]); err != nil || catchUp == nil {
		t.Fatalf("setup: the first run did not start the catch-up (%v)", err)
	}
	sum := h.run(now)
	t.Logf("second run: %s", sum)
	if !rp.approval {
		t.Fatalf("setup: the escalation run did not ask for approval of the catch-up print")
	}
	var state string
	var approval bool
	if err := h.st.DB().QueryRow(`SELECT state, requires_approval FROM print_orders WHERE shipment_id = $1`, ids[0]).Scan(&state, &approval); err != nil {
		t.Fatal(err)
	}
	t.Logf("print order: state %s, requires_approval %v; provider orders: %v", state, approval, keys)
	if state != store.PrintStateHeld || !approval {
		t.Errorf("a catch-up print under catch_up.requires_approval must wait in an approval batch; it is %s (requires_approval %v)", state, approval)
	}
	if len(keys) > 0 {
		t.Errorf("the print provider got %d order(s) for a catch-up letter no compliance officer released", len(keys))
	}
}
