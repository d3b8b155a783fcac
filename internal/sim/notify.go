package sim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"
)

// The Altinn Notifications "future" order API, shaped after
// Altinn/altinn-notifications (NotificationOrderChainRequestExt,
// NotificationOrderChainResponseExt, NotificationDeliveryManifestExt):
//
//	POST /notifications/api/v1/future/orders     → 201 new, 200 same idempotencyId again
//	GET  /notifications/api/v1/future/shipment/{id}
//
// The simulator does not call conditionEndpoint: every condition counts as
// met. Organisation recipients resolve to the organisation's notification
// addresses (see register.go); an order for one without addresses on the
// order's channel is refused with 422 and errorCode NOT-00001 ("Missing
// contact information"), as the service does.

const notifBase = "/notifications/api/v1/future"

type emailSettings struct {
	SenderName         string `json:"senderName,omitempty"`
	SenderEmailAddress string `json:"senderEmailAddress,omitempty"`
	Subject            string `json:"subject"`
	Body               string `json:"body"`
	ContentType        string `json:"contentType,omitempty"`
	SendingTimePolicy  string `json:"sendingTimePolicy,omitempty"`
}

type smsSettings struct {
	Sender            string `json:"sender,omitempty"`
	Body              string `json:"body"`
	SendingTimePolicy string `json:"sendingTimePolicy,omitempty"`
}

type notifRecipient struct {
	RecipientEmail *struct {
		EmailAddress  string         `json:"emailAddress"`
		EmailSettings *emailSettings `json:"emailSettings"`
	} `json:"recipientEmail"`
	RecipientSms *struct {
		PhoneNumber string       `json:"phoneNumber"`
		SmsSettings *smsSettings `json:"smsSettings"`
	} `json:"recipientSms"`
	RecipientPerson *struct {
		NationalIdentityNumber string         `json:"nationalIdentityNumber"`
		ResourceID             string         `json:"resourceId"`
		ChannelSchema          string         `json:"channelSchema"`
		EmailSettings          *emailSettings `json:"emailSettings"`
		SmsSettings            *smsSettings   `json:"smsSettings"`
	} `json:"recipientPerson"`
	RecipientOrganization *struct {
		OrgNumber     string         `json:"orgNumber"`
		ResourceID    string         `json:"resourceId"`
		ChannelSchema string         `json:"channelSchema"`
		EmailSettings *emailSettings `json:"emailSettings"`
		SmsSettings   *smsSettings   `json:"smsSettings"`
	} `json:"recipientOrganization"`
	RecipientExternalIdentity json.RawMessage `json:"recipientExternalIdentity"`
}

type notifOrderRequest struct {
	IdempotencyID     string         `json:"idempotencyId"`
	SendersReference  string         `json:"sendersReference"`
	RequestedSendTime *time.Time     `json:"requestedSendTime"`
	ConditionEndpoint string         `json:"conditionEndpoint"`
	Recipient         notifRecipient `json:"recipient"`
	Reminders         []struct {
		SendersReference  string         `json:"sendersReference"`
		ConditionEndpoint string         `json:"conditionEndpoint"`
		DelayDays         int            `json:"delayDays"`
		Recipient         notifRecipient `json:"recipient"`
	} `json:"reminders"`
}

// NotificationOrder is an order the simulated Notifications API received.
type NotificationOrder struct {
	ID                string    `json:"notificationOrderId"`
	IdempotencyID     string    `json:"idempotencyId"`
	SendersReference  string    `json:"sendersReference"`
	RecipientOrg      string    `json:"recipientOrg,omitempty"`
	RequestedSendTime time.Time `json:"requestedSendTime"`
	ShipmentIDs       []string  `json:"shipmentIds"` // the notification first, then its reminders
}

type notifDestination struct {
	kind        string // Email or SMS
	destination string
	fails       bool
}

type notifShipment struct {
	id, ref, typ string
	sendAt       time.Time
	doneAfter    time.Duration
	dests        []notifDestination
	channel      string // for a recipient that could not be identified
}

type notifOrder struct {
	NotificationOrder
	response  map[string]any
	shipments []*notifShipment
}

type notifyStore struct {
	mu         sync.Mutex
	byIdem     map[string]*notifOrder
	byShipment map[string]*notifShipment
	byOrder    map[string]*notifOrder
}

func newNotifyStore() *notifyStore {
	return &notifyStore{byIdem: map[string]*notifOrder{}, byShipment: map[string]*notifShipment{}, byOrder: map[string]*notifOrder{}}
}

func (s *Sim) notifyRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST "+notifBase+"/orders", s.handleNotifOrder)
	mux.HandleFunc("GET "+notifBase+"/shipment/{id}", s.handleNotifShipment)
}

