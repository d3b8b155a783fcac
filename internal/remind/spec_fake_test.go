package remind_test

// An independent fake of Altinn Notifications' POST future/orders and
// Altinn Profile's service-owner lookup, written from the channel notes
// only (testdata/specs/README.md, "Altinn 3 Correspondence (and
// Notifications)" and "How the real services behave where the specs are
// silent"), and remind's Notifier and Profile run against it.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"postvakt/internal/httpclient"
	"postvakt/internal/httpfake"
	"postvakt/internal/remind"
	"postvakt/internal/storetest"
)

const nfBearer = "nf-altinn-token"

type nfTokens struct{}

func (nfTokens) Token(context.Context) (string, error) { return nfBearer, nil }

// nfPlatform serves both APIs below one root.
type nfPlatform struct {
	mu     sync.Mutex
	orders map[string]string // idempotencyId → notificationOrderId
	refuse func(w http.ResponseWriter) bool
	emails map[string][]string // organisation → e-mail addresses
}

func newNFPlatform(t *testing.T) (*nfPlatform, *httpfake.Server) {
	p := &nfPlatform{orders: map[string]string{}, emails: map[string][]string{}}
	srv := httpfake.New(t, httpfake.Bearer(nfBearer))
	srv.Handle("POST /notifications/api/v1/future/orders", func(w http.ResponseWriter, r *http.Request) {
		var o struct {
			IdempotencyID    string `json:"idempotencyId"`
			SendersReference string `json:"sendersReference"`
			Recipient        struct {
				RecipientOrganization struct {
					OrgNumber  string `json:"orgNumber"`
					ResourceID string `json:"resourceId"`
				} `json:"recipientOrganization"`
			} `json:"recipient"`
		}
		if err := json.NewDecoder(r.Body).Decode(&o); err != nil || o.IdempotencyID == "" || o.Recipient.RecipientOrganization.OrgNumber == "" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		if res := o.Recipient.RecipientOrganization.ResourceID; res != "" && !strings.HasPrefix(res, "urn:altinn:resource:") {
			t.Errorf("resourceId %q: must start with urn:altinn:resource:", res)
		}
		if p.refuse != nil && p.refuse(w) {
			return
		}
		p.mu.Lock()
		id, again := p.orders[o.IdempotencyID]
		if !again {
			id = fmt.Sprintf("0rder000-0000-4000-8000-%012d", len(p.orders))
			p.orders[o.IdempotencyID] = id
		}
		p.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if again {
			w.WriteHeader(http.StatusOK) // the same idempotencyId replayed
		} else {
			w.WriteHeader(http.StatusCreated)
		}
		fmt.Fprintf(w, `{"notificationOrderId":%q}`, id)
	})
	srv.Handle("POST /profile/api/v1/correspondence/organizations/notificationaddresses/lookup", func(w http.ResponseWriter, r *http.Request) {
		var q struct {
			OrganizationNumbers []string `json:"organizationNumbers"`
		}
		if err := json.NewDecoder(r.Body).Decode(&q); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		var list []map[string]any
		for _, o := range q.OrganizationNumbers { // one entry per organisation asked, empty lists included
			e := p.emails[o]
			if e == nil {
				e = []string{}
			}
			list = append(list, map[string]any{"organizationNumber": o, "addressOrigin": o, "partyId": 50001234,
				"mobileNumberList": []string{}, "emailList": e})
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"contactPointsList": list})
	})
	return p, srv
}

