package sim

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestSvarUtAuth(t *testing.T) {
	e := newEnv(t, loadScenario(t, "demo"), 11, Options{})
	tok := e.token()
	sh := e.findShipment(func(s *shipment) bool { return s.channel == "svarut" })
	sok := "/v2/kontoer/" + e.sim.opts.KontoID + "/forsendelser/status-sok"
	body := map[string]any{"forsendelseIds": []string{sh.id}}
	good := e.svarutHeaders(tok)
	with := func(k, v string) map[string]string {
		h := map[string]string{}
		for a, b := range good {
			h[a] = b
		}
		if v == "" {
			delete(h, k)
		} else {
			h[k] = v
		}
		return h
	}
	basic := func(u, p string) map[string]string {
		return map[string]string{"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte(u+":"+p))}
	}
	o := e.sim.opts
	cases := []struct {
		name, method, path string
		body               any
		headers            map[string]string
		want               int
	}{
		{"v2 all good", http.MethodPost, sok, body, good, 200},
		{"v2 no token", http.MethodPost, sok, body, with("Authorization", ""), 401},
		{"v2 unknown token", http.MethodPost, sok, body, with("Authorization", "Bearer nope"), 401},
		{"v2 no IntegrasjonId", http.MethodPost, sok, body, with("IntegrasjonId", ""), 401},
		{"v2 wrong IntegrasjonPassord", http.MethodPost, sok, body, with("IntegrasjonPassord", "x"), 401},
		{"v2 other konto", http.MethodPost, "/v2/kontoer/00000000-0000-4000-8000-000000000000/forsendelser/status-sok", body, good, 403},
		{"v2 hendelser no token", http.MethodGet, "/v2/forsendelser/" + sh.id + "/hendelser", nil, with("Authorization", ""), 401},
		{"v1 good", http.MethodPost, svarutV1Base + "/statuser", []string{sh.id}, basic(o.SvarUtUser, o.SvarUtPassword), 200},
		{"v1 wrong password", http.MethodPost, svarutV1Base + "/statuser", []string{sh.id}, basic(o.SvarUtUser, "x"), 401},
		{"v1 bearer is not basic", http.MethodGet, svarutV1Base + "/" + sh.id + "/status", nil, bearer(tok), 401},
		{"altinn no token", http.MethodGet, altinnBase + "?resourceId=x", nil, nil, 401},
		{"notifications no token", http.MethodGet, notifBase + "/shipment/" + sh.id, nil, nil, 401},
		{"register is open", http.MethodGet, registerBase + "/enheter/964338531", nil, nil, 200},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, data := e.do(e.request(c.method, c.path, c.body, c.headers))
			if resp.StatusCode != c.want {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, c.want, data)
			}
			// Every 401 challenges with WWW-Authenticate but Notifications':
			// its JwtCookie handler sets the status only.
			challenge := !strings.HasPrefix(c.path, notifBase)
			if got := resp.Header.Get("WWW-Authenticate"); c.want == 401 && (got != "") != challenge {
				t.Errorf("401 with WWW-Authenticate %q; want a challenge: %v", got, challenge)
			}
		})
	}
}

