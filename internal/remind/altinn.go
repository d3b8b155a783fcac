package remind

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/go-resty/resty/v2"
	"golang.org/x/net/idna"

	"postvakt/internal/altinntoken"
	"postvakt/internal/httpclient"
	"postvakt/internal/model"
)

// Doer sends one logical HTTP call; *httpclient.Client is one.
type Doer interface {
	Do(ctx context.Context, req httpclient.Request) (*httpclient.Response, error)
}

// TokenSource gives access tokens; *maskinporten.Source is one. A nil
// TokenSource sends no Authorization header. It is httpclient's:
// httpclient.Bearer puts the tokens in the requests.
type TokenSource = httpclient.TokenSource

// ProfileScope is the Maskinporten scope of Altinn Profile's lookup for a
// service owner (its policy CorrespondenceAccess, altinn-profile's
// Program.cs).
const ProfileScope = "altinn:profile/correspondence.notificationsettings.read"

// NotificationsScope is what postvakt asks Maskinporten for, for Altinn
// Notifications orders: the scope its policy wants (altinn-notifications'
// AuthorizationConstants.SCOPE_NOTIFICATIONS_CREATE), and
// altinn:serviceowner beside it, as for Correspondence (the policy does
// not check it; an order needs a token of a service owner, whose org
// claim names the order's creator, else 403 as for a missing scope).
const NotificationsScope = "altinn:serviceowner/notifications.create altinn:serviceowner"

// profileNeed and notificationsNeed are what the two services' policies
// want of a token, for the error of a refused one (altinntoken.Problem).
var (
	profileNeed = altinntoken.Need{Scopes: ProfileScope,
		Policy: "Altinn Profile's lookup needs an Altinn token with the scope " + ProfileScope}
	notificationsNeed = altinntoken.Need{Scopes: NotificationsScope,
		Policy: "Altinn Notifications needs an Altinn token of a service owner with the scope altinn:serviceowner/notifications.create"}
)

// profileLookupPath is Altinn Profile's authorised lookup for a service
// owner, below the Profile API base. (The similar
// /organizations/notificationaddresses/lookup is internal to Altinn, for
// its own Notifications, and fails for a service owner in production.)
const profileLookupPath = "/correspondence/organizations/notificationaddresses/lookup"

// Profile looks up organisations' notification e-mail addresses in Altinn
// Profile: POST {base}/correspondence/organizations/notificationaddresses/lookup
// (scope ProfileScope) with {"organizationNumbers": [...]}, answered with
// {"contactPointsList": [{"organizationNumber", "addressOrigin", "partyId",
// "emailList", "mobileNumberList"}]}. The specs notes have one entry per
// organisation asked, empty lists included; Altinn's own code
// (altinn-profile's GetOrganizationNotificationAddresses) lists only those
// with addresses, their own or their main unit's. Either way, one a whole
// answer does not list has none. The HTTP client's BaseURL is the Profile
// API base, e.g. https://platform.altinn.no/profile/api/v1.
type Profile struct {
	HTTP   Doer
	Tokens TokenSource
}