func nfHTTP(t *testing.T, base string) *httpclient.Client {
	hc, err := httpclient.New(httpclient.Options{Name: "altinn", BaseURL: base, Logger: slog.New(slog.DiscardHandler),
		BackoffBase: time.Millisecond, BreakerThreshold: -1, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	return hc
}

// TestNotesFakeNotificationOrders: 201 a new order, 200 the same
// idempotencyId again (the same order id), 422 NOT-00001 refused for good
// (in either field Altinn names the code in), other refusals not final.
func TestNotesFakeNotificationOrders(t *testing.T) {
	p, srv := newNFPlatform(t)
	n := &remind.Notifier{HTTP: nfHTTP(t, srv.URL+"/notifications/api/v1"), Tokens: nfTokens{}}
	body, err := remind.OrderRequest(7, "k7", "910753614", "nf-resource", &remind.Message{Subject: "s", Body: "b"}, "")
	if err != nil {
		t.Fatal(err)
	}
	first, err1 := n.Order(context.Background(), body)
	again, err2 := n.Order(context.Background(), body)
	if err1 != nil || err2 != nil || first == "" || first != again {
		t.Errorf("order %q %v, replayed %q %v: want one order id", first, err1, again, err2)
	}
	for _, c := range []struct {
		code  int
		body  string
		final bool
	}{
		{422, `{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.23","title":"Unprocessable Entity","status":422,"errorCode":"NOT-00001","detail":"Missing contact information for recipient(s)"}`, true},
		{422, `{"status":422,"code":"NOT-00001","detail":"Missing contact information"}`, true},
		{400, `{"title":"One or more validation errors occurred.","status":400,"errors":{"Recipient":["bad"]}}`, false},
		{503, `<html>Service Unavailable</html>`, false},
	} {
		p.refuse = func(w http.ResponseWriter) bool {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(c.code)
			fmt.Fprint(w, c.body)
			return true
		}
		_, err := n.Order(context.Background(), body)
		if err == nil || errors.Is(err, remind.ErrOrderRefused) != c.final {
			t.Errorf("HTTP %d %s: %v; refused for good: %v", c.code, c.body, err, c.final)
		}
	}
}

// TestNotesFakeProfileLookup: one entry per organisation asked, empty
// lists included; an organisation with an empty list has no address.
func TestNotesFakeProfileLookup(t *testing.T) {
	p, srv := newNFPlatform(t)
	p.emails["910753614"] = []string{"post@firma.no"}
	pr := &remind.Profile{HTTP: nfHTTP(t, srv.URL+"/profile/api/v1"), Tokens: nfTokens{}}
	got, err := pr.Lookup(context.Background(), []string{"910753614", "974760673"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || len(got["910753614"]) != 1 || got["910753614"][0] != "post@firma.no" {
		t.Errorf("lookup: %v", got)
	}
}

// TestNotesFakeProfileHostileAnswers: answers a real Profile may give
// beside the notes' plain one: fewer organisations than asked, an
// organisation listed twice, nulls, addresses with spaces or in capitals.
// Each mailbox is one address (never two reminders to one mailbox); an
// organisation left out has none; nothing fails the lookup.
func TestNotesFakeProfileHostileAnswers(t *testing.T) {
	srv := httpfake.New(t, httpfake.Bearer(nfBearer))
	srv.Handle("POST /profile/api/v1/correspondence/organizations/notificationaddresses/lookup", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"contactPointsList":[
			{"organizationNumber":"910753614","addressOrigin":"910753614","partyId":1,"mobileNumberList":[],"emailList":["Post@Firma.NO"," post@firma.no ","post@firma.no"]},
			null,
			{"organizationNumber":"910753614","addressOrigin":"910753614","partyId":1,"mobileNumberList":null,"emailList":["POST@FIRMA.NO","leder@firma.no"]},
			{"organizationNumber":"974760673","addressOrigin":"974760673","partyId":2,"mobileNumberList":null,"emailList":null},
			{"organizationNumber":"964338531","addressOrigin":"964338531","partyId":3,"emailList":[null,"","ikke en adresse"]}
		]}`)
	})
	pr := &remind.Profile{HTTP: nfHTTP(t, srv.URL+"/profile/api/v1"), Tokens: nfTokens{}}
	got, err := pr.Lookup(context.Background(), []string{"910753614", "974760673", "964338531", "991825827"})
	if err != nil {
		t.Fatal(err)
	}
	firma := got["910753614"]
	mailboxes := map[string]int{}
	for _, e := range firma {
		mailboxes[strings.ToLower(e)]++
	}
	if len(got) != 1 || len(firma) != 2 || mailboxes["post@firma.no"] != 1 || mailboxes["leder@firma.no"] != 1 {
		t.Errorf("lookup: %q, want 910753614 alone with post@firma.no once and leder@firma.no", got)
	}
}

// TestNotesFakeNotificationOrdersHostile: a 403, a 429 with Retry-After as
// an HTTP date, and problem+json without errors are not final (the order
// goes again later, the same idempotencyId); an order id that is not a
// UUID is still the order placed.
func TestNotesFakeNotificationOrdersHostile(t *testing.T) {
	p, srv := newNFPlatform(t)
	n := &remind.Notifier{HTTP: nfHTTP(t, srv.URL+"/notifications/api/v1"), Tokens: nfTokens{}}
	body, err := remind.OrderRequest(8, "k8", "910753614", "nf-resource", &remind.Message{Subject: "s", Body: "b"}, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		code   int
		header string
		body   string
	}{
		{403, "", `{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.4","title":"Forbidden","status":403}`},
		{429, time.Now().Add(2 * time.Hour).UTC().Format(http.TimeFormat), `{"title":"Too Many Requests","status":429}`},
		{400, "", `{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.1","title":"Bad Request","status":400,"detail":"Invalid request"}`},
	} {
		p.refuse = func(w http.ResponseWriter) bool {
			if c.header != "" {
				w.Header().Set("Retry-After", c.header)
			}
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(c.code)
			fmt.Fprint(w, c.body)
			return true
		}
		id, err := n.Order(context.Background(), body)
		if err == nil || id != "" || errors.Is(err, remind.ErrOrderRefused) {
			t.Errorf("HTTP %d: %q %v; want a failure that is not final", c.code, id, err)
		}
	}
	p.refuse = func(w http.ResponseWriter) bool {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprint(w, `{"notificationOrderId":"42"}`)
		return true
	}
	if id, err := n.Order(context.Background(), body); err != nil || id != "42" {
		t.Errorf("order id not a UUID: %q %v, want the order placed as 42", id, err)
	}
}

// TestNotesFakeProfileBadEntry: an answer whose entries are read one by
// one: an entry that is not the expected JSON (emailList a string, an
// organizationNumber a number) is that organisation's error, unknown this
// run and looked up again next run; the others' addresses are used and
// cached. An entry that names no organisation (not an object) leaves
// unknown those the answer does not list otherwise (it may be theirs),
// never those it lists.
func TestNotesFakeProfileBadEntry(t *testing.T) {
	const good, text, number, empty, unlisted = "910753614", "974760673", "964338531", "991825827", "912345678"
	for _, c := range []struct {
		name        string
		entries     string
		ask         []string
		found       map[string]int // organisation → addresses found
		unknown     []string
		stillToLook []string // next run
	}{
		{"emailList a string, organizationNumber a number",
			`{"organizationNumber":"` + good + `","addressOrigin":"` + good + `","partyId":1,"emailList":["post@firma.no"],"mobileNumberList":[]},
			{"organizationNumber":"` + text + `","addressOrigin":"` + text + `","partyId":2,"emailList":"post@kommune.no","mobileNumberList":[]},
			{"organizationNumber":` + number + `,"addressOrigin":"` + number + `","partyId":3,"emailList":["post@tall.no"],"mobileNumberList":[]},
			{"organizationNumber":"` + empty + `","addressOrigin":"` + empty + `","partyId":4,"emailList":[],"mobileNumberList":[]}`,
			[]string{good, text, number, empty, unlisted},
			map[string]int{good: 1, empty: 0, unlisted: 0}, []string{text, number}, []string{number, text}},
		{"an entry that is not an object",
			`"` + text + `",
			{"organizationNumber":"` + good + `","addressOrigin":"` + good + `","partyId":1,"emailList":["post@firma.no"],"mobileNumberList":[]},
			{"organizationNumber":"` + empty + `","addressOrigin":"` + empty + `","partyId":4,"emailList":[],"mobileNumberList":[]}`,
			[]string{good, text, empty},
			map[string]int{good: 1, empty: 0}, []string{text}, []string{text}},
		{"an entry whose organizationNumber is null",
			`{"organizationNumber":null,"addressOrigin":"` + text + `","partyId":2,"emailList":["post@kommune.no"],"mobileNumberList":[]},
			{"organizationNumber":"` + good + `","addressOrigin":"` + good + `","partyId":1,"emailList":["post@firma.no"],"mobileNumberList":[]},
			{"organizationNumber":"` + empty + `","addressOrigin":"` + empty + `","partyId":4,"emailList":[],"mobileNumberList":[]}`,
			[]string{good, text, empty},
			map[string]int{good: 1, empty: 0}, []string{text}, []string{text}},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := httpfake.New(t, httpfake.Bearer(nfBearer))
			srv.Handle("POST /profile/api/v1/correspondence/organizations/notificationaddresses/lookup", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprint(w, `{"contactPointsList":[`+c.entries+`]}`)
			})
			pr := &remind.Profile{HTTP: nfHTTP(t, srv.URL+"/profile/api/v1"), Tokens: nfTokens{}}
			found, err := pr.Lookup(context.Background(), c.ask)
			var entries *remind.EntryErrors
			if !errors.As(err, &entries) || len(entries.Orgs) != len(c.unknown) || len(found) != 1 || len(found[good]) != 1 {
				t.Errorf("lookup: %v %v; want post@firma.no for %s and an error of %v each", found, err, good, c.unknown)
			}

			st := storetest.Open(t)
			logs := &strings.Builder{}
			res := &remind.Resolver{Book: st, Profile: pr, Logger: slog.New(slog.NewTextHandler(logs, nil))}
			now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
			got, err := res.Resolve(context.Background(), c.ask, now, false)
			if err != nil {
				t.Fatal(err)
			}
			for org, n := range c.found {
				if a, ok := got.Found[org]; !ok || len(a) != n || got.Unknown[org] {
					t.Errorf("%s: found %q (listed %v), unknown %v; want %d address(es)", org, a, ok, got.Unknown[org], n)
				}
			}
			for _, org := range c.unknown {
				if !got.Unknown[org] || got.Found[org] != nil {
					t.Errorf("%s: unknown %v, found %q; want unknown this run", org, got.Unknown[org], got.Found[org])
				}
				if !strings.Contains(logs.String(), "orgnr="+org) {
					t.Errorf("%s: no log line names it:\n%s", org, logs)
				}
			}
			need, err := st.OrgsNeedingLookup(context.Background(), c.ask, now.Add(time.Minute), 24*time.Hour)
			if err != nil || fmt.Sprint(need) != fmt.Sprint(c.stillToLook) {
				t.Errorf("to look up next run: %v %v, want %v (the others' answers cached)", need, err, c.stillToLook)
			}
		})
	}
}