// validationProblem answers 400 with ASP.NET's ValidationProblemDetails.
func validationProblem(w http.ResponseWriter, errs map[string][]string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(http.StatusBadRequest)
	writeJSONBody(w, map[string]any{
		"type": "https://tools.ietf.org/html/rfc9110#section-15.5.1", "title": "One or more validation errors occurred.",
		"status": http.StatusBadRequest, "errors": errs,
	})
}

func validChannel(c string) bool {
	switch c {
	case "Email", "Sms", "EmailPreferred", "SmsPreferred", "EmailAndSms":
		return true
	}
	return false
}

func checkRecipient(prefix string, rc notifRecipient, errs map[string][]string) {
	add := func(f, m string) { errs[prefix+f] = append(errs[prefix+f], m) }
	n := 0
	if rc.RecipientEmail != nil {
		n++
		if !strings.Contains(rc.RecipientEmail.EmailAddress, "@") {
			add("RecipientEmail.EmailAddress", "A valid email address must be provided.")
		}
		if rc.RecipientEmail.EmailSettings == nil {
			add("RecipientEmail.EmailSettings", "Email settings must be set.")
		}
	}
	if rc.RecipientSms != nil {
		n++
		if rc.RecipientSms.PhoneNumber == "" {
			add("RecipientSms.PhoneNumber", "Recipient phone number cannot be null or empty.")
		}
	}
	if rc.RecipientPerson != nil {
		n++
		if len(rc.RecipientPerson.NationalIdentityNumber) != 11 || !allDigits(rc.RecipientPerson.NationalIdentityNumber) {
			add("RecipientPerson.NationalIdentityNumber", "National identity number must be 11 digits.")
		}
		if !validChannel(rc.RecipientPerson.ChannelSchema) {
			add("RecipientPerson.ChannelSchema", "Invalid channel schema value.")
		}
	}
	if o := rc.RecipientOrganization; o != nil {
		n++
		if !validOrgNr(o.OrgNumber) {
			add("RecipientOrganization.OrgNumber", "Organization number must be 9 digits.")
		}
		// Altinn's RecipientRules.BeValidResourceId: a resource is named by
		// its URN here (Correspondence takes the bare id).
		if o.ResourceID != "" && (!strings.HasPrefix(o.ResourceID, "urn:altinn:resource:") || len(o.ResourceID) == len("urn:altinn:resource:")) {
			add("RecipientOrganization.ResourceId", "ResourceId must have a valid syntax.")
		}
		if !validChannel(o.ChannelSchema) {
			add("RecipientOrganization.ChannelSchema", "Invalid channel schema value.")
		}
		// RecipientBaseValidator: a fallback channel (EmailPreferred,
		// SmsPreferred) needs both settings, as EmailAndSms does.
		fallback := o.ChannelSchema == "EmailPreferred" || o.ChannelSchema == "SmsPreferred"
		if (fallback || strings.Contains(o.ChannelSchema, "Email")) && (o.EmailSettings == nil || o.EmailSettings.Subject == "" || o.EmailSettings.Body == "") {
			add("RecipientOrganization.EmailSettings", "Email settings with subject and body must be set when the channel includes email.")
		}
		if (fallback || strings.Contains(o.ChannelSchema, "Sms")) && (o.SmsSettings == nil || o.SmsSettings.Body == "") {
			add("RecipientOrganization.SmsSettings", "SMS settings with body must be set when the channel includes SMS.")
		}
	}
	if rc.RecipientExternalIdentity != nil {
		n++
	}
	if n != 1 {
		add("Recipient", "Must have exactly one recipient.")
	}
}

