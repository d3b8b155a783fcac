package remind_test

// An independent fake of Altinn Notifications (POST future/orders) and of
// Altinn Profile's correspondence notification-address lookup, written
// from Altinn's own sources (not from internal/sim):
//
//   - altinn-notifications components/api/src/Altinn.Notifications/
//     Controllers/FutureOrdersController.cs (201 new / 200 same
//     idempotencyId of the same creator, 400 ValidationProblem, 422
//     NOT-00001, 403 without creator), Validators/** (RecipientRules,
//     RecipientBaseValidator (EmailPreferred and SmsPreferred need both
//     emailSettings and smsSettings), RecipientOrganizationValidator,
//     EmailSendingOptionsValidator, SmsSendingOptionsValidator),
//     Models/NotificationOrderChainResponseExt.cs
//   - altinn-profile src/Altinn.Profile/Controllers/CorrespondenceController.cs
//     (scope altinn:profile/correspondence.notificationsettings.read),
//     Models/OrgNotificationAddressRequest.cs, Models/OrgNotificationAddressesResponse.cs,
//     OrganizationNotificationAddressesService.cs (only orgs with a row, or
//     with a main unit with one), Validators/CustomRegexForNotificationAddressesAttribute.cs
//     (an organisation e-mail may have æøå in its domain).

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
)

const (
	scopeNotif   = "altinn:serviceowner/notifications.create"
	scopeProfile = "altinn:profile/correspondence.notificationsettings.read"
)

// staticTokens is a TokenSource with one fixed token.
type staticTokens string

func (s staticTokens) Token(context.Context) (string, error) { return string(s), nil }

type fakeOrder struct {
	ID, ShipmentID   string
	IdempotencyID    string
	SendersReference string
	OrgNumber        string
	ResourceID       string
	ChannelSchema    string
	Subject, Body    string
	SMS              string // smsSettings.body, "" without
	Raw              string
}

type fakeAltinn struct {
	t   *testing.T
	srv *httptest.Server

	mu sync.Mutex
	// tokens: bearer token -> (creator org, scopes)
	tokens map[string][2]string
	// orders by creator+idempotencyId
	orders map[string]*fakeOrder
	// every POST future/orders (accepted or not)
	posts []string
	// answers: status codes of every POST future/orders
	codes []int
	// NoContact: org numbers without contact information (422 NOT-00001)
	NoContact map[string]bool
	// Fail, when set, answers a POST future/orders before the fake does.
	Fail func(w http.ResponseWriter, r *http.Request) bool
	// ProfileFail, when set, answers a lookup before the fake does.
	ProfileFail func(w http.ResponseWriter, r *http.Request) bool
	// lookups counts the lookups that arrived (answered or not).
	lookups int
	// Profile data: org -> e-mail addresses (rows in Altinn's table)
	Addresses map[string][]string
	// MainUnit: sub-unit -> main unit
	MainUnit map[string]string
}

func newFakeAltinn(t *testing.T) *fakeAltinn {
	f := &fakeAltinn{t: t, orders: map[string]*fakeOrder{}, NoContact: map[string]bool{},
		Addresses: map[string][]string{}, MainUnit: map[string]string{},
		tokens: map[string][2]string{
			"tok-notif":   {"bergen", scopeNotif + " altinn:serviceowner"},
			"tok-profile": {"bergen", scopeProfile},
			"tok-none":    {"bergen", "altinn:serviceowner"},
		}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /notifications/api/v1/future/orders", f.futureOrders)
	mux.HandleFunc("POST /profile/api/v1/correspondence/organizations/notificationaddresses/lookup", f.profileLookup)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeAltinn) NotifBase() string   { return f.srv.URL + "/notifications/api/v1" }
func (f *fakeAltinn) ProfileBase() string { return f.srv.URL + "/profile/api/v1" }

func uuid() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// auth: 401 without a known token, 403 without the scope (ASP.NET's
// authorization policies answer with an empty body).
func (f *fakeAltinn) auth(w http.ResponseWriter, r *http.Request, scope string) (string, bool) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	f.mu.Lock()
	c, known := f.tokens[tok]
	f.mu.Unlock()
	if !ok || !known {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		w.WriteHeader(http.StatusUnauthorized)
		return "", false
	}
	for _, s := range strings.Fields(c[1]) {
		if s == scope {
			return c[0], true
		}
	}
	w.WriteHeader(http.StatusForbidden)
	return "", false
}

func validationProblem(w http.ResponseWriter, errs map[string][]string) {
	w.Header().Set("Content-Type", "application/problem+json; charset=utf-8")
	w.WriteHeader(http.StatusBadRequest)
	// Program.cs: WriteIndented = true for every MVC answer.
	b, _ := json.MarshalIndent(map[string]any{
		"type": "https://tools.ietf.org/html/rfc9110#section-15.5.1", "title": "One or more validation errors occurred.",
		"status": 400, "errors": errs, "traceId": "00-" + strings.ReplaceAll(uuid(), "-", "") + "-01"}, "", "  ")
	_, _ = w.Write(b)
}

