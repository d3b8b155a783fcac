package altinn

import (
	"encoding/json"
	"os"
	"testing"
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