func (s *Sim) handleNotifOrder(w http.ResponseWriter, r *http.Request) {
	if !s.altinnAuthorised(w, r, apiNotifications) {
		return
	}
	var req notifOrderRequest
	if err := decodeBody(r, &req); err != nil {
		validationProblem(w, map[string][]string{"$": {err.Error()}})
		return
	}
	noteIDs(r, req.IdempotencyID)
	errs := map[string][]string{}
	if strings.TrimSpace(req.IdempotencyID) == "" {
		errs["IdempotencyId"] = []string{"IdempotencyId cannot be null or empty."}
	}
	if req.ConditionEndpoint != "" {
		if u, err := url.Parse(req.ConditionEndpoint); err != nil || !u.IsAbs() {
			errs["ConditionEndpoint"] = []string{"ConditionEndpoint must be an absolute URI."}
		}
	}
	checkRecipient("Recipient.", req.Recipient, errs)
	for i, rem := range req.Reminders {
		if rem.DelayDays < 1 {
			errs[fmt.Sprintf("Reminders[%d].DelayDays", i)] = []string{"DelayDays must be at least 1."}
		}
		checkRecipient(fmt.Sprintf("Reminders[%d].Recipient.", i), rem.Recipient, errs)
	}
	if len(errs) > 0 {
		validationProblem(w, errs)
		return
	}
	now := s.Now()
	st := s.notes
	st.mu.Lock()
	defer st.mu.Unlock()
	if o, ok := st.byIdem[req.IdempotencyID]; ok {
		writeJSON(w, http.StatusOK, o.response)
		return
	}
	if !s.hasContact(req.Recipient) {
		// As Altinn does: the order is refused at once, for good.
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusUnprocessableEntity)
		writeJSONBody(w, map[string]any{"type": "https://tools.ietf.org/html/rfc9110#section-15.5.21", "title": "Unprocessable Entity",
			"status": http.StatusUnprocessableEntity, "errorCode": "NOT-00001", "detail": "Missing contact information for recipient(s)",
			"instance": notifBase + "/orders"})
		return
	}
	rnd := derivedRand(s.seed, "notification", req.IdempotencyID)
	sendAt := now
	if req.RequestedSendTime != nil && req.RequestedSendTime.After(now) {
		sendAt = *req.RequestedSendTime
	}
	o := &notifOrder{NotificationOrder: NotificationOrder{ID: newUUID(rnd), IdempotencyID: req.IdempotencyID,
		SendersReference: req.SendersReference, RequestedSendTime: sendAt}}
	if ro := req.Recipient.RecipientOrganization; ro != nil {
		o.RecipientOrg = ro.OrgNumber
	}
	add := func(ref, typ string, at time.Time, rc notifRecipient) *notifShipment {
		sh := &notifShipment{id: newUUID(rnd), ref: ref, typ: typ, sendAt: at,
			doneAfter: time.Minute + s.sc.Notifications.DeliveryDelay.draw(rnd)}
		s.resolveRecipient(sh, rc, rnd.Float64)
		o.shipments = append(o.shipments, sh)
		o.ShipmentIDs = append(o.ShipmentIDs, sh.id)
		st.byShipment[sh.id] = sh
		return sh
	}
	main := add(req.SendersReference, "Notification", sendAt, req.Recipient)
	receipt := map[string]any{"shipmentId": main.id, "sendersReference": req.SendersReference}
	var reminders []map[string]any
	for _, rem := range req.Reminders {
		sh := add(rem.SendersReference, "Reminder", sendAt.Add(time.Duration(rem.DelayDays)*24*time.Hour), rem.Recipient)
		reminders = append(reminders, map[string]any{"shipmentId": sh.id, "sendersReference": rem.SendersReference})
	}
	if len(reminders) > 0 {
		receipt["reminders"] = reminders
	}
	o.response = map[string]any{"notificationOrderId": o.ID, "notification": receipt}
	st.byIdem[req.IdempotencyID], st.byOrder[o.ID] = o, o
	s.logger.Info("notification order received", "id", o.ID, "org", o.RecipientOrg, "reminders", len(req.Reminders))
	writeJSON(w, http.StatusCreated, o.response)
}

// hasContact reports whether Altinn finds contact information for an
// organisation recipient on its channel schema (any other recipient is
// taken as given).
func (s *Sim) hasContact(rc notifRecipient) bool {
	ro := rc.RecipientOrganization
	if ro == nil {
		return true
	}
	o := s.w.orgByNr[ro.OrgNumber]
	if o == nil {
		return true // the simulator knows only its own world; any other is taken as reachable
	}
	switch ro.ChannelSchema {
	case "Email":
		return len(o.emails) > 0
	case "Sms":
		return len(o.phones) > 0
	case "EmailAndSms":
		return len(o.emails) > 0 && len(o.phones) > 0
	}
	return len(o.emails)+len(o.phones) > 0
}

