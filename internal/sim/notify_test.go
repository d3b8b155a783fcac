package sim

import (
	"bytes"
	"net/http"
	"testing"
	"time"
)

func orgOrder(idem, orgnr string, reminders int) map[string]any {
	o := map[string]any{
		"idempotencyId": idem, "sendersReference": "postvakt-" + idem,
		"requestedSendTime": testStart.Add(time.Hour).Format(time.RFC3339),
		"conditionEndpoint": "https://postvakt.example.no/api/v1/conditions/" + idem,
		"recipient": map[string]any{"recipientOrganization": map[string]any{
			"orgNumber": orgnr, "channelSchema": "EmailPreferred",
			"emailSettings": map[string]any{"subject": "Post venter", "body": "Dere har post som venter i Altinn."},
			"smsSettings":   map[string]any{"body": "Dere har post som venter i Altinn."},
		}},
	}
	var rem []map[string]any
	for i := 0; i < reminders; i++ {
		rem = append(rem, map[string]any{"delayDays": 7 * (i + 1), "recipient": o["recipient"]})
	}
	if rem != nil {
		o["reminders"] = rem
	}
	return o
}

func TestNotificationOrders(t *testing.T) {
	e := newEnv(t, loadScenario(t, "demo"), 3, Options{})
	tok := e.exchange(e.token()) // Notifications and Profile take Altinn tokens only
	var with, without *org
	for _, o := range e.sim.w.orgs {
		if len(o.emails) > 0 && with == nil {
			with = o
		}
		if len(o.emails)+len(o.phones) == 0 && without == nil {
			without = o
		}
	}
	if with == nil || without == nil {
		t.Fatal("demo world lacks an organisation with and one without addresses")
	}
	post := func(body any) (int, map[string]any) {
		resp, data := e.do(e.request(http.MethodPost, notifBase+"/orders", body, bearer(tok)))
		return resp.StatusCode, decode[map[string]any](t, data)
	}
	code, first := post(orgOrder("idem-1", with.nr, 1))
	if code != http.StatusCreated || !isUUID(first["notificationOrderId"].(string)) {
		t.Fatalf("create: %d %v", code, first)
	}
	code, again := post(orgOrder("idem-1", with.nr, 1))
	if code != http.StatusOK || again["notificationOrderId"] != first["notificationOrderId"] {
		t.Fatalf("same idempotencyId: %d %v", code, again)
	}
	if n := len(e.sim.NotificationOrders()); n != 1 {
		t.Fatalf("%d orders, want 1", n)
	}
	receipt := first["notification"].(map[string]any)
	shipmentID := receipt["shipmentId"].(string)
	if rem := receipt["reminders"].([]any); len(rem) != 1 {
		t.Fatalf("reminders %v", rem)
	}
	manifest := func(id string) map[string]any {
		resp, data := e.do(e.request(http.MethodGet, notifBase+"/shipment/"+id, nil, bearer(tok)))
		if resp.StatusCode != 200 {
			t.Fatalf("shipment %s: %d %s", id, resp.StatusCode, data)
		}
		return decode[map[string]any](t, data)
	}
	if m := manifest(shipmentID); m["status"] != "Order_Registered" || m["type"] != "Notification" {
		t.Fatalf("before send time: %v", m)
	}
	e.clock.Advance(time.Hour + sixteenMinutes)
	m := manifest(shipmentID)
	recips := m["recipients"].([]any)
	if m["status"] != "Order_Completed" || len(recips) != len(with.emails) {
		t.Fatalf("after delivery: %v", m)
	}
	for _, r := range recips {
		r := r.(map[string]any)
		if r["type"] != "Email" || (r["status"] != "Email_Delivered" && r["status"] != "Email_Failed_Bounced") {
			t.Errorf("recipient %v", r)
		}
	}
	if m := manifest(first["notificationOrderId"].(string)); m["shipmentId"] != shipmentID {
		t.Errorf("order id does not lead to its notification: %v", m)
	}
	// An organisation without addresses cannot be notified: Altinn refuses
	// the order at once with 422 NOT-00001, and again on a replay.
	for range 2 {
		code, noAddr := post(orgOrder("idem-2", without.nr, 0))
		if code != http.StatusUnprocessableEntity || noAddr["errorCode"] != "NOT-00001" {
			t.Fatalf("no addresses: %d %v", code, noAddr)
		}
	}
	if n := len(e.sim.NotificationOrders()); n != 1 {
		t.Fatalf("%d orders after a refused one, want 1", n)
	}
	// Validation.
	bad := orgOrder("", "123", 0)
	if code, body := post(bad); code != http.StatusBadRequest || body["errors"] == nil {
		t.Errorf("invalid order: %d %v", code, body)
	}
}

const sixteenMinutes = 16 * time.Minute

