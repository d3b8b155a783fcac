package sim

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

func cvrScenario(t *testing.T) *Scenario {
	t.Helper()
	var companies []string
	for i := 0; i < 12; i++ {
		companies = append(companies, fmt.Sprintf(`    - {cvr: "%s", name: "Firma %d ApS"}`, testCVR(i), i))
	}
	sc, err := Parse([]byte(`
name: cvr
organisations: {count: 40}
shipments: {count: 10}
register:
  sub_unit_chance: 0.3
  failing: [{number: "` + testCVR(11) + `", until: 1h}]
cvr:
  companies:
    - {cvr: "64942212", name: Københavns Kommune}
    - {cvr: "40111018", name: Vesterbro Bageri I/S, ceased: true}
    - {cvr: "` + testCVR(12) + `"}
` + strings.Join(companies, "\n") + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// testCVR returns the i-th valid CVR number from 30000000 up.
func testCVR(i int) string {
	for n := 30000000; ; n++ {
		s := fmt.Sprint(n)
		if isCVR(s) {
			if i == 0 {
				return s
			}
			i--
		}
	}
}

func TestCVRSearch(t *testing.T) {
	e := newEnv(t, cvrScenario(t), 3, Options{})
	basic := map[string]string{"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte(e.sim.opts.CVRUser+":"+e.sim.opts.CVRPassword))}
	type hit struct {
		Source map[string]any `json:"_source"`
	}
	type result struct {
		TimedOut bool `json:"timed_out"`
		Hits     struct {
			Total int   `json:"total"`
			Hits  []hit `json:"hits"`
		} `json:"hits"`
		Error map[string]any `json:"error"`
	}
	search := func(body any, headers map[string]string) (int, result, string) {
		resp, data := e.do(e.request(http.MethodPost, cvrBase+"/virksomhed/_search", body, headers))
		var r result
		if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
			r = decode[result](t, data)
		}
		return resp.StatusCode, r, string(data)
	}
	nameOf := func(h hit) any {
		v, _ := h.Source["Vrvirksomhed"].(map[string]any)
		m, _ := v["virksomhedMetadata"].(map[string]any)
		n, _ := m["nyesteNavn"].(map[string]any)
		return n["navn"]
	}
	terms := func(size int, nrs ...any) map[string]any {
		q := map[string]any{"query": map[string]any{"terms": map[string]any{"Vrvirksomhed.cvrNummer": nrs}}}
		if size >= 0 {
			q["size"] = size
		}
		return q
	}

	// Credentials.
	for _, h := range []map[string]string{nil, {"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte(e.sim.opts.CVRUser+":wrong"))}} {
		code, _, body := search(terms(5, 64942212), h)
		if code != http.StatusUnauthorized || !strings.Contains(body, "401 Authorization Required") {
			t.Errorf("credentials %v: %d %s", h, code, body)
		}
	}

	// A terms query with numbers and strings; unknown numbers have no hit.
	code, r, body := search(terms(20, 64942212, "40111018", 26661005), basic)
	if code != 200 || r.TimedOut || r.Hits.Total != 2 || len(r.Hits.Hits) != 2 {
		t.Fatalf("terms: %d %s", code, body)
	}
	if nameOf(r.Hits.Hits[0]) != "Vesterbro Bageri I/S" || nameOf(r.Hits.Hits[1]) != "Københavns Kommune" {
		t.Errorf("names: %v %v", nameOf(r.Hits.Hits[0]), nameOf(r.Hits.Hits[1]))
	}
	v := r.Hits.Hits[0].Source["Vrvirksomhed"].(map[string]any)
	if v["cvrNummer"] != float64(40111018) || v["virksomhedMetadata"].(map[string]any)["sammensatStatus"] != "Ophørt" {
		t.Errorf("ceased company: %v", v)
	}

	// A company listed without a name has a made-up one, always the same.
	if code, r, _ := search(terms(1, testCVR(12)), basic); code != 200 || len(r.Hits.Hits) != 1 ||
		nameOf(r.Hits.Hits[0]) != danishCompanyName(testCVR(12)) || danishCompanyName(testCVR(12)) != danishCompanyName(testCVR(12)) ||
		danishCompanyName(testCVR(12)) == danishCompanyName(testCVR(13)) {
		t.Errorf("made-up name: %d %v", code, r.Hits.Hits)
	}

	// Elasticsearch's default size is 10.
	var nrs []any
	for i := 0; i < 11; i++ {
		nrs = append(nrs, testCVR(i))
	}
	if code, r, body := search(terms(-1, nrs...), basic); code != 200 || r.Hits.Total != 11 || len(r.Hits.Hits) != 10 {
		t.Errorf("no size: %d, total %d, %d hits: %.300s", code, r.Hits.Total, len(r.Hits.Hits), body)
	}
	if code, r, _ := search(terms(11, nrs...), basic); code != 200 || len(r.Hits.Hits) != 11 {
		t.Errorf("size 11: %d, %d hits", code, len(r.Hits.Hits))
	}

	// _source filtering keeps only what is asked for.
	q := terms(5, 64942212)
	q["_source"] = []string{"Vrvirksomhed.cvrNummer", "Vrvirksomhed.virksomhedMetadata.nyesteNavn.navn"}
	if code, r, body := search(q, basic); code != 200 || len(r.Hits.Hits) != 1 ||
		nameOf(r.Hits.Hits[0]) != "Københavns Kommune" || len(r.Hits.Hits[0].Source["Vrvirksomhed"].(map[string]any)) != 2 {
		t.Errorf("_source filter: %d %s", code, body)
	}

	// A term query; match_all; what the simulator does not serve.
	if code, r, _ := search(map[string]any{"query": map[string]any{"term": map[string]any{"Vrvirksomhed.cvrNummer": map[string]any{"value": "64942212"}}}}, basic); code != 200 || len(r.Hits.Hits) != 1 {
		t.Errorf("term: %d %v", code, r)
	}
	if code, r, _ := search(map[string]any{"size": 1}, basic); code != 200 || r.Hits.Total != 15 || len(r.Hits.Hits) != 1 {
		t.Errorf("match_all: %d total %d", code, r.Hits.Total)
	}
	for _, bad := range []map[string]any{
		{"query": map[string]any{"match": map[string]any{"Vrvirksomhed.navne.navn": "Bageri"}}},
		{"query": map[string]any{"terms": map[string]any{"Vrvirksomhed.cvrNummer": 64942212}}},
		{"query": map[string]any{"terms": map[string]any{"Vrvirksomhed.cvrNummer": []any{"x"}}}},
		{"size": 3000, "from": 1},
	} {
		if code, r, body := search(bad, basic); code != 400 || r.Error["type"] == nil {
			t.Errorf("%v: %d %s", bad, code, body)
		}
	}

	// A search naming a failing number fails whole, until its trouble ends.
	failing := terms(5, 64942212, testCVR(11))
	if code, _, body := search(failing, basic); code != 500 {
		t.Errorf("failing number: %d %s", code, body)
	}
	e.sim.Advance(61 * time.Minute)
	if code, r, _ := search(failing, basic); code != 200 || len(r.Hits.Hits) != 2 {
		t.Errorf("after the trouble: %d %d hits", code, len(r.Hits.Hits))
	}

	// The request log names the numbers asked.
	var logged []string
	for _, rec := range e.sim.Requests() {
		if rec.Group == "cvr" {
			logged = append(logged, rec.IDs...)
		}
	}
	if !strings.Contains(strings.Join(logged, ","), "26661005") {
		t.Errorf("request log: %v", logged)
	}
}
