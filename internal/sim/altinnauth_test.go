package sim

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"
)

// Each Altinn API takes the scopes its own policy wants, whole, and
// answers any other token of a kind it takes 403 without a body (ASP.NET's
// Forbid; Notifications and Profile take Altinn tokens only):
// altinn:serviceowner alone is none of them. Correspondence takes an
// Altinn token with altinn:correspondence.write, a Maskinporten token only
// with altinn:serviceowner beside it (SenderScopePolicy), and either with
// altinn:correspondence.read (RecipientScopePolicy).
func TestAltinnScopesPerAPI(t *testing.T) {
	e := newEnv(t, loadScenario(t, "demo"), 1, Options{RequireScopes: true})
	sh := e.findShipment(func(s *shipment) bool { return s.channel == "altinn" })
	exchanged := func(scope string) string { return e.exchange(e.tokenWithScope(scope)) }
	org := e.sim.Organisations()[0].OrgNr
	order := map[string]any{"idempotencyId": "scopes-1", "recipient": map[string]any{"recipientOrganization": map[string]any{
		"orgNumber": org, "channelSchema": "Email", "emailSettings": map[string]any{"subject": "s", "body": "b"}}}}
	apis := map[string]func(tok string) *http.Request{
		"correspondence": func(tok string) *http.Request {
			return e.request(http.MethodGet, altinnBase+"/"+sh.id+"/details", nil, bearer(tok))
		},
		"notifications": func(tok string) *http.Request {
			return e.request(http.MethodPost, notifBase+"/orders", order, bearer(tok))
		},
		"profile": func(tok string) *http.Request {
			return e.request(http.MethodPost, "/profile/api/v1/correspondence/organizations/notificationaddresses/lookup",
				map[string]any{"organizationNumbers": []string{org}}, bearer(tok))
		},
	}
	for _, c := range []struct {
		api, token string
		tok        func() string
		allowed    bool
	}{
		{"correspondence", "Maskinporten, both scopes", func() string {
			return e.tokenWithScope("altinn:correspondence.write altinn:serviceowner")
		}, true},
		{"correspondence", "Maskinporten, write only", func() string { return e.tokenWithScope("altinn:correspondence.write") }, false},
		{"correspondence", "Maskinporten, serviceowner only", func() string { return e.tokenWithScope("altinn:serviceowner") }, false},
		{"correspondence", "Maskinporten, a scope beginning like one", func() string {
			return e.tokenWithScope("altinn:correspondence.writer altinn:serviceowner")
		}, false},
		{"correspondence", "Altinn, write", func() string { return exchanged("altinn:correspondence.write") }, true},
		{"correspondence", "Altinn, read", func() string { return exchanged("altinn:correspondence.read") }, true},
		{"correspondence", "Altinn, notifications", func() string { return exchanged("altinn:serviceowner/notifications.create") }, false},
		{"notifications", "notifications.create", func() string { return exchanged("altinn:serviceowner/notifications.create") }, true},
		{"notifications", "serviceowner only", func() string { return exchanged("altinn:serviceowner") }, false},
		{"notifications", "Correspondence's", func() string {
			return exchanged("altinn:correspondence.write altinn:serviceowner")
		}, false},
		{"profile", "its own", func() string { return exchanged(profileLookupScope) }, true},
		{"profile", "serviceowner only", func() string { return exchanged("altinn:serviceowner") }, false},
	} {
		resp, data := e.do(apis[c.api](c.tok()))
		switch {
		case c.allowed && (resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden):
			t.Errorf("%s with %s: %d %s; want it taken (an answer past the policy)", c.api, c.token, resp.StatusCode, data)
		case !c.allowed && (resp.StatusCode != http.StatusForbidden || len(data) != 0):
			t.Errorf("%s with %s: %d %q; want 403 without a body", c.api, c.token, resp.StatusCode, data)
		}
	}
}