// resolveRecipient fills a shipment's destinations.
func (s *Sim) resolveRecipient(sh *notifShipment, rc notifRecipient, u func() float64) {
	fail := func() bool { return u() < s.sc.Notifications.FailChance }
	switch {
	case rc.RecipientEmail != nil:
		sh.dests = append(sh.dests, notifDestination{"Email", rc.RecipientEmail.EmailAddress, fail()})
	case rc.RecipientSms != nil:
		sh.dests = append(sh.dests, notifDestination{"SMS", rc.RecipientSms.PhoneNumber, fail()})
	case rc.RecipientPerson != nil:
		sh.channel = rc.RecipientPerson.ChannelSchema
		sh.dests = append(sh.dests, notifDestination{"Email", "krr-" + rc.RecipientPerson.NationalIdentityNumber[:6] + "@example.no", fail()})
	case rc.RecipientOrganization != nil:
		ro := rc.RecipientOrganization
		sh.channel = ro.ChannelSchema
		o := s.w.orgByNr[ro.OrgNumber]
		if o == nil {
			return
		}
		email := strings.Contains(ro.ChannelSchema, "Email")
		sms := strings.Contains(ro.ChannelSchema, "Sms")
		if ro.ChannelSchema == "EmailPreferred" && len(o.emails) > 0 {
			sms = false
		}
		if ro.ChannelSchema == "SmsPreferred" && len(o.phones) > 0 {
			email = false
		}
		if ro.ChannelSchema == "EmailPreferred" && len(o.emails) == 0 {
			sms = true
		}
		if ro.ChannelSchema == "SmsPreferred" && len(o.phones) == 0 {
			email = true
		}
		if email {
			for _, e := range o.emails {
				sh.dests = append(sh.dests, notifDestination{"Email", e, fail()})
			}
		}
		if sms {
			for _, p := range o.phones {
				sh.dests = append(sh.dests, notifDestination{"SMS", p, fail()})
			}
		}
	}
}

type deliveryManifest struct {
	Type        string `json:"type"`
	Destination string `json:"destination"`
	Status      string `json:"status"`
	Description string `json:"description,omitempty"`
	LastUpdate  string `json:"lastUpdate"`
}

// manifest is the shipment's NotificationDeliveryManifestExt at now.
func (sh *notifShipment) manifest(now time.Time) map[string]any {
	processing := sh.sendAt.Add(time.Minute)
	done := sh.sendAt.Add(sh.doneAfter)
	status, last := "Order_Registered", sh.sendAt
	recipients := []deliveryManifest{}
	if !now.Before(sh.sendAt) {
		status = "Order_Processing"
		switch {
		case !now.Before(done):
			status, last = "Order_Completed", done
		case !now.Before(processing):
			status, last = "Order_Processed", processing
		}
		for _, d := range sh.dests {
			m := deliveryManifest{Type: d.kind, Destination: d.destination, LastUpdate: altinnTime(last)}
			prefix := "Email_"
			if d.kind == "SMS" {
				prefix = "SMS_"
			}
			switch {
			case status == "Order_Processing":
				m.Status = prefix + "New"
			case status == "Order_Processed" && d.kind == "SMS":
				m.Status = "SMS_Accepted"
			case status == "Order_Processed":
				m.Status = "Email_Succeeded"
			case d.fails && d.kind == "SMS":
				m.Status = "SMS_Failed_Undelivered"
			case d.fails:
				m.Status = "Email_Failed_Bounced"
			default:
				m.Status = prefix + "Delivered"
			}
			recipients = append(recipients, m)
		}
		if len(sh.dests) == 0 && status != "Order_Processing" {
			kind, st := "Email", "Email_Failed_RecipientNotIdentified"
			if strings.HasPrefix(sh.channel, "Sms") {
				kind, st = "SMS", "SMS_Failed_RecipientNotIdentified"
			}
			recipients = append(recipients, deliveryManifest{Type: kind, Status: st, LastUpdate: altinnTime(last),
				Description: "No contact information was found for the recipient."})
		}
	}
	return map[string]any{
		"shipmentId": sh.id, "sendersReference": sh.ref, "type": sh.typ, "status": status,
		"lastUpdate": altinnTime(last), "recipients": recipients,
	}
}

// handleNotifShipment answers a shipment's delivery manifest; the order id
// is accepted too and answers the order's first shipment.
func (s *Sim) handleNotifShipment(w http.ResponseWriter, r *http.Request) {
	if !s.altinnAuthorised(w, r, apiNotifications) {
		return
	}
	id := strings.ToLower(r.PathValue("id"))
	noteIDs(r, id)
	s.notes.mu.Lock()
	sh, ok := s.notes.byShipment[id]
	if !ok {
		if o, found := s.notes.byOrder[id]; found {
			sh, ok = o.shipments[0], true
		}
	}
	s.notes.mu.Unlock()
	if !ok {
		problem(w, http.StatusNotFound, "Not Found", "No shipment with the provided identifier was found")
		return
	}
	writeJSON(w, http.StatusOK, sh.manifest(s.Now()))
}

// NotificationOrders returns every notification order received, oldest
// first by requested send time.
func (s *Sim) NotificationOrders() []NotificationOrder {
	s.notes.mu.Lock()
	defer s.notes.mu.Unlock()
	out := make([]NotificationOrder, 0, len(s.notes.byOrder))
	for _, o := range s.notes.byOrder {
		out = append(out, o.NotificationOrder)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].RequestedSendTime.Equal(out[j].RequestedSendTime) {
			return out[i].RequestedSendTime.Before(out[j].RequestedSendTime)
		}
		return out[i].ID < out[j].ID
	})
	return out
}