// TestSvarUtClockTransitions: the status follows the manual clock; moving
// the clock back gives the earlier answer again.
func TestSvarUtClockTransitions(t *testing.T) {
	e := newEnv(t, loadScenario(t, "demo"), 11, Options{})
	tok := e.token()
	sh := e.findShipment(func(s *shipment) bool {
		at, ok := hasStatus(s, svLest)
		return s.channel == "svarut" && ok && at.After(testStart.Add(time.Hour))
	})
	lestAt, _ := hasStatus(sh, svLest)
	v1 := svarutV1Base + "/" + sh.id + "/status"
	statusNow := func() (v2 forsendelseStatus, v1s v1Status) {
		resp, data := e.do(e.request(http.MethodPost, "/v2/kontoer/"+e.sim.opts.KontoID+"/forsendelser/status-sok",
			map[string]any{"forsendelseIds": []string{sh.id}}, e.svarutHeaders(tok)))
		if resp.StatusCode != 200 {
			t.Fatalf("%d %s", resp.StatusCode, data)
		}
		got := decode[struct{ Statuser []forsendelseStatus }](t, data)
		if len(got.Statuser) != 1 {
			t.Fatalf("statuser %s", data)
		}
		req := e.request(http.MethodGet, v1, nil, nil)
		req.SetBasicAuth(e.sim.opts.SvarUtUser, e.sim.opts.SvarUtPassword)
		_, data = e.do(req)
		return got.Statuser[0], decode[v1Status](t, data)
	}
	steps := []struct {
		at   time.Time
		want string
	}{
		{lestAt.Add(-time.Second), svVarslet},
		{lestAt, svLest},
		{lestAt.Add(30 * 24 * time.Hour), svLest},
		{lestAt.Add(-time.Second), svVarslet},
	}
	for _, st := range steps {
		e.sim.SetNow(st.at)
		v2, v1s := statusNow()
		if v2.Status != st.want || v1s.Status != st.want {
			t.Fatalf("at %s: v2 %s, v1 %s; want %s", st.at, v2.Status, v1s.Status, st.want)
		}
		v2at, _ := v2.SisteStatusEndring.(string)
		v1ms, _ := v1s.SisteStatusEndring.(float64)
		changed, err := time.Parse(time.RFC3339Nano, v2at)
		if err != nil || changed.After(st.at) || changed.UnixMilli() != int64(v1ms) {
			t.Fatalf("sisteStatusEndring %s (v1 %d) at %s: %v", v2.SisteStatusEndring, v1s.SisteStatusEndring, st.at, err)
		}
	}
	// Advance through the control API as well.
	e.sim.SetNow(lestAt.Add(-time.Hour))
	resp, _ := e.do(e.request(http.MethodPost, "/sim/clock", map[string]string{"advance": "2h"}, nil))
	if resp.StatusCode != 200 {
		t.Fatal(resp.StatusCode)
	}
	if v2, _ := statusNow(); v2.Status != svLest {
		t.Fatalf("after advancing 2h: %s", v2.Status)
	}
	// History grows with the clock.
	e.sim.SetNow(sh.sent.Add(time.Second))
	req := e.request(http.MethodGet, "/v2/forsendelser/"+sh.id+"/hendelser", nil, e.svarutHeaders(tok))
	_, data := e.do(req)
	early := decode[map[string][]hendelse](t, data)["hendelser"]
	e.sim.SetNow(lestAt)
	_, data = e.do(req)
	late := decode[map[string][]hendelse](t, data)["hendelser"]
	if len(early) != 1 || len(late) != len(sh.events) || late[len(late)-1].Hendelse != "Lest av mottaker" {
		t.Fatalf("history early %v late %v", early, late)
	}
	// Before it was sent the shipment does not exist.
	e.sim.SetNow(sh.sent.Add(-time.Second))
	if resp, _ := e.do(req); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("before sending: %d", resp.StatusCode)
	}
}

func TestSvarUtUnknownAndMalformedIDs(t *testing.T) {
	e := newEnv(t, loadScenario(t, "demo"), 11, Options{})
	tok := e.token()
	alt := e.findShipment(func(s *shipment) bool { return s.channel == "altinn" })
	sv := e.findShipment(func(s *shipment) bool { return s.channel == "svarut" })
	sok := "/v2/kontoer/" + e.sim.opts.KontoID + "/forsendelser/status-sok"
	resp, data := e.do(e.request(http.MethodPost, sok, map[string]any{"forsendelseIds": []string{alt.id, sv.id, "11111111-1111-4111-8111-111111111111"}}, e.svarutHeaders(tok)))
	got := decode[struct{ Statuser []forsendelseStatus }](t, data)
	if resp.StatusCode != 200 || len(got.Statuser) != 1 || got.Statuser[0].ID != sv.id {
		t.Fatalf("%d %s: only the SvarUt shipment should be answered", resp.StatusCode, data)
	}
	resp, _ = e.do(e.request(http.MethodPost, sok, map[string]any{"forsendelseIds": []string{"not-a-uuid"}}, e.svarutHeaders(tok)))
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("malformed id: %d", resp.StatusCode)
	}
	resp, _ = e.do(e.request(http.MethodPost, sok, "garbage", e.svarutHeaders(tok)))
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("malformed body: %d", resp.StatusCode)
	}
	req := e.request(http.MethodGet, svarutV1Base+"/"+alt.id+"/historikk", nil, nil)
	req.SetBasicAuth(e.sim.opts.SvarUtUser, e.sim.opts.SvarUtPassword)
	if resp, _ := e.do(req); resp.StatusCode != http.StatusNotFound {
		t.Errorf("v1 historikk of an Altinn id: %d", resp.StatusCode)
	}
	req = e.request(http.MethodGet, svarutV1Base+"/"+sv.id+"/historikk", nil, nil)
	req.SetBasicAuth(e.sim.opts.SvarUtUser, e.sim.opts.SvarUtPassword)
	resp, data = e.do(req)
	h := decode[map[string][]hendelse](t, data)["hendelsesLogger"]
	if resp.StatusCode != 200 || len(h) == 0 {
		t.Fatalf("v1 historikk: %d %s", resp.StatusCode, data)
	}
	// v1 writes its history times as SvarUt's v1 and SOAP services do
	// ("18.10.2017 13:43:31", Oslo time, no zone), not as v2's date-time.
	for _, e := range h {
		if _, err := time.ParseInLocation("02.01.2006 15:04:05", e.Tidspunkt, oslo); err != nil {
			t.Errorf("v1 historikk time %q: %v", e.Tidspunkt, err)
		}
	}
}
