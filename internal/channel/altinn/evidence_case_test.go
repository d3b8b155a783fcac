package altinn

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"postvakt/internal/model"
)

// TestEvidenceFieldsInAnyCase: the details reader takes a field in any case
// (encoding/json), so the evidence keeps the status fields in any case
// too: the TT02 capture's "Published" and "RequestedPublishTime" are kept,
// under their names as sent, its content and recipient are not.
func TestEvidenceFieldsInAnyCase(t *testing.T) {
	body, err := os.ReadFile("../../../testdata/payloads/altinn/details-published-tt02-2024-11-raw.json")
	if err != nil {
		t.Fatal(err)
	}
	var ev map[string]json.RawMessage
	if err := json.Unmarshal(statusEvidence(body, nil), &ev); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"Published", "RequestedPublishTime", "statusHistory", "correspondenceId"} {
		if _, ok := ev[k]; !ok {
			t.Errorf("the evidence lost %q: %v", k, keys(ev))
		}
	}
	for _, k := range []string{"content", "recipient", "notifications", "IgnoreReservation"} {
		if _, ok := ev[k]; ok {
			t.Errorf("the evidence keeps %q", k)
		}
	}
}

func keys(m map[string]json.RawMessage) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestEvidenceKeepsNoNestedContent: the evidence keeps status facts as
// scalars and the history's entries as their four facts (status, its text,
// when, and the party): a title nested where a fact belongs — inside a
// history entry, as a sendersReference object — is not kept, in the
// details' evidence nor in the history kept beside it.
func TestEvidenceKeepsNoNestedContent(t *testing.T) {
	const title, party = "Vedtak om omsorgsovertakelse", "6d1c4c3e-7f43-4a8e-9d8b-1f2e3d4c5b6a"
	o, _ := hostileDetails(t, hostileDoc("ID", `,"sendersReference":{"ref":"2026/17","title":"`+title+`"},
"statusHistory":[{"status":"Published","statusText":"","statusChanged":"2026-03-02T08:16:10+00:00","messageTitle":"`+title+`"},
{"status":"Read","statusText":"","statusChanged":"2026-03-02T09:00:00+00:00","partyUuid":"`+party+`","content":{"messageTitle":"`+title+`"}}]`))
	if o.Err != nil || o.State != model.StateOpened {
		t.Fatalf("%+v: want the letter read", o)
	}
	for name, ev := range map[string][]byte{"payload": o.Payload, "history": o.History} {
		if !json.Valid(ev) || strings.Contains(string(ev), title) || !strings.Contains(string(ev), party) || !strings.Contains(string(ev), "Published") {
			t.Errorf("%s %s: want the history's facts (its Published, the reader's party), not the title", name, ev)
		}
	}
	if strings.Contains(string(o.Payload), "sendersReference") {
		t.Errorf("payload %s keeps a sendersReference that is no scalar", o.Payload)
	}
}
