package sim

import (
	"bytes"
	"net/http"
	"testing"
	"time"
)

// TestUnitLostNotKnown: a letter of a unit_lost incident never reached the
// channel, so the channel answers about it as about an id it does not have
// (as a never_sent one): SvarUt leaves it out of a status search and answers
// 404 for its history and for a v1 search of it alone; Altinn answers 404 for
// its details and does not list it. Before, SvarUt answered it with an empty
// status, which postvakt counts as an unusable answer, never as unknown to
// the channel. The demo's incident (Bymiljøetaten on SvarUt) is one; another
// unit's letter answers as usual.
func TestUnitLostNotKnown(t *testing.T) {
	e := newEnv(t, loadScenario(t, "demo"), 1, Options{})
	lost := map[string]*shipment{}
	var known *shipment
	for _, sh := range e.sim.w.shipments {
		switch {
		case sh.incident == IncidentUnitLost:
			lost[sh.channel] = sh
		case sh.channel == "svarut" && sh.unit != "Bymiljøetaten" && sh.poison == "" && known == nil:
			known = sh
		}
	}
	if lost["svarut"] == nil || known == nil {
		t.Fatalf("the demo world has no SvarUt letter its unit_lost incident touched (%v) or none it did not", lost)
	}
	// An Altinn letter the same way (the demo's incident is SvarUt's).
	for _, sh := range e.sim.w.shipments {
		if sh.channel == "altinn" && sh.poison == "" {
			sh.events, sh.incident = nil, IncidentUnitLost
			lost["altinn"] = sh
			break
		}
	}
	e.sim.SetNow(e.sim.Now().Add(3 * 24 * time.Hour))
	tok := e.token()
	resp, data := e.do(e.request(http.MethodPost, "/v2/kontoer/"+e.sim.opts.KontoID+"/forsendelser/status-sok",
		map[string]any{"forsendelseIds": []string{known.id, lost["svarut"].id}}, e.svarutHeaders(tok)))
	if resp.StatusCode != 200 || bytes.Contains(data, []byte(lost["svarut"].id)) || !bytes.Contains(data, []byte(known.id)) {
		t.Errorf("status-sok: %d %s, want the known letter only", resp.StatusCode, data)
	}
	if resp, _ := e.do(e.request(http.MethodGet, "/v2/forsendelser/"+lost["svarut"].id+"/hendelser", nil, e.svarutHeaders(tok))); resp.StatusCode != 404 {
		t.Errorf("hendelser of a lost letter: %d, want 404", resp.StatusCode)
	}
	req := e.request(http.MethodPost, svarutV1Base+"/statuser", []string{lost["svarut"].id}, nil)
	req.SetBasicAuth(e.sim.opts.SvarUtUser, e.sim.opts.SvarUtPassword)
	if resp, _ := e.do(req); resp.StatusCode != 404 {
		t.Errorf("v1 statuser of a lost letter alone: %d, want 404", resp.StatusCode)
	}
	if resp, _ := e.do(e.request(http.MethodGet, altinnBase+"/"+lost["altinn"].id+"/details", nil, bearer(tok))); resp.StatusCode != 404 {
		t.Errorf("Altinn details of a lost letter: %d, want 404", resp.StatusCode)
	}
	resp, data = e.do(e.request(http.MethodGet, altinnBase+"?resourceId="+e.sim.opts.ResourceID+"&role=Sender", nil, bearer(tok)))
	if resp.StatusCode != 200 || bytes.Contains(data, []byte(lost["altinn"].id)) {
		t.Errorf("the Altinn search lists a letter that never reached it: %d", resp.StatusCode)
	}
}
