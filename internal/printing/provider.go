package printing

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-resty/resty/v2"

	"postvakt/internal/httpclient"
)

// The print provider's API (internal/sim/print.go is the contract):
//
//	POST /v1/orders  Idempotency-Key: <key>  {documentRef, recipientName, address{lines, postalCode, city, countryCode}}
//	     201 new order, 200 the order made earlier under the key; 400 invalid (a web page
//	         instead, a proxy's, says nothing about the order: sent again);
//	     409 the key used before: an order exists under it. One the answer names is that order
//	         (createdOrder); one it does not name cannot be looked up (no search by key) and is
//	         never sent again (a provider that forgets keys would take a second order): manual
//	         handling (keyUsedError); 422 the key used before with another body: an order exists
//	         under it all the same, not named: the same (keyUsedError.otherBody)
//	GET  /v1/orders/{id}
//	POST /v1/orders/{id}/cancel  200 cancelled; 409 {"error", "state"} too late

// orderRequest is the body of a new print order. It is stored at decision
// time and re-encoded through this struct before every send, so every retry
// sends the same bytes.
type orderRequest struct {
	DocumentRef   string       `json:"documentRef"`
	RecipientName string       `json:"recipientName"`
	Address       printAddress `json:"address"`
}

// printAddress is a postal address on a print order.
type printAddress struct {
	Lines       []string `json:"lines"`
	PostalCode  string   `json:"postalCode"`
	City        string   `json:"city"`
	CountryCode string   `json:"countryCode"`
}

// providerOrder is an order as the provider reports it.
type providerOrder struct {
	ID            orderID `json:"id"`
	State         string  `json:"state"`
	FailureReason string  `json:"failureReason"`
}

// UnmarshalJSON reads an order as the provider writes it, its state as
// postvakt names the states (stateOf).
func (o *providerOrder) UnmarshalJSON(b []byte) error {
	type plain providerOrder
	if err := json.Unmarshal(b, (*plain)(o)); err != nil {
		return err
	}
	o.State = stateOf(o.State)
	return nil
}

// stateOf is an order state the provider wrote as postvakt names it: a
// provider writing "PRINTED" or "Posted" means printed and posted, which
// otherwise would be states postvakt does not know (every poll of the
// order failed, its letter's escalation never closed).
func stateOf(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// orderID is the provider's order id: a string, or a whole number as a
// provider whose ids are database keys writes it (12345 names the order
// "12345"; refused, the created order would be sent again and again).
type orderID string

func (id *orderID) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*id = orderID(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("an order id is a string or a whole number, not %s", b)
	}
	if _, err := n.Int64(); err != nil {
		return fmt.Errorf("an order id is a string or a whole number, not %s", n)
	}
	*id = orderID(n.String())
	return nil
}

// knownState reports whether s is an order state postvakt understands.
func knownState(s string) bool {
	switch s {
	case "received", "printed", "posted", "failed", "cancelled":
		return true
	}
	return false
}

// refusedError is a provider answer that will not change on a retry (a
// 400): the order needs a person.
type refusedError struct{ err error }

func (e *refusedError) Error() string { return e.err.Error() }
func (e *refusedError) Unwrap() error { return e.err }

// keyUsedError is the provider's 409 to a create that does not name the
// order: an order exists under the key, postvakt cannot tell which (the
// API has no search by key), and sending again would get the same answer
// or, from a provider that has forgotten the key, a second order: the
// letter goes to manual handling (store.SendKeyUsed), never sent again.
// So does its 422 (otherBody): the key was used before with another body,
// so an order exists under it too; taken for a refusal, the letter was
// printed by hand beside the provider's order.
type keyUsedError struct {
	err       error
	otherBody bool // a 422: the key was used with another body
}

func (e *keyUsedError) Error() string {
	if e.otherBody {
		return "the print provider answered 422: the idempotency key was used before with another order, which exists under it, not named: " + e.err.Error()
	}
	return "the print provider answered 409: an order exists under the idempotency key, but the answer does not name it: " + e.err.Error()
}
func (e *keyUsedError) Unwrap() error { return e.err }

// tooLateError is the provider's 409 to a cancel: the order is already in
// state.
type tooLateError struct{ state string }

func (e *tooLateError) Error() string { return "too late to cancel: the order is " + e.state }

// notAskedError is a call not made: earlier in the run the provider
// answered that it is not to be asked again (noteStop): it asked postvakt
// to slow down (a 429 with its Retry-After, which the call waits out too),
// or it refused a call itself (401, 403).
type notAskedError struct{ stop *httpclient.StatusError }

