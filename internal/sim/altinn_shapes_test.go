package sim

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"testing"
	"time"
)

// TestAltinnAnswersAsTheService: the simulated Correspondence API answers
// in the shapes of Altinn/altinn-correspondence (da785168). Expected:
// times as System.Text.Json writes a DateTimeOffset read from PostgreSQL
// ("+00:00", at most six fraction digits, never "Z"); "published" and
// "read" null until then, then the Published's and first Read's times;
// errors as its ProblemDetailsHelper writes them ("code": "CORR-01001",
// "errorCode": 1001, the status's type and title); and a search whose
// status filter is any status the letter has had, refusing a range whose
// from is after its to (code 1027), an unknown status and a missing role.
func TestAltinnAnswersAsTheService(t *testing.T) {
	e := newEnv(t, altinnScenario(t), 4, Options{})
	tok := e.token()
	sh := e.findShipment(func(s *shipment) bool {
		at, ok := hasStatus(s, alRead)
		return ok && at.Before(testStart)
	})
	resp, data := e.do(e.request(http.MethodGet, altinnBase+"/"+sh.id+"/details", nil, bearer(tok)))
	if resp.StatusCode != 200 {
		t.Fatalf("details: %d %s", resp.StatusCode, data)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	dotNet := regexp.MustCompile(`^"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?\+00:00"$`)
	readAt, _ := hasStatus(sh, alRead)
	for _, k := range []string{"created", "statusChanged", "requestedPublishTime", "published", "read"} {
		if !dotNet.Match(doc[k]) {
			t.Errorf("%s is %s, not a DateTimeOffset as the service writes it", k, doc[k])
		}
	}
	if string(doc["read"]) != `"`+altinnTime(readAt)+`"` || string(doc["dueDateTime"]) != "null" || string(doc["systemLabel"]) != `"Default"` {
		t.Errorf("read %s (want %s), dueDateTime %s, systemLabel %s", doc["read"], altinnTime(readAt), doc["dueDateTime"], doc["systemLabel"])
	}
	if bytes.Contains(data, []byte(`Z"`)) {
		t.Errorf("a time with Z: %s", data)
	}
	unpublished := e.findShipment(func(s *shipment) bool { _, ok := hasStatus(s, alPublished); return !ok && s.sent.Before(testStart) })
	_, data = e.do(e.request(http.MethodGet, altinnBase+"/"+unpublished.id+"/details", nil, bearer(tok)))
	if !bytes.Contains(data, []byte(`"published":null`)) || !bytes.Contains(data, []byte(`"read":null`)) {
		t.Errorf("a letter never published: %s", data)
	}

	resp, data = e.do(e.request(http.MethodGet, altinnBase+"/0195579a-2c1e-7d3b-9f4e-000000000404/details", nil, bearer(tok)))
	var p map[string]any
	_ = json.Unmarshal(data, &p)
	if resp.StatusCode != 404 || resp.Header.Get("Content-Type") != "application/problem+json" || p["code"] != "CORR-01001" ||
		p["errorCode"] != float64(1001) || p["type"] != "https://tools.ietf.org/html/rfc9110#section-15.5.5" || p["title"] != "Not Found" {
		t.Errorf("unknown correspondence: %d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), data)
	}

	search := func(q url.Values) (int, []string, map[string]any) {
		resp, data := e.do(e.request(http.MethodGet, altinnBase+"?"+q.Encode(), nil, bearer(tok)))
		var body map[string]any
		_ = json.Unmarshal(data, &body)
		var ids []string
		if list, ok := body["ids"].([]any); ok {
			for _, id := range list {
				ids = append(ids, id.(string))
			}
		}
		return resp.StatusCode, ids, body
	}
	res := e.sim.opts.ResourceID
	window := url.Values{"resourceId": {res}, "role": {"Sender"}, "status": {"published"},
		"from": {altinnTime(sh.sent.Add(-time.Millisecond))}, "to": {altinnTime(sh.sent.Add(time.Millisecond))}}
	if code, ids, _ := search(window); code != 200 || !slices.Contains(ids, sh.id) {
		t.Errorf("status=Published leaves out a letter Published, then Read: %d %v", code, ids)
	}
	backwards := url.Values{"resourceId": {res}, "role": {"Sender"}, "from": {altinnTime(testStart)}, "to": {altinnTime(testStart.Add(-time.Hour))}}
	if code, _, body := search(backwards); code != 400 || body["errorCode"] != float64(1027) {
		t.Errorf("from after to: %d %v", code, body)
	}
	if code, _, body := search(url.Values{"resourceId": {res}, "role": {"Sender"}, "status": {"Opened"}}); code != 400 || body["errors"] == nil {
		t.Errorf("an unknown status: %d %v", code, body)
	}
	if code, _, _ := search(url.Values{"resourceId": {res}}); code != 400 {
		t.Errorf("no role: %d", code)
	}
}
