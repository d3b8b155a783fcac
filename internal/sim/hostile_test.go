package sim

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// TestHostileScenario checks that every poison the hostile scenario
// promises is served, and that the rest of the world answers normally.
func TestHostileScenario(t *testing.T) {
	sc := loadScenario(t, "hostile")
	e := newEnv(t, sc, 7, Options{})
	e.sim.SetNow(e.sim.Now().Add(3 * 24 * time.Hour)) // every status reached
	tok := e.token()
	byKind := map[string][]*shipment{}
	for _, sh := range e.sim.w.shipments {
		if sh.poison != "" {
			byKind[sh.channel+"/"+sh.poison] = append(byKind[sh.channel+"/"+sh.poison], sh)
		}
	}
	for ch, kinds := range sc.Poison {
		for k, n := range kinds {
			if len(byKind[ch+"/"+k]) != n {
				t.Errorf("%s/%s: %d poisoned, want %d", ch, k, len(byKind[ch+"/"+k]), n)
			}
		}
	}
	sok := func(ids ...string) (int, []byte) {
		resp, data := e.do(e.request(http.MethodPost, "/v2/kontoer/"+e.sim.opts.KontoID+"/forsendelser/status-sok",
			map[string]any{"forsendelseIds": ids}, e.svarutHeaders(tok)))
		return resp.StatusCode, data
	}
	var good *shipment
	for _, sh := range e.sim.w.shipments {
		if sh.channel == "svarut" && sh.poison == "" {
			good = sh
			break
		}
	}
	if code, data := sok(good.id, byKind["svarut/fails_forever"][0].id); code != 500 {
		t.Errorf("a batch with the failing id: %d %s", code, data)
	}
	if code, data := sok(good.id, byKind["svarut/truncated"][0].id); code != 200 || json.Valid(data) {
		t.Errorf("a batch with the truncating id: %d %s", code, data)
	}
	code, data := sok(good.id, byKind["svarut/epoch_seconds"][0].id, byKind["svarut/future"][0].id, byKind["svarut/unknown_status"][0].id,
		byKind["svarut/never_sent"][0].id)
	if code != 200 || !bytes.Contains(data, []byte(`"FORSVUNNET"`)) || !bytes.Contains(data, []byte(`"2090-`)) ||
		bytes.Contains(data, []byte(byKind["svarut/never_sent"][0].id)) {
		t.Errorf("poisoned records: %d %s", code, data)
	}
	var recs struct{ Statuser []forsendelseStatus }
	_ = json.Unmarshal(data, &recs)
	for _, r := range recs.Statuser {
		if r.ID == byKind["svarut/epoch_seconds"][0].id {
			if n, ok := r.SisteStatusEndring.(float64); !ok || n > 1e11 {
				t.Errorf("epoch seconds: %v", r.SisteStatusEndring)
			}
		}
	}
	// v1: 404 when none of the ids is known.
	v1 := func(ids ...string) int {
		req := e.request(http.MethodPost, svarutV1Base+"/statuser", ids, nil)
		req.SetBasicAuth(e.sim.opts.SvarUtUser, e.sim.opts.SvarUtPassword)
		resp, _ := e.do(req)
		return resp.StatusCode
	}
	if c := v1(byKind["svarut/never_sent"][0].id, byKind["svarut/never_sent"][1].id); c != 404 {
		t.Errorf("v1 with only unknown ids: %d, want 404", c)
	}
	if c := v1(good.id, byKind["svarut/never_sent"][0].id); c != 200 {
		t.Errorf("v1 with one known id: %d", c)
	}
	// History with NUL and invalid UTF-8.
	hist := func(sh *shipment) []byte {
		_, data := e.do(e.request(http.MethodGet, "/v2/forsendelser/"+sh.id+"/hendelser", nil, e.svarutHeaders(tok)))
		return data
	}
	if h := hist(byKind["svarut/nul"][0]); !bytes.Contains(h, []byte(`\u0000`)) || !json.Valid(h) {
		t.Errorf("NUL history: %s", h)
	}
	if h := hist(byKind["svarut/invalid_utf8"][0]); utf8.Valid(h) {
		t.Errorf("invalid UTF-8 history is valid: %s", h)
	}
	// SLETTET after the last real status.
	for _, r := range e.sim.ShipmentsWithStatus() {
		if r.Poison == poisonDeleted && (r.Status != svSlettet || r.KeptStatus == "" || r.KeptStatus == svSlettet) {
			t.Errorf("deleted: %+v", r)
		}
	}

	details := func(sh *shipment) (int, []byte) {
		resp, data := e.do(e.request(http.MethodGet, altinnBase+"/"+sh.id+"/details", nil, bearer(tok)))
		return resp.StatusCode, data
	}
	if c, d := details(byKind["altinn/forbidden"][0]); c != 401 || !bytes.Contains(d, []byte(`"errorCode":4001`)) {
		t.Errorf("forbidden: %d %s", c, d)
	}
	if c, _ := details(byKind["altinn/fails_forever"][0]); c != 500 {
		t.Errorf("fails forever: %d", c)
	}
	if c, d := details(byKind["altinn/truncated"][0]); c != 200 || json.Valid(d) || !bytes.Contains(d, []byte(`"status"`)) {
		t.Errorf("truncated: %d %s", c, d)
	}
	if c, _ := details(byKind["altinn/never_sent"][0]); c != 404 {
		t.Errorf("never sent: %d", c)
	}
	if _, d := details(byKind["altinn/invalid_utf8"][0]); utf8.Valid(d) {
		t.Errorf("invalid UTF-8 statusText is valid")
	}
	if _, d := details(byKind["altinn/epoch_seconds"][0]); !bytes.Contains(d, []byte(`"statusChanged":1`)) {
		t.Errorf("epoch seconds: %s", d)
	}
	_, d := details(byKind["altinn/fetched_after_read"][0])
	var cd struct {
		Status        string
		StatusHistory []correspondenceStatusEvent
		Content       struct{ MessageTitle string }
	}
	if err := json.Unmarshal(d, &cd); err != nil || cd.Status != alRead || cd.StatusHistory[len(cd.StatusHistory)-1].Status != alFetched {
		t.Errorf("fetched after read: top %s, history %v (%v)", cd.Status, cd.StatusHistory, err)
	}
	if cd.Content.MessageTitle == "" {
		t.Errorf("a letter published before June 2025 (%s) lost its title", e.sim.Now())
	}
	// The search never lists a never-sent correspondence.
	resp, data := e.do(e.request(http.MethodGet, altinnBase+"?resourceId="+e.sim.opts.ResourceID+"&role=Sender", nil, bearer(tok)))
	if resp.StatusCode != 200 || strings.Contains(string(data), byKind["altinn/never_sent"][0].id) {
		t.Errorf("search lists a never-sent correspondence")
	}

	// Register: sub-units only at /underenheter; foreign addresses without postnummer.
	var sub, foreign *org
	for _, o := range e.sim.w.orgs {
		if o.subUnit && sub == nil {
			sub = o
		}
		if o.foreign && foreign == nil && !o.subUnit && o.reg == regActive {
			foreign = o
		}
	}
	if sub == nil || foreign == nil {
		t.Fatal("hostile world lacks a sub-unit or a foreign address")
	}
	if resp, _ := e.do(e.request(http.MethodGet, registerBase+"/enheter/"+sub.nr, nil, nil)); resp.StatusCode != 404 {
		t.Errorf("sub-unit on /enheter: %d", resp.StatusCode)
	}
	resp, data = e.do(e.request(http.MethodGet, registerBase+"/underenheter/"+sub.nr, nil, nil))
	if resp.StatusCode != 200 || !bytes.Contains(data, []byte("beliggenhetsadresse")) {
		t.Errorf("sub-unit: %d %s", resp.StatusCode, data)
	}
	if resp, _ := e.do(e.request(http.MethodGet, registerBase+"/underenheter/"+foreign.nr, nil, nil)); resp.StatusCode != 404 {
		t.Errorf("main unit on /underenheter: %d", resp.StatusCode)
	}
	_, data = e.do(e.request(http.MethodGet, registerBase+"/enheter/"+foreign.nr, nil, nil))
	var en enhet
	if err := json.Unmarshal(data, &en); err != nil || en.Postadresse == nil || en.Postadresse.Postnummer != "" || en.Postadresse.Landkode == "NO" {
		t.Errorf("foreign address: %s", data)
	}
}

// TestTitleHiddenSinceJune2025: Altinn answers the sender an empty title
// for a letter published since June 2025.
func TestTitleHiddenSinceJune2025(t *testing.T) {
	s, err := New(loadScenario(t, "demo"), 5, NewManualClock(time.Date(2025, 9, 1, 12, 0, 0, 0, time.UTC)), Options{Logger: quietLogger})
	if err != nil {
		t.Fatal(err)
	}
	now := s.Now()
	checked := 0
	for _, sh := range s.w.altinn {
		published, ok := hasStatus(sh, alPublished)
		if !ok || published.After(now) {
			continue
		}
		d := s.details(sh, now)
		if d.Content.MessageTitle != "" {
			t.Fatalf("published %s, title %q", published, d.Content.MessageTitle)
		}
		checked++
	}
	if checked == 0 {
		t.Fatal("no published letter to check")
	}
}