var digits9 = regexp.MustCompile(`^[0-9]{9}$`)

func (f *fakeAltinn) futureOrders(w http.ResponseWriter, r *http.Request) {
	var raw json.RawMessage
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(&raw); err != nil {
		validationProblem(w, map[string][]string{"$": {"The JSON value could not be converted."}})
		return
	}
	f.mu.Lock()
	f.posts = append(f.posts, string(raw))
	f.mu.Unlock()
	rec := &statusRecorder{ResponseWriter: w}
	defer func() {
		f.mu.Lock()
		f.codes = append(f.codes, rec.code)
		f.mu.Unlock()
	}()
	w = rec
	if f.Fail != nil && f.Fail(w, r) {
		return
	}
	creator, ok := f.auth(w, r, scopeNotif)
	if !ok {
		return
	}
	// System.Text.Json web defaults: case-insensitive property names,
	// string enums.
	var req struct {
		IdempotencyID    *string `json:"idempotencyId"`
		SendersReference *string `json:"sendersReference"`
		Recipient        *struct {
			RecipientOrganization *struct {
				OrgNumber     string  `json:"orgNumber"`
				ChannelSchema string  `json:"channelSchema"`
				ResourceID    *string `json:"resourceId"`
				EmailSettings *struct {
					Subject     string `json:"subject"`
					Body        string `json:"body"`
					ContentType string `json:"contentType"`
				} `json:"emailSettings"`
				SmsSettings *struct {
					Body string `json:"body"`
				} `json:"smsSettings"`
			} `json:"recipientOrganization"`
			RecipientEmail  json.RawMessage `json:"recipientEmail"`
			RecipientPerson json.RawMessage `json:"recipientPerson"`
		} `json:"recipient"`
	}
	if err := json.Unmarshal(raw, &req); err != nil {
		validationProblem(w, map[string][]string{"$": {err.Error()}})
		return
	}
	errs := map[string][]string{}
	add := func(k, m string) { errs[k] = append(errs[k], m) }
	if req.IdempotencyID == nil || *req.IdempotencyID == "" {
		add("IdempotencyId", "IdempotencyId cannot be null or empty.")
	}
	var ro = req.Recipient
	if ro == nil || ro.RecipientOrganization == nil {
		add("Recipient", "Must have exactly one recipient.")
	} else {
		o := ro.RecipientOrganization
		switch o.ChannelSchema {
		case "Email", "Sms", "EmailPreferred", "SmsPreferred", "EmailAndSms":
		default:
			add("Recipient.RecipientOrganization.ChannelSchema", "Invalid channel scheme value.")
		}
		if o.OrgNumber == "" {
			add("Recipient.RecipientOrganization.OrgNumber", "OrgNumber cannot be null or empty.")
		} else if !digits9.MatchString(o.OrgNumber) {
			add("Recipient.RecipientOrganization.OrgNumber", "Organization number must be 9 digits long.")
		}
		if o.ChannelSchema == "Email" && o.EmailSettings == nil {
			add("Recipient.RecipientOrganization.EmailSettings", "EmailSettings must be set when ChannelSchema is Email")
		}
		if o.ChannelSchema == "Sms" && o.SmsSettings == nil {
			add("Recipient.RecipientOrganization.SmsSettings", "SmsSettings must be set when ChannelSchema is Sms")
		}
		if o.ChannelSchema == "EmailPreferred" || o.ChannelSchema == "SmsPreferred" {
			if o.EmailSettings == nil {
				add("Recipient.RecipientOrganization.EmailSettings", "EmailSettings must be set when ChannelSchema is SmsPreferred or EmailPreferred")
			}
			if o.SmsSettings == nil {
				add("Recipient.RecipientOrganization.SmsSettings", "SmsSettings must be set when ChannelSchema is SmsPreferred or EmailPreferred")
			}
		}
		if o.SmsSettings != nil && o.SmsSettings.Body == "" {
			add("Recipient.RecipientOrganization.SmsSettings.Body", "The SMS body must not be empty.")
		}
		if o.EmailSettings != nil {
			if o.EmailSettings.Subject == "" {
				add("Recipient.RecipientOrganization.EmailSettings.Subject", "The email subject must not be empty.")
			}
			if o.EmailSettings.Body == "" {
				add("Recipient.RecipientOrganization.EmailSettings.Body", "The email body must not be empty.")
			}
			if ct := o.EmailSettings.ContentType; ct != "" && ct != "Plain" && ct != "Html" {
				add("Recipient.RecipientOrganization.EmailSettings.ContentType", "Email content type must be either Plain or HTML.")
			}
		}
		// RecipientRules.BeValidResourceId
		if o.ResourceID != nil {
			const prefix = "urn:altinn:resource:"
			if !strings.HasPrefix(*o.ResourceID, prefix) || len(*o.ResourceID) <= len(prefix) {
				add("Recipient.RecipientOrganization.ResourceId", "ResourceId must have a valid syntax.")
			}
		}
	}
	if len(errs) > 0 {
		validationProblem(w, errs)
		return
	}
	key := creator + "\x00" + *req.IdempotencyID
	f.mu.Lock()
	existing := f.orders[key]
	f.mu.Unlock()
	answer := func(status int, o *fakeOrder) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		if status == http.StatusCreated {
			w.Header().Set("Location", f.srv.URL+"/notifications/api/v1/future/shipment/"+o.ID)
		}
		w.WriteHeader(status)
		var sr any
		if o.SendersReference != "" {
			sr = o.SendersReference
		}
		// WriteIndented, nulls left out, and the receipt's reminders list.
		b, _ := json.MarshalIndent(map[string]any{"notificationOrderId": o.ID,
			"notification": map[string]any{"shipmentId": o.ShipmentID, "sendersReference": sr, "reminders": []any{}}}, "", "  ")
		_, _ = w.Write(b)
	}
	if existing != nil {
		answer(http.StatusOK, existing)
		return
	}
	o := ro.RecipientOrganization
	if f.NoContact[o.OrgNumber] {
		w.Header().Set("Content-Type", "application/problem+json; charset=utf-8")
		w.WriteHeader(http.StatusUnprocessableEntity)
		_, _ = w.Write([]byte(`{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.21","title":"Unprocessable Entity","status":422,"detail":"Missing contact information for recipient(s)","code":"NOT-00001"}`))
		return
	}
	no := &fakeOrder{ID: uuid(), ShipmentID: uuid(), IdempotencyID: *req.IdempotencyID, OrgNumber: o.OrgNumber,
		ChannelSchema: o.ChannelSchema, Raw: string(raw)}
	if o.EmailSettings != nil {
		no.Subject, no.Body = o.EmailSettings.Subject, o.EmailSettings.Body
	}
	if o.SmsSettings != nil {
		no.SMS = o.SmsSettings.Body
	}
	if req.SendersReference != nil {
		no.SendersReference = *req.SendersReference
	}
	if o.ResourceID != nil {
		no.ResourceID = *o.ResourceID
	}
	f.mu.Lock()
	f.orders[key] = no
	f.mu.Unlock()
	answer(http.StatusCreated, no)
}