func (e *notAskedError) Error() string {
	return "print provider not asked: " + httpclient.StopAsking(e.stop).Error()
}
func (e *notAskedError) Unwrap() error { return e.stop }

// noteStop sets *stop to err's answer when err says the provider is not to
// be asked again in the run (httpclient.StopAsking: it asked postvakt to
// slow down, or it refused the request itself, a rotated API key refusing
// every call alike), and nothing did before. The run then asks it nothing
// more (notAskedError).
func noteStop(err error, stop **httpclient.StatusError) {
	var se *httpclient.StatusError
	if *stop == nil && httpclient.StopAsking(err) != nil && errors.As(err, &se) {
		*stop = se
	}
}

// notPlaced reports whether a create that failed with err certainly took
// no order: it never reached the provider (httpclient.NotReached, no
// provider, not asked: notAskedError), or the provider answered it with
// a 4xx that takes none (a 401 after its key changed, a 403, a 404 at a
// wrong path, a 429; 400, 409 and 422 are answered apart) and no earlier
// attempt of the call may have reached it (StatusError.EarlierMayHaveActed:
// a 503 after the order was read). A 408 is left out: a proxy may answer
// it after the request went on.
func notPlaced(err error) bool {
	if errors.Is(err, errNoProvider) || httpclient.NotReached(err) || errors.As(err, new(*notAskedError)) {
		return true
	}
	var se *httpclient.StatusError
	return errors.As(err, &se) && se.StatusCode >= 400 && se.StatusCode < 500 && se.StatusCode != http.StatusRequestTimeout &&
		!se.EarlierMayHaveActed
}

// errNoProvider is a call made without a print provider.
var errNoProvider = errors.New("no print provider configured (POSTVAKT_PRINT_URL)")

// failureClass names what kind of failure err of call is without any of
// its content: the class of a failed HTTP call (httpclient.Class: "HTTP
// 503", "timeout"), "no provider configured", or "unexpected answer" (not
// the expected JSON, an unknown state).
func failureClass(err error) string {
	if c := httpclient.Class(err); c != "" {
		return c
	}
	if errors.Is(err, errNoProvider) {
		return "no provider configured"
	}
	return "unexpected answer"
}

// call sends one provider request and decodes its order. It returns the raw
// answer, kept as evidence, with any error.
func (s *Service) call(ctx context.Context, op, method, path, key string, body []byte) (providerOrder, []byte, error) {
	if s.opt.Provider == nil {
		return providerOrder{}, nil, errNoProvider
	}
	resp, err := s.opt.Provider.Do(ctx, httpclient.Request{Op: op, Method: method, Path: path,
		Prepare: func(_ context.Context, r *resty.Request) error {
			r.SetHeader("Accept", "application/json")
			if s.opt.ProviderAPIKey != "" {
				r.SetAuthToken(s.opt.ProviderAPIKey)
			}
			if key != "" {
				r.SetHeader("Idempotency-Key", key)
			}
			if body != nil {
				r.SetHeader("Content-Type", "application/json").SetBody(body)
			}
			return nil
		}})
	var raw []byte
	if resp != nil {
		raw = resp.Body
	}
	var se *httpclient.StatusError
	if errors.As(err, &se) {
		switch {
		case op == "create" && (se.StatusCode == http.StatusBadRequest || se.StatusCode == http.StatusUnprocessableEntity) &&
			resp != nil && resp.WebPage():
			// A proxy's page (a load balancer's "400 Bad Request"), not
			// the provider's answer about the order: sent again under
			// its key with its backoff, never taken for a refusal.
			return providerOrder{}, raw, fmt.Errorf("print provider create: HTTP %d with a web page, not the provider's answer "+
				"(a proxy, or POSTVAKT_PRINT_URL is not the API's address): %w", se.StatusCode, err)
		case op == "create" && se.StatusCode == http.StatusBadRequest:
			return providerOrder{}, raw, &refusedError{err}
		case op == "create" && se.StatusCode == http.StatusUnprocessableEntity:
			// The key was used before with another body: an order
			// exists under it (an earlier send whose answer was lost),
			// not named. Not a refusal: printed otherwise, the letter
			// would be printed twice.
			return providerOrder{}, raw, &keyUsedError{err: err, otherBody: true}
		case op == "create" && se.StatusCode == http.StatusConflict:
			// The key was used before (an earlier send whose answer was
			// lost): the order under it is placed, when the answer names
			// it; one that does not goes to manual handling.
			if o, ok := createdOrder(raw); ok {
				return o, raw, nil
			}
			return providerOrder{}, raw, &keyUsedError{err: err}
		case op == "cancel" && se.StatusCode == http.StatusConflict:
			var st struct {
				State string `json:"state"`
			}
			if json.Unmarshal(raw, &st) == nil && knownState(stateOf(st.State)) {
				return providerOrder{}, raw, &tooLateError{state: stateOf(st.State)}
			}
		}
	}
	if err != nil {
		return providerOrder{}, raw, fmt.Errorf("print provider %s: %w", op, err)
	}
	if op == "create" {
		if o, ok := createdOrder(raw); ok {
			return o, raw, nil
		}
	}
	var o providerOrder
	if err := json.Unmarshal(raw, &o); err != nil {
		return o, raw, fmt.Errorf("print provider %s: answer is not the expected JSON: %w", op, err)
	}
	if o.ID == "" {
		return o, raw, fmt.Errorf("print provider %s: answer lacks an order id", op)
	}
	if !knownState(o.State) {
		return o, raw, fmt.Errorf("print provider %s: %w %q", op, errUnknownState, o.State)
	}
	return o, raw, nil
}

