// Package printing is postvakt's fall back to ordinary printed post for a
// confidential shipment that stayed unopened past its policy's print window.
//
// The flow, each step crash-safe and run by any replica:
//
//  1. Order (called by escalate) records the decision for each shipment that
//     may still be printed and has none yet: one print_orders row per
//     shipment, ever. It then looks up the postal address.
//  2. The address comes from the business register (Enhetsregisteret,
//     cached with a TTL, shared with the names job: internal/register):
//     postadresse, else forretningsadresse (a sub-unit's
//     beliggenhetsadresse). A policy whose print is Digital Post's physical
//     post (print.via: digitalpost) sends the letter to manual handling for
//     its sending unit. A person recipient, a Danish CVR, an unknown,
//     removed, deleted, closed, bankrupt or liquidating organisation, or one
//     without an address goes to manual handling with the reason. A
//     register that cannot be asked is asked again later (Drain).
//  3. With an address, the decision and an outbox row commit together
//     (stage print_ordered, event print_decided), or, when the policy
//     requires approval, the print waits in the policy's held batch until a
//     compliance officer releases it (outbox) or rejects it.
//  4. Drain sends the outbox: claims rows (FOR UPDATE SKIP LOCKED, lease),
//     calls the print provider with the idempotency key
//     "postvakt-print-<shipment id>" and the order body fixed at decision
//     time, then records the order and its event in one transaction. A crash
//     anywhere leaves the row to be sent again under the same key, so the
//     provider holds exactly one order.
//  5. PollStatus follows each order (received → printed → posted, or
//     failed) and logs every change; printed or posted closes the shipment's
//     escalation, failed goes to manual handling. A shipment opened after its
//     order was placed gets the order cancelled if the provider still allows
//     it; either outcome is an event.
//
// Times come from the caller (now), so tests and the escalation run control
// the clock.
package printing

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"postvakt/internal/httpclient"
	"postvakt/internal/policy"
	"postvakt/internal/store"
)

// Store is what the print fallback needs from storage; *store.Store is one.
type Store interface {
	RegisterEntry(ctx context.Context, orgnr string) (*store.RegisterEntry, error)
	PutRegisterEntry(ctx context.Context, e store.RegisterEntry) error
	CreatePrintOrders(ctx context.Context, ids []string, policy string, requiresApproval bool, now time.Time) ([]string, error)
	ClaimPrintLookups(ctx context.Context, ids []string, now time.Time, limit int, lease time.Duration) ([]store.PrintLookup, error)
	ResolvePrint(ctx context.Context, r store.PrintResolution) (string, error)
	ClaimPrintOutbox(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]store.PrintOutboxItem, error)
	ReleasePrintOutbox(ctx context.Context, items []store.PrintOutboxItem, now time.Time) error
	PrintStillWanted(ctx context.Context, shipmentID string) (bool, error)
	FinishPrintSend(ctx context.Context, r store.PrintSendResult) error
	ClaimPrintPolls(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]store.PrintPoll, error)
	ApplyPrintStatus(ctx context.Context, u store.PrintStatusUpdate) error
	PrintWitness(ctx context.Context, exceptShipments []string) (string, error)
	PrintDueWithoutOrder(ctx context.Context, after string, limit int) ([]store.PrintDueShipment, error)
	ReleasePrintBatch(ctx context.Context, id int64, by string, now time.Time) (store.BatchDecision, error)
	RejectPrintBatch(ctx context.Context, id int64, by string, now time.Time) (store.BatchDecision, error)
	ReleasePrintBatchSeen(ctx context.Context, id int64, seen store.PrintBatchSeen, by string, now time.Time) (store.BatchDecision, error)
	RejectPrintBatchSeen(ctx context.Context, id int64, seen store.PrintBatchSeen, by string, now time.Time) (store.BatchDecision, error)
}

// Policies matches a shipment to its policy; *policy.Set is one.
type Policies interface {
	Match(f policy.Facts) (*policy.Policy, error)
}

// Doer sends one request with retries; *httpclient.Client is one.
type Doer interface {
	Do(ctx context.Context, req httpclient.Request) (*httpclient.Response, error)
}

// The points where Options.Crash is called. They exist for the crash test
// (postvakt print drain with POSTVAKT_TEST_CRASH_AT): a process killed there
// must still end with exactly one order per shipment at the provider.
const (
	// CrashAfterOutboxCommit: outbox rows are claimed and committed, the
	// provider is not called yet.
	CrashAfterOutboxCommit = "after-outbox-commit"
	// CrashAfterProviderCall: the provider answered, its answer is not
	// committed yet.
	CrashAfterProviderCall = "after-provider-call"
)

