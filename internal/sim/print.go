package sim

import (
	"net/http"
	"reflect"
	"sort"
	"strings"
	"sync"
	"time"
)

// The print provider API. There is no real spec to follow; this is a plain
// design, the contract postvakt's printing package codes against.
//
// Base URL: <sim>/print (POSTVAKT_PRINT_URL). JSON in and out. When the
// simulator has Options.PrintAPIKey, every call needs
// "Authorization: Bearer <key>".
//
//	POST /print/v1/orders
//	  Header Idempotency-Key: <client-chosen key, required, ≤ 200 chars>
//	  Body {"documentRef": "…", "recipientName": "…",
//	        "address": {"lines": ["…"], "postalCode": "…", "city": "…", "countryCode": "NO"}}
//	  201 {"id", "state": "received", "documentRef", "createdAt", "updatedAt"}   new order
//	  200 the same order, in its current state                                  key seen before
//	  400 {"error"} missing key or invalid body; 422 the key was used with another body
//
//	GET /print/v1/orders/{id}
//	  200 {"id", "state", "documentRef", "createdAt", "updatedAt", "failureReason"?}; 404 unknown
//
//	POST /print/v1/orders/{id}/cancel
//	  200 {"id", "state": "cancelled", …} while the order is still received (again: 200)
//	  409 {"error", "state"} once printed, posted or failed; 404 unknown
//
// States: received → printed → posted, or received → failed, or received →
// cancelled. The moves follow the simulated clock with the scenario's
// print_delay and post_delay; fail_chance decides failures. Ids, delays and
// failures are derived from the seed and the idempotency key.

// PrintAddress is a postal address on a print order.
type PrintAddress struct {
	Lines       []string `json:"lines"`
	PostalCode  string   `json:"postalCode"`
	City        string   `json:"city"`
	CountryCode string   `json:"countryCode"`
}

// PrintOrderRequest is the body of POST /print/v1/orders.
type PrintOrderRequest struct {
	DocumentRef   string       `json:"documentRef"`
	RecipientName string       `json:"recipientName"`
	Address       PrintAddress `json:"address"`
}

// PrintOrder is a print order as the provider reports it.
type PrintOrder struct {
	ID             string            `json:"id"`
	State          string            `json:"state"` // received, printed, posted, failed, cancelled
	DocumentRef    string            `json:"documentRef"`
	CreatedAt      time.Time         `json:"createdAt"`
	UpdatedAt      time.Time         `json:"updatedAt"`
	FailureReason  string            `json:"failureReason,omitempty"`
	IdempotencyKey string            `json:"-"`
	Request        PrintOrderRequest `json:"-"`
}

type printOrder struct {
	id, key     string
	req         PrintOrderRequest
	created     time.Time
	printAt     time.Time
	postAt      time.Time
	fails       bool
	cancelledAt time.Time
}

type printStore struct {
	mu    sync.Mutex
	byKey map[string]*printOrder
	byID  map[string]*printOrder
}

func newPrintStore() *printStore {
	return &printStore{byKey: map[string]*printOrder{}, byID: map[string]*printOrder{}}
}

// view returns the order's state at now.
func (o *printOrder) view(now time.Time) PrintOrder {
	v := PrintOrder{ID: o.id, DocumentRef: o.req.DocumentRef, CreatedAt: o.created, IdempotencyKey: o.key, Request: o.req}
	switch {
	case !o.cancelledAt.IsZero() && !now.Before(o.cancelledAt):
		v.State, v.UpdatedAt = "cancelled", o.cancelledAt
	case now.Before(o.printAt):
		v.State, v.UpdatedAt = "received", o.created
	case o.fails:
		v.State, v.UpdatedAt, v.FailureReason = "failed", o.printAt, "address could not be processed by the print line"
	case now.Before(o.postAt):
		v.State, v.UpdatedAt = "printed", o.printAt
	default:
		v.State, v.UpdatedAt = "posted", o.postAt
	}
	return v
}

func (s *Sim) printRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /print/v1/orders", s.handlePrintCreate)
	mux.HandleFunc("GET /print/v1/orders/{id}", s.handlePrintGet)
	mux.HandleFunc("POST /print/v1/orders/{id}/cancel", s.handlePrintCancel)
}