// A grant for production Maskinporten (the simulator plays the test
// environment) gets a token no simulated Altinn API takes: Correspondence
// answers 403 with the IDX10205 ProblemDetails ("Exchange to Altinn
// token"), without an error code; the exchange, Notifications and Profile
// 401 without a body. With every scope, whether or not scopes are checked.
func TestAltinnOtherEnvironment(t *testing.T) {
	for _, require := range []bool{false, true} {
		e := newEnv(t, loadScenario(t, "demo"), 1, Options{RequireScopes: require})
		tok := e.tokenWith(func(c jwt.MapClaims) {
			c["aud"] = "https://maskinporten.no/"
			c["scope"] = "altinn:correspondence.write altinn:serviceowner altinn:serviceowner/notifications.create " + profileLookupScope
		})
		sh := e.findShipment(func(s *shipment) bool { return s.channel == "altinn" })
		resp, data := e.do(e.request(http.MethodGet, altinnBase+"/"+sh.id+"/details", nil, bearer(tok)))
		if resp.StatusCode != http.StatusForbidden || !bytes.Contains(data, []byte("IDX10205")) || !strings.Contains(string(data), "Exchange to Altinn token") ||
			bytes.Contains(data, []byte(`"code"`)) || !strings.Contains(resp.Header.Get("WWW-Authenticate"), "invalid_token") {
			t.Errorf("require %v: correspondence: %d %s %v; want 403 IDX10205 without a code", require, resp.StatusCode, data, resp.Header)
		}
		for _, req := range []*http.Request{
			e.request(http.MethodGet, "/authentication/api/v1/exchange/maskinporten", nil, bearer(tok)),
			e.request(http.MethodPost, notifBase+"/orders", map[string]any{"idempotencyId": "x"}, bearer(tok)),
			e.request(http.MethodPost, "/profile/api/v1/correspondence/organizations/notificationaddresses/lookup",
				map[string]any{"organizationNumbers": []string{"974760673"}}, bearer(tok)),
		} {
			if resp, _ := e.do(req); resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("require %v: %s: %d, want 401", require, req.URL.Path, resp.StatusCode)
			}
		}
		// The test environment's own audience is taken as before.
		ok := e.tokenWithScope("altinn:correspondence.write altinn:serviceowner")
		if resp, data := e.do(e.request(http.MethodGet, altinnBase+"/"+sh.id+"/details", nil, bearer(ok))); resp.StatusCode != http.StatusOK {
			t.Errorf("require %v: correspondence with a test token: %d %s", require, resp.StatusCode, data)
		}
	}
}

// Notifications and Profile take Altinn tokens only (their one scheme,
// JwtCookie, checks Altinn's signing keys): a Maskinporten token of the
// simulated environment, even with every scope, is answered 401 without a
// body and without WWW-Authenticate (the handler's challenge sets the
// status only) at each of their endpoints, whether or not scopes are
// checked; the same token exchanged is taken (an answer past
// authentication and policy). Correspondence takes both.
func TestNotificationsAndProfileTakeAltinnTokensOnly(t *testing.T) {
	for _, require := range []bool{false, true} {
		e := newEnv(t, loadScenario(t, "demo"), 1, Options{RequireScopes: require})
		raw := e.tokenWithScope("altinn:correspondence.write altinn:serviceowner altinn:serviceowner/notifications.create " + profileLookupScope)
		exchanged := e.exchange(raw)
		org := e.sim.Organisations()[0].OrgNr
		sh := e.findShipment(func(s *shipment) bool { return s.channel == "altinn" })
		order := map[string]any{"idempotencyId": "kinds-1", "recipient": map[string]any{"recipientOrganization": map[string]any{
			"orgNumber": org, "channelSchema": "Email", "emailSettings": map[string]any{"subject": "s", "body": "b"}}}}
		requests := func(tok string) []*http.Request {
			return []*http.Request{
				e.request(http.MethodPost, notifBase+"/orders", order, bearer(tok)),
				e.request(http.MethodGet, notifBase+"/shipment/"+newUUID(derivedRand(1, "kinds")), nil, bearer(tok)),
				e.request(http.MethodPost, "/profile/api/v1/correspondence/organizations/notificationaddresses/lookup",
					map[string]any{"organizationNumbers": []string{org}}, bearer(tok)),
				e.request(http.MethodGet, "/profile/api/v1/organizations/"+org+"/notificationaddresses/mandatory", nil, bearer(tok)),
			}
		}
		for _, req := range requests(raw) {
			resp, data := e.do(req)
			if resp.StatusCode != http.StatusUnauthorized || len(data) != 0 || resp.Header.Get("WWW-Authenticate") != "" {
				t.Errorf("require %v: %s %s with a Maskinporten token: %d %q %v; want 401 without a body or challenge",
					require, req.Method, req.URL.Path, resp.StatusCode, data, resp.Header)
			}
		}
		for _, req := range requests(exchanged) {
			if resp, data := e.do(req); resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
				t.Errorf("require %v: %s %s with the exchanged token: %d %s; want it taken", require, req.Method, req.URL.Path, resp.StatusCode, data)
			}
		}
		for _, tok := range []string{raw, exchanged} {
			if resp, data := e.do(e.request(http.MethodGet, altinnBase+"/"+sh.id+"/details", nil, bearer(tok))); resp.StatusCode != http.StatusOK {
				t.Errorf("require %v: correspondence: %d %s; want both kinds taken", require, resp.StatusCode, data)
			}
		}
	}
}