// Lookup answers the e-mail addresses of each of orgs that has any; one
// absent from the result has none. Addresses that are not plain e-mail
// addresses, and entries for organisations not asked, are ignored; an
// address named again (in other capitals, or in a second entry for the
// organisation) is named once. The answer is read entry by entry: an
// entry that is not the expected JSON is its organisation's error, an
// *EntryErrors beside the others' addresses (and, when the entry does not
// say whose it is, of every organisation the answer does not list
// otherwise).
func (p *Profile) Lookup(ctx context.Context, orgs []string) (map[string][]string, error) {
	body, err := json.Marshal(map[string][]string{"organizationNumbers": orgs})
	if err != nil {
		return nil, fmt.Errorf("profile lookup: %w", err)
	}
	resp, err := p.HTTP.Do(ctx, httpclient.Request{Op: "profile_lookup", Method: http.MethodPost,
		Path: profileLookupPath}.With(prepare(p.Tokens, body)))
	if terr := altinntoken.Problem(err, profileNeed); terr != nil {
		err = terr // the cause named, after the one renewal
	}
	if err != nil {
		return nil, fmt.Errorf("profile lookup of %d organisation(s): %w", len(orgs), err)
	}
	var answer struct {
		ContactPointsList *[]json.RawMessage `json:"contactPointsList"`
	}
	if err := json.Unmarshal(resp.Body, &answer); err != nil {
		return nil, fmt.Errorf("profile lookup of %d organisation(s): the answer is not the expected JSON: %w", len(orgs), err)
	}
	if answer.ContactPointsList == nil {
		// Only a whole answer says that who it leaves out has none.
		return nil, fmt.Errorf("profile lookup of %d organisation(s): the answer has no contactPointsList", len(orgs))
	}
	asked := make(map[string]bool, len(orgs))
	for _, o := range orgs {
		asked[o] = true
	}
	found := map[string][]string{}
	bad := map[string]error{}
	listed := map[string]bool{}
	var stray error // an entry that names no organisation postvakt can tell
	// One mailbox is one address, however often and in whatever capitals
	// the answer names it (an organisation listed twice, "Post@Firma.NO"
	// beside "post@firma.no"): each address a reminder goes to is a copy
	// in that mailbox. The first spelling stands.
	seen := map[string]bool{}
	for i, raw := range *answer.ContactPointsList {
		cp, org, err := readContactPoint(raw)
		switch {
		case org == "" && err == nil:
			continue // null: no entry
		case org == "":
			stray = fmt.Errorf("entry %d of the answer names no organisation: %w", i, err)
			continue
		case !asked[org]:
			continue // not ours: ignore rather than trust
		case err != nil:
			bad[org] = fmt.Errorf("its entry in the answer is not the expected JSON: %w", err)
			continue
		}
		listed[org] = true
		for _, e := range cp.EmailList {
			e = asciiDomain(e)
			mailbox := org + " " + strings.ToLower(e)
			if CheckEmail(e) == "" && !seen[mailbox] {
				seen[mailbox] = true
				found[org] = append(found[org], e)
			}
		}
	}
	var unsettled []string
	if stray != nil {
		// Who the unreadable entry was about is not known: one the answer
		// does not list otherwise may be that one, so it is not taken to
		// have none.
		for _, o := range orgs {
			if !listed[o] && bad[o] == nil {
				bad[o] = fmt.Errorf("not listed in an answer with an unreadable entry (%w)", stray)
				unsettled = append(unsettled, o)
			}
		}
	}
	if len(bad) == 0 {
		return found, nil
	}
	for o := range bad {
		delete(found, o) // what another entry of it said is not the whole of it
	}
	return found, &EntryErrors{Asked: len(orgs), Orgs: bad, Unsettled: unsettled}
}

// contactPoint is the part of an entry of Altinn Profile's answer postvakt
// reads.
type contactPoint struct {
	OrganizationNumber string   `json:"organizationNumber"`
	AddressOrigin      string   `json:"addressOrigin"`
	EmailList          []string `json:"emailList"`
}