// Options configure a Service.
type Options struct {
	// Register is the client of the business register; its base URL is
	// POSTVAKT_REGISTER_URL (e.g. https://data.brreg.no/enhetsregisteret/api),
	// asked through register.Brreg (/enheter/{orgnr}, then
	// /underenheter/{orgnr}). Required with a Provider.
	Register Doer
	// Provider is the client of the print provider; its base URL is
	// POSTVAKT_PRINT_URL, to which /v1/orders… is appended. Without one
	// (and then without a Register) the Service only sends the letters of
	// policies whose print is Digital Post's physical post (print.via:
	// digitalpost) to manual handling; print-due letters of the other
	// policies wait in stage print_due.
	Provider Doer
	// ProviderAPIKey, when set, is sent as "Authorization: Bearer <key>".
	ProviderAPIKey string
	// CacheTTL is how long a register answer is used. Default 24h.
	CacheTTL time.Duration
	// Lease is how long a claimed row stays out of other workers' reach.
	// Default 5 minutes. A batch of slow calls may outlast it: another
	// worker then claims the rows left, sends them under the same key, and
	// the first records nothing more of them (store.PrintSendResult.Claim).
	Lease time.Duration
	// BatchSize is how many rows one claim takes. Default 50.
	BatchSize int
	// PollEvery is the interval between status polls of an order that is
	// not final. Default 1 hour.
	PollEvery time.Duration
	// Policies, when set, lets Drain order print-due shipments whose
	// hand-off from the escalation run was lost (a crash between its
	// decision and Order): their policy is matched again. A *policy.Set
	// also says which physical post each policy's print is (print.via).
	Policies Policies
	// Logger; default slog.Default().
	Logger *slog.Logger
	// Crash, when set, is called at the Crash* points. Test only.
	Crash func(point string)
}

// Service runs the print fallback.
type Service struct {
	st    Store
	opt   Options
	log   *slog.Logger
	crash func(point string)
}