type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (s *statusRecorder) WriteHeader(c int) {
	if s.code == 0 {
		s.code = c
	}
	s.ResponseWriter.WriteHeader(c)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.code == 0 {
		s.code = 200
	}
	return s.ResponseWriter.Write(b)
}

// Orders returns the orders the fake accepted.
func (f *fakeAltinn) Orders() []*fakeOrder {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*fakeOrder
	for _, o := range f.orders {
		out = append(out, o)
	}
	return out
}

// Posts returns how many POST future/orders arrived, and their status codes.
func (f *fakeAltinn) Posts() (int, []int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.posts), append([]int(nil), f.codes...)
}

// profileLookup is CorrespondenceController.GetOrganizationRegisteredContactPoints.
func (f *fakeAltinn) profileLookup(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.lookups++
	fail := f.ProfileFail
	f.mu.Unlock()
	if fail != nil && fail(w, r) {
		return
	}
	if _, ok := f.auth(w, r, scopeProfile); !ok {
		return
	}
	var req struct {
		OrganizationNumbers []string `json:"organizationNumbers"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || len(req.OrganizationNumbers) == 0 {
		validationProblem(w, map[string][]string{"OrganizationNumbers": {"OrganizationNumbers must contain a list of valid organization number values"}})
		return
	}
	for _, o := range req.OrganizationNumbers {
		if strings.TrimSpace(o) == "" {
			validationProblem(w, map[string][]string{"OrganizationNumbers": {"OrganizationNumbers must contain a list of valid organization number values"}})
			return
		}
	}
	type entry struct {
		OrganizationNumber string   `json:"organizationNumber"`
		AddressOrigin      string   `json:"addressOrigin"`
		PartyID            int      `json:"partyId"`
		MobileNumberList   []string `json:"mobileNumberList"`
		EmailList          []string `json:"emailList"`
	}
	list := []entry{}
	f.mu.Lock()
	for _, o := range req.OrganizationNumbers {
		origin := o
		addrs, ok := f.Addresses[o]
		if !ok {
			if mu, has := f.MainUnit[o]; has {
				addrs, ok = f.Addresses[mu]
				origin = mu
			}
		}
		if !ok {
			continue
		}
		list = append(list, entry{OrganizationNumber: o, AddressOrigin: origin, MobileNumberList: []string{},
			EmailList: append([]string{}, addrs...)})
	}
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(map[string]any{"contactPointsList": list})
}