// readContactPoint reads one entry of the answer's contactPointsList. org
// is the organisation it names (a string, or a number, which is still
// that organisation's entry, if not one as expected), "" when it names
// none: a null entry (err nil), or one that is not an object or whose
// organizationNumber is neither, absent or null (err set). With org set,
// err says the entry is not the expected JSON (emailList a string, say).
func readContactPoint(raw json.RawMessage) (cp contactPoint, org string, err error) {
	if string(raw) == "null" {
		return cp, "", nil
	}
	var head struct {
		OrganizationNumber json.RawMessage `json:"organizationNumber"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return cp, "", err
	}
	var n json.Number
	switch {
	case json.Unmarshal(head.OrganizationNumber, &org) == nil && org != "":
	case json.Unmarshal(head.OrganizationNumber, &n) == nil && n != "": // null is no number
		org = n.String()
	default:
		return cp, "", fmt.Errorf("organizationNumber %s is not an organisation number", snippet(head.OrganizationNumber))
	}
	if err := json.Unmarshal(raw, &cp); err != nil {
		return cp, org, err
	}
	return cp, org, nil
}

// snippet is the start of b, for an error (which is logged): Altinn's
// text, so its national ids masked, and one its end would cut left out
// whole (model.Excerpt).
func snippet(b []byte) string {
	if len(b) == 0 {
		return "(absent)"
	}
	s := string(model.MaskNationalIDsIn(model.Excerpt(b, 40)))
	if len(b) > 40 {
		s += "…"
	}
	return s
}

// EntryErrors is the error of a Profile lookup whose answer was whole but
// had entries that could not be read: each such organisation's error, by
// organisation number. The lookup's addresses for the others stand (one
// organisation's bad entry never holds back another's addresses); these
// count as not looked up. Unsettled are those of Orgs whose own entry
// was not unreadable: the answer did not list them beside an entry that
// names no organisation (it may be theirs); asked alone, each is settled
// (Resolver does so).
type EntryErrors struct {
	Asked     int
	Orgs      map[string]error
	Unsettled []string
}

func (e *EntryErrors) Error() string {
	orgs := make([]string, 0, len(e.Orgs))
	for o := range e.Orgs {
		orgs = append(orgs, o)
	}
	sort.Strings(orgs)
	if len(orgs) > 3 {
		orgs = append(orgs[:3], "…")
	}
	return fmt.Sprintf("profile lookup of %d organisation(s): the answer about %d could not be read (%s)",
		e.Asked, len(e.Orgs), strings.Join(orgs, ", "))
}

// Notifier places Altinn Notifications orders: POST {base}/future/orders,
// answered 201 with a new order or 200 with the order placed before under
// the same idempotencyId. The HTTP client's BaseURL is the Notifications API
// base, e.g. https://platform.altinn.no/notifications/api/v1.
type Notifier struct {
	HTTP   Doer
	Tokens TokenSource
}

// ErrOrderRefused is matched (errors.Is) by the error of an order Altinn
// refused for good: 422 with errorCode NOT-00001, no contact information
// for the recipient. Placing it again would be refused again. A 400 ("the
// request is malformed or contains invalid data") is not final: a setting
// of postvakt's (the resource id) may be what Altinn refused, and the order
// goes once it is fixed.
var ErrOrderRefused = errors.New("notification order refused for good by Altinn")

// Order places the order (a body made by OrderRequest) and returns its
// notificationOrderId. Placing the same body again is safe.
func (n *Notifier) Order(ctx context.Context, request []byte) (string, error) {
	resp, err := n.HTTP.Do(ctx, httpclient.Request{Op: "notification_order", Method: http.MethodPost,
		Path: "/future/orders"}.With(prepare(n.Tokens, request)))
	if terr := altinntoken.Problem(err, notificationsNeed); terr != nil {
		err = terr // the cause named, after the one renewal; still a 403: refused, not placed
	}
	var se *httpclient.StatusError
	if errors.As(err, &se) && se.StatusCode == http.StatusUnprocessableEntity {
		var p struct {
			ErrorCode string `json:"errorCode"`
			Code      string `json:"code"`
			Detail    string `json:"detail"`
		}
		_ = json.Unmarshal(se.Body, &p)
		// The code is in errorCode (Altinn's Norwegian pages) or code (its
		// English ones), or in both.
		if code := "NOT-00001"; p.ErrorCode == code || p.Code == code {
			// The detail may name the recipients it found no contact for.
			return "", fmt.Errorf("notification order: %w: %s %s", ErrOrderRefused, code, model.MaskNationalIDsIn([]byte(p.Detail)))
		}
	}
	if errors.As(err, &se) && se.StatusCode == http.StatusBadRequest {
		// A validation problem names what was refused only in its errors
		// (Altinn's validator texts, about postvakt's own fields).
		var p struct {
			Errors map[string][]string `json:"errors"`
		}
		if json.Unmarshal(se.Body, &p) == nil && len(p.Errors) > 0 {
			fields := make([]string, 0, len(p.Errors))
			for f, msgs := range p.Errors {
				fields = append(fields, f+": "+strings.Join(msgs, " "))
			}
			sort.Strings(fields)
			return "", fmt.Errorf("notification order: %w (%s)", err, model.MaskNationalIDsIn([]byte(strings.Join(fields, "; "))))
		}
	}
	if err != nil {
		return "", fmt.Errorf("notification order: %w", err)
	}
	var answer struct {
		NotificationOrderID string `json:"notificationOrderId"`
	}
	if err := json.Unmarshal(resp.Body, &answer); err != nil {
		return "", fmt.Errorf("notification order: the answer is not the expected JSON: %w", err)
	}
	if answer.NotificationOrderID == "" {
		return "", errors.New("notification order: the answer has no notificationOrderId")
	}
	return answer.NotificationOrderID, nil
}

// OrderIdempotencyID is the idempotencyId of the order for the notification
// with the given key: the same reminder always orders under the same id, so
// a retry gets the same order back instead of a second one.
func OrderIdempotencyID(key string) string { return "postvakt-reminder-" + key }

// OrderRequest builds the Altinn Notifications order for a reminder: to the
// organisation (Altinn resolves its notification addresses), by e-mail, with
// the reminder's subject and text (references only, never a title). With
// sms (a reminder to an organisation without an e-mail address postvakt
// can use), the channel is EmailPreferred: by e-mail where Altinn has an
// address, else by SMS with that text (Altinn requires both settings for
// a fallback channel). The sender's reference is the notification id.
// resourceID, when set, limits the recipients to those with access to that
// resource.
func OrderRequest(notificationID int64, key, org, resourceID string, m *Message, sms string) ([]byte, error) {
	type emailSettings struct {
		Subject     string `json:"subject"`
		Body        string `json:"body"`
		ContentType string `json:"contentType"`
	}
	type smsSettings struct {
		Body string `json:"body"`
	}
	type recipientOrganization struct {
		OrgNumber     string        `json:"orgNumber"`
		ResourceID    string        `json:"resourceId,omitempty"`
		ChannelSchema string        `json:"channelSchema"`
		EmailSettings emailSettings `json:"emailSettings"`
		SmsSettings   *smsSettings  `json:"smsSettings,omitempty"`
	}
	req := struct {
		IdempotencyID    string `json:"idempotencyId"`
		SendersReference string `json:"sendersReference"`
		Recipient        struct {
			RecipientOrganization recipientOrganization `json:"recipientOrganization"`
		} `json:"recipient"`
	}{IdempotencyID: OrderIdempotencyID(key), SendersReference: strconv.FormatInt(notificationID, 10)}
	req.Recipient.RecipientOrganization = recipientOrganization{OrgNumber: org, ResourceID: resourceURN(resourceID),
		ChannelSchema: "Email", EmailSettings: emailSettings{Subject: m.Subject, Body: m.orderBody(), ContentType: "Plain"}}
	if sms != "" {
		req.Recipient.RecipientOrganization.ChannelSchema = "EmailPreferred"
		req.Recipient.RecipientOrganization.SmsSettings = &smsSettings{Body: sms}
	}
	b, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("build the notification order of %d: %w", notificationID, err)
	}
	return b, nil
}

// orderBody is the text an Altinn Notifications order's e-mail carries
// (Message.OrderBody).
func (m *Message) orderBody() string {
	if m.OrderBody != "" {
		return m.OrderBody
	}
	return m.Body
}

// resourceURN names an Altinn resource as Notifications wants it,
// urn:altinn:resource:<id> (Correspondence, and POSTVAKT_ALTINN_RESOURCE_ID,
// take the bare id); "" stays "".
func resourceURN(id string) string {
	const prefix = "urn:altinn:resource:"
	if id == "" {
		return id
	}
	if len(id) >= len(prefix) && strings.EqualFold(id[:len(prefix)], prefix) {
		return prefix + id[len(prefix):] // URN:Altinn:… is the same URN, written as Altinn wants it
	}
	return prefix + id
}

// asciiDomain is an address with its domain in ASCII (IDNA: bærum.kommune.no
// is xn--brum-voa.kommune.no), as Altinn Profile may hold it and as an SMTP
// server without SMTPUTF8 takes it; an address it cannot convert is left as
// it was (CheckEmail then refuses it).
func asciiDomain(addr string) string {
	local, domain, ok := strings.Cut(strings.TrimSpace(addr), "@")
	if !ok {
		return addr
	}
	d, err := idna.Lookup.ToASCII(domain)
	if err != nil {
		return addr
	}
	return local + "@" + d
}

// prepare sets a JSON body and, with a token source, the bearer token
// (fetched on every attempt, so a retry has a fresh one); with it comes
// what renews the token should the service refuse it: a 401, or a 403
// about the token, as every Altinn client reads one (altinntoken). The
// request goes once more with the same body: an order with the same
// idempotencyId.
func prepare(tokens TokenSource, body []byte) (func(ctx context.Context, r *resty.Request) error, func(*httpclient.Response) bool) {
	var bearer *httpclient.Bearer
	var unauthorized func(*httpclient.Response) bool
	if tokens != nil {
		bearer = httpclient.NewBearer(tokens)
		unauthorized = altinntoken.Renewal(bearer, nil)
	}
	return func(ctx context.Context, r *resty.Request) error {
		if bearer != nil {
			if err := bearer.Set(ctx, r); err != nil {
				return fmt.Errorf("access token: %w", err)
			}
		}
		r.SetHeader("Content-Type", "application/json")
		r.SetHeader("Accept", "application/json")
		r.SetBody(body)
		return nil
	}, unauthorized
}
