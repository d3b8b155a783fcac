package altinn

import (
	"testing"

	"postvakt/internal/model"
)

// FuzzDetailsEvidence: whatever a details answer holds, its evidence is
// JSON holding the status facts alone (reducing it again changes nothing)
// with no national id left unmasked, or the answer's fingerprint.
func FuzzDetailsEvidence(f *testing.F) {
	for _, seed := range []string{
		hostileDoc("a1a1a1a1-0000-4000-8000-000000000007", ""),
		hostileDoc("ID", `,"statusHistory":[{"status":"Read","statusText":"av 01029400470","partyUuid":{"x":"01017012345"}},"t"],"sender":1010180123`),
		`{"Status":"Read","STATUSCHANGED":{"t":1},"content":{"messageTitle":"Vedtak"}}`, `[]`, `{"status":`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		ev := maskedEvidence(statusEvidence(body, nil), body, nil)
		if !evidenceFacts.Holds(ev) {
			t.Fatalf("evidence of %q holds more than the status facts: %s", body, ev)
		}
		if model.HoldsNationalID(string(ev)) {
			t.Fatalf("evidence of %q holds a national id: %s", body, ev)
		}
	})
}