// errUnknownState: the provider's answer named the order, in a state
// postvakt does not know. It knows the order (a run of 404s ends), but
// the poll learnt nothing to act on.
var errUnknownState = errors.New("the order is in a state postvakt does not know:")

// createdOrder reads the provider's answer to a create (201, 200, or 409
// for a key used before) as the order it holds under the key: one with an
// id is placed, whatever its state says. A state postvakt does not know is
// taken as "received" (placed, not final), so the order is recorded and
// followed by PollStatus, which reports the unknown state, rather than the
// create being sent again and again for an order that exists.
func createdOrder(raw []byte) (providerOrder, bool) {
	var o providerOrder
	if json.Unmarshal(raw, &o) != nil || strings.TrimSpace(string(o.ID)) == "" {
		return providerOrder{}, false
	}
	if !knownState(o.State) {
		o.State = "received"
	}
	return o, true
}

// createOrder places (or finds again, by key) the order for one outbox row.
func (s *Service) createOrder(ctx context.Context, key string, stored []byte) (providerOrder, []byte, error) {
	var req orderRequest
	if err := json.Unmarshal(stored, &req); err != nil {
		return providerOrder{}, nil, &refusedError{fmt.Errorf("stored print order is unreadable: %w", err)}
	}
	body, err := json.Marshal(req)
	if err != nil {
		return providerOrder{}, nil, fmt.Errorf("encode print order: %w", err)
	}
	return s.call(ctx, "create", http.MethodPost, "/v1/orders", key, body)
}

func (s *Service) getOrder(ctx context.Context, id string) (providerOrder, []byte, error) {
	return sameOrder("get", id)(s.call(ctx, "get", http.MethodGet, "/v1/orders/"+url.PathEscape(id), "", nil))
}

func (s *Service) cancelOrder(ctx context.Context, id string) (providerOrder, []byte, error) {
	return sameOrder("cancel", id)(s.call(ctx, "cancel", http.MethodPost, "/v1/orders/"+url.PathEscape(id)+"/cancel", "", []byte("{}")))
}

// sameOrder checks that an answer about order id names that order: one
// naming another (a cache or gateway in front of the provider mixing its
// answers up) says nothing about it, its state least of all (another
// order's "posted" would close this letter's escalation), nor that the
// provider knows it: a failed call, asked again with its backoff.
func sameOrder(op, id string) func(providerOrder, []byte, error) (providerOrder, []byte, error) {
	return func(o providerOrder, raw []byte, err error) (providerOrder, []byte, error) {
		if o.ID != "" && string(o.ID) != id && (err == nil || errors.Is(err, errUnknownState)) {
			return providerOrder{}, raw, fmt.Errorf("print provider %s: the answer about order %q names another order, %q", op, id, o.ID)
		}
		return o, raw, err
	}
}

// retryAt is when to try a failed call again: after the backoff for the
// number of failed attempts, or later when the provider asked for it.
func retryAt(now time.Time, failed int, err error) time.Time {
	return now.Add(max(retryDelay(failed), retryAfter(err)))
}

// retryAfter is how long the provider asked to be left alone (its
// Retry-After), 0 when it did not say, at most maxRetryAfter.
func retryAfter(err error) time.Duration {
	var se *httpclient.StatusError
	if errors.As(err, &se) {
		return min(se.RetryAfter, maxRetryAfter)
	}
	return 0
}

// maxRetryAfter bounds the wait a provider's Retry-After asks for (a day,
// as for an Altinn Notifications order): a date years ahead (a
// misconfigured proxy) would otherwise put a letter's order, or the
// following of one placed, off for as long, and the letter never printed.
const maxRetryAfter = 24 * time.Hour