// An organisation whose only notification address in Altinn is an SMS
// number is reached by an EmailPreferred order: by SMS, with the order's
// smsSettings. A fallback channel without smsSettings is refused with 400,
// as Altinn's RecipientBaseValidator refuses it.
func TestNotificationOrderSMSOnly(t *testing.T) {
	e := newEnv(t, loadScenario(t, "demo"), 3, Options{})
	tok := e.exchange(e.token()) // Notifications and Profile take Altinn tokens only
	o := e.sim.w.orgs[0]
	o.emails, o.phones = nil, []string{"+4791234567"}
	post := func(body any) (int, map[string]any) {
		resp, data := e.do(e.request(http.MethodPost, notifBase+"/orders", body, bearer(tok)))
		return resp.StatusCode, decode[map[string]any](t, data)
	}
	noSMS := orgOrder("idem-nosms", o.nr, 0)
	delete(noSMS["recipient"].(map[string]any)["recipientOrganization"].(map[string]any), "smsSettings")
	if code, body := post(noSMS); code != http.StatusBadRequest || body["errors"] == nil {
		t.Fatalf("EmailPreferred without smsSettings: %d %v, want 400", code, body)
	}
	code, first := post(orgOrder("idem-sms", o.nr, 0))
	if code != http.StatusCreated {
		t.Fatalf("EmailPreferred to an SMS-only organisation: %d %v, want 201", code, first)
	}
	e.clock.Advance(time.Hour + sixteenMinutes)
	resp, data := e.do(e.request(http.MethodGet, notifBase+"/shipment/"+first["notificationOrderId"].(string), nil, bearer(tok)))
	m := decode[map[string]any](t, data)
	recips, _ := m["recipients"].([]any)
	if resp.StatusCode != http.StatusOK || len(recips) != 1 {
		t.Fatalf("manifest: %d %v", resp.StatusCode, m)
	}
	if r := recips[0].(map[string]any); r["type"] != "SMS" || r["destination"] != "+4791234567" {
		t.Fatalf("recipient %v, want the SMS number", r)
	}
}

func TestNotificationAddresses(t *testing.T) {
	e := newEnv(t, loadScenario(t, "demo"), 3, Options{})
	tok := e.exchange(e.token()) // Notifications and Profile take Altinn tokens only
	var with, without *org
	for _, o := range e.sim.w.orgs {
		if len(o.emails)+len(o.phones) > 0 && with == nil {
			with = o
		}
		if len(o.emails)+len(o.phones) == 0 && without == nil {
			without = o
		}
	}
	resp, data := e.do(e.request(http.MethodGet, "/profile/api/v1/organizations/"+with.nr+"/notificationaddresses/mandatory", nil, bearer(tok)))
	got := decode[struct {
		OrganizationNumber    string
		NotificationAddresses []notificationAddress
	}](t, data)
	if resp.StatusCode != 200 || got.OrganizationNumber != with.nr || len(got.NotificationAddresses) != len(with.emails)+len(with.phones) {
		t.Fatalf("%d %s", resp.StatusCode, data)
	}
	if resp, _ := e.do(e.request(http.MethodGet, "/profile/api/v1/organizations/"+without.nr+"/notificationaddresses/mandatory", nil, bearer(tok))); resp.StatusCode != 404 {
		t.Errorf("organisation without addresses: %d", resp.StatusCode)
	}
	// The authorised lookup answers every organisation asked, empty lists
	// included; the internal one is refused to a service owner.
	resp, data = e.do(e.request(http.MethodPost, "/profile/api/v1/correspondence/organizations/notificationaddresses/lookup",
		map[string]any{"organizationNumbers": []string{with.nr, without.nr}}, bearer(tok)))
	list := decode[struct{ ContactPointsList []contactPoints }](t, data).ContactPointsList
	if resp.StatusCode != 200 || len(list) != 2 || list[0].OrganizationNumber != with.nr || list[0].AddressOrigin != with.nr ||
		len(list[0].EmailList)+len(list[0].MobileNumberList) == 0 || list[1].OrganizationNumber != without.nr ||
		list[1].EmailList == nil || len(list[1].EmailList) != 0 || !bytes.Contains(data, []byte(`"emailList":[]`)) {
		t.Fatalf("lookup: %d %s", resp.StatusCode, data)
	}
	resp, _ = e.do(e.request(http.MethodPost, "/profile/api/v1/organizations/notificationaddresses/lookup",
		map[string]any{"organizationNumbers": []string{with.nr}}, bearer(tok)))
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("internal lookup: %d, want 403", resp.StatusCode)
	}
	// With scopes enforced, the lookup needs Profile's own scope.
	scoped := newEnv(t, loadScenario(t, "demo"), 3, Options{RequireScopes: true})
	for scope, want := range map[string]int{"altinn:serviceowner": 403, profileLookupScope: 200} {
		resp, _ := scoped.do(scoped.request(http.MethodPost, "/profile/api/v1/correspondence/organizations/notificationaddresses/lookup",
			map[string]any{"organizationNumbers": []string{with.nr}}, bearer(scoped.exchange(scoped.tokenWithScope(scope)))))
		if resp.StatusCode != want {
			t.Errorf("lookup with scope %s: %d, want %d", scope, resp.StatusCode, want)
		}
	}
}