// New returns a Service.
func New(st Store, opt Options) *Service {
	if opt.CacheTTL <= 0 {
		opt.CacheTTL = 24 * time.Hour
	}
	if opt.Lease <= 0 {
		opt.Lease = 5 * time.Minute
	}
	if opt.BatchSize <= 0 {
		opt.BatchSize = 50
	}
	if opt.PollEvery <= 0 {
		opt.PollEvery = time.Hour
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	crash := opt.Crash
	if crash == nil {
		crash = func(string) {}
	}
	return &Service{st: st, opt: opt, log: opt.Logger.With("component", "printing"), crash: crash}
}

// Summary counts what a run did.
type Summary struct {
	Decided   int // new print decisions (Order)
	Queued    int // to the outbox
	Held      int // to a held batch
	Manual    int // to manual handling
	Skipped   int // opened or closed before anything was sent
	Ordered   int // orders placed at the provider
	Retried   int // register or provider calls to try again later
	Polled    int // order status polls and cancels
	Changed   int // order state changes seen
	Cancelled int // orders cancelled because the shipment was opened
	// NotPlaced are the shipments whose print order the provider did not
	// take this run (tried again later; counted in Retried too).
	NotPlaced []string
}

func (s Summary) String() string {
	return fmt.Sprintf("decided=%d queued=%d held=%d manual=%d skipped=%d ordered=%d retried=%d polled=%d changed=%d cancelled=%d",
		s.Decided, s.Queued, s.Held, s.Manual, s.Skipped, s.Ordered, s.Retried, s.Polled, s.Changed, s.Cancelled)
}

// Order records the decision to print for the given shipments under a
// policy, and looks up their addresses at once: each goes to the outbox, to
// the policy's held batch (requiresApproval), or to manual handling. A
// shipment that already has a print decision, was opened or rejected, or was
// printed or closed by its channel is left alone, so Order may be called again
// with the same ids. An address that cannot be looked up now is looked up
// by a later Drain; the error returned is only about storage.
func (s *Service) Order(ctx context.Context, shipmentIDs []string, policyName string, requiresApproval bool, now time.Time) error {
	return s.order(ctx, shipmentIDs, policyName, requiresApproval, now, &Summary{})
}

// order is Order counting into sum.
func (s *Service) order(ctx context.Context, ids []string, policyName string, approval bool, now time.Time, sum *Summary) error {
	if !s.printsFor(policyName) {
		return nil // no provider: the shipments wait in stage print_due
	}
	before := *sum
	created, err := s.st.CreatePrintOrders(ctx, ids, policyName, approval, now)
	if err != nil {
		return err
	}
	sum.Decided += len(created)
	for len(created) > 0 {
		chunk := created[:min(len(created), s.opt.BatchSize)]
		created = created[len(chunk):]
		claimed, err := s.st.ClaimPrintLookups(ctx, chunk, now, len(chunk), s.opt.Lease)
		if err != nil {
			return err
		}
		if err := s.resolve(ctx, claimed, now, sum); err != nil {
			return err
		}
	}
	if n := sum.Decided - before.Decided; n > 0 {
		s.log.Info("print decided", "policy", policyName, "shipments", n, "queued", sum.Queued-before.Queued,
			"held", sum.Held-before.Held, "manual", sum.Manual-before.Manual, "lookup_later", sum.Retried-before.Retried)
	}
	return nil
}

// HasProvider reports whether the Service has a print provider (and a
// register): without one it handles only print.via: digitalpost.
func (s *Service) HasProvider() bool { return s.opt.Provider != nil }

// printsFor reports whether the Service can handle the print of the named
// policy: every policy's with a provider, else only a policy's whose print
// is Digital Post's physical post (it needs neither register nor provider).
func (s *Service) printsFor(policyName string) bool {
	return s.HasProvider() || s.viaOf(policyName) == policy.PrintViaDigitalPost
}

// Job is the scheduled print job (once cluster-wide): RunOnce now.
func (s *Service) Job(ctx context.Context) error {
	_, err := s.RunOnce(ctx, time.Now())
	return err
}

// RunOnce does what the scheduled job does: Drain, then PollStatus. Without
// a provider there is no outbox to send and no order to follow: it only
// hands the print-due letters of print.via: digitalpost policies whose
// hand-off from the escalation run was lost to manual handling.
func (s *Service) RunOnce(ctx context.Context, now time.Time) (Summary, error) {
	if !s.HasProvider() {
		return s.run(ctx, now, s.orphans) // print.via: digitalpost only (printsFor)
	}
	return s.run(ctx, now, s.drain, s.pollStatus)
}

// run does steps in turn as of now, counting into one Summary, and stops
// at the first error.
func (s *Service) run(ctx context.Context, now time.Time, steps ...func(context.Context, time.Time, *Summary) error) (Summary, error) {
	var sum Summary
	for _, step := range steps {
		if err := step(ctx, now, &sum); err != nil {
			return sum, err
		}
	}
	return sum, nil
}

// Approve releases a held print batch on behalf of by (a user's name): its
// prints go to the outbox, sent by the next Drain. It returns how many,
// and how many of the batch are not printed (their letters opened or
// ended since they were held).
func (s *Service) Approve(ctx context.Context, batchID int64, by string, now time.Time) (store.BatchDecision, error) {
	d, err := s.st.ReleasePrintBatch(ctx, batchID, by, now)
	if err != nil {
		return d, fmt.Errorf("release print batch %d: %w", batchID, err)
	}
	s.log.Info("print batch released", "batch", batchID, "by", by, "prints", d.Decided, "skipped", d.Skipped)
	return d, nil
}

// Reject rejects a held print batch on behalf of by: nothing in it is
// printed. It returns how many prints were rejected, and how many of the
// batch were called off before (Approve).
func (s *Service) Reject(ctx context.Context, batchID int64, by string, now time.Time) (store.BatchDecision, error) {
	d, err := s.st.RejectPrintBatch(ctx, batchID, by, now)
	if err != nil {
		return d, fmt.Errorf("reject print batch %d: %w", batchID, err)
	}
	s.log.Info("print batch rejected", "batch", batchID, "by", by, "prints", d.Decided, "skipped", d.Skipped)
	return d, nil
}

// retryDelay is the wait before the attempt after the given number of failed
// ones: 1, 2, 4 … minutes, at most an hour.
func retryDelay(failed int) time.Duration {
	d := time.Minute
	for i := 1; i < failed && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}

// Over is s with its database work through st instead: the UI's release
// and reject of held batches go through the requests' store, whose
// statements the database ends after POSTVAKT_STATEMENT_TIMEOUT, so a
// decision waiting behind a lock is answered instead of held for minutes.
func (s *Service) Over(st Store) *Service {
	c := *s
	c.st = st
	return &c
}

// ReleaseBatch is Approve for the web UI (web.PrintApprovals): it releases
// the batch only when it still holds exactly the prints the officer saw,
// all within the officer's scope (else an error wrapping
// store.ErrBatchChanged, and nothing released).
func (s *Service) ReleaseBatch(ctx context.Context, id int64, seen store.PrintBatchSeen, actor string, now time.Time) (store.BatchDecision, error) {
	d, err := s.st.ReleasePrintBatchSeen(ctx, id, seen, actor, now)
	if err != nil {
		return d, fmt.Errorf("release print batch %d: %w", id, err)
	}
	s.log.Info("print batch released", "batch", id, "by", actor, "prints", d.Decided, "skipped", d.Skipped)
	return d, nil
}

// RejectBatch is Reject for the web UI (web.PrintApprovals), with the
// checks of ReleaseBatch.
func (s *Service) RejectBatch(ctx context.Context, id int64, seen store.PrintBatchSeen, actor string, now time.Time) (store.BatchDecision, error) {
	d, err := s.st.RejectPrintBatchSeen(ctx, id, seen, actor, now)
	if err != nil {
		return d, fmt.Errorf("reject print batch %d: %w", id, err)
	}
	s.log.Info("print batch rejected", "batch", id, "by", actor, "prints", d.Decided, "skipped", d.Skipped)
	return d, nil
}