func printErr(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

func (s *Sim) printAuth(w http.ResponseWriter, r *http.Request) bool {
	if s.opts.PrintAPIKey == "" {
		return true
	}
	if !equalSecret(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "), s.opts.PrintAPIKey) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="print"`)
		printErr(w, http.StatusUnauthorized, "missing or wrong API key")
		return false
	}
	return true
}

func (req PrintOrderRequest) problem() string {
	switch {
	case strings.TrimSpace(req.DocumentRef) == "":
		return "documentRef is required"
	case strings.TrimSpace(req.RecipientName) == "":
		return "recipientName is required"
	case len(req.Address.Lines) == 0 || strings.TrimSpace(req.Address.Lines[0]) == "":
		return "address.lines needs at least one line"
	case strings.TrimSpace(req.Address.PostalCode) == "":
		return "address.postalCode is required"
	case strings.TrimSpace(req.Address.City) == "":
		return "address.city is required"
	case len(req.Address.CountryCode) != 2:
		return "address.countryCode must be a two-letter ISO code"
	}
	return ""
}

func (s *Sim) handlePrintCreate(w http.ResponseWriter, r *http.Request) {
	if !s.printAuth(w, r) {
		return
	}
	key := r.Header.Get("Idempotency-Key")
	noteIDs(r, key)
	if strings.TrimSpace(key) == "" || len(key) > 200 {
		printErr(w, http.StatusBadRequest, "header Idempotency-Key is required (at most 200 characters)")
		return
	}
	var req PrintOrderRequest
	if err := decodeBody(r, &req); err != nil {
		printErr(w, http.StatusBadRequest, err.Error())
		return
	}
	if p := req.problem(); p != "" {
		printErr(w, http.StatusBadRequest, p)
		return
	}
	now := s.Now()
	st := s.prints
	st.mu.Lock()
	defer st.mu.Unlock()
	if o, ok := st.byKey[key]; ok {
		if !reflect.DeepEqual(o.req, req) {
			printErr(w, http.StatusUnprocessableEntity, "Idempotency-Key was used before with another order")
			return
		}
		writeJSON(w, http.StatusOK, o.view(now))
		return
	}
	rnd := derivedRand(s.seed, "print", key)
	o := &printOrder{id: newUUID(rnd), key: key, req: req, created: now}
	o.printAt = now.Add(s.sc.Print.PrintDelay.draw(rnd))
	o.postAt = o.printAt.Add(s.sc.Print.PostDelay.draw(rnd))
	o.fails = rnd.Float64() < s.sc.Print.FailChance
	st.byKey[key], st.byID[o.id] = o, o
	s.logger.Info("print order received", "id", o.id, "documentRef", req.DocumentRef)
	writeJSON(w, http.StatusCreated, o.view(now))
}

func (s *Sim) handlePrintGet(w http.ResponseWriter, r *http.Request) {
	if !s.printAuth(w, r) {
		return
	}
	id := r.PathValue("id")
	noteIDs(r, id)
	s.prints.mu.Lock()
	o, ok := s.prints.byID[strings.ToLower(id)]
	s.prints.mu.Unlock()
	if !ok {
		printErr(w, http.StatusNotFound, "no print order "+id)
		return
	}
	writeJSON(w, http.StatusOK, o.view(s.Now()))
}

func (s *Sim) handlePrintCancel(w http.ResponseWriter, r *http.Request) {
	if !s.printAuth(w, r) {
		return
	}
	id := r.PathValue("id")
	noteIDs(r, id)
	now := s.Now()
	s.prints.mu.Lock()
	defer s.prints.mu.Unlock()
	o, ok := s.prints.byID[strings.ToLower(id)]
	if !ok {
		printErr(w, http.StatusNotFound, "no print order "+id)
		return
	}
	v := o.view(now)
	switch v.State {
	case "cancelled":
	case "received":
		o.cancelledAt = now
	default:
		writeJSON(w, http.StatusConflict, map[string]string{"error": "order can no longer be cancelled", "state": v.State})
		return
	}
	writeJSON(w, http.StatusOK, o.view(now))
}

// PrintOrders returns every print order received, oldest first, in its
// state at the simulated now.
func (s *Sim) PrintOrders() []PrintOrder {
	now := s.Now()
	s.prints.mu.Lock()
	defer s.prints.mu.Unlock()
	out := make([]PrintOrder, 0, len(s.prints.byID))
	for _, o := range s.prints.byID {
		out = append(out, o.view(now))
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].CreatedAt.Equal(out[j].CreatedAt) {
			return out[i].CreatedAt.Before(out[j].CreatedAt)
		}
		return out[i].ID < out[j].ID
	})
	return out
}
