package altinn

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"testing"
)

// TestEvidenceKeepsCorrespondenceID: masking national ids in the
// details evidence must not corrupt the letter's own id (a UUID whose hex
// groups happen to hold a run of 10 or 11 digits, or 6 digits, a hyphen and
// 4 digits).
func TestEvidenceKeepsCorrespondenceID(t *testing.T) {
	for _, id := range []string{
		"0195a7b8-1111-7222-8333-a94445555666", // 11 digits: a Norwegian id's shape
		"0195a7b8-1111-7222-8333-ab4445555666", // 10 digits: a CPR number's shape
		"ab123456-1234-4abc-8def-abcdefabcdef", // 6 digits, '-', 4 digits
	} {
		body := []byte(`{"correspondenceId":"` + id + `","status":"Read","statusChanged":"2026-11-18T10:00:00+00:00"}`)
		ev := statusEvidence(body, nil)
		var got struct {
			ID string `json:"correspondenceId"`
		}
		if err := json.Unmarshal(ev, &got); err != nil || got.ID != id {
			t.Errorf("evidence of %s keeps correspondenceId %q (%v): %s", id, got.ID, err, ev)
		}
	}
}

// TestFingerprintHashKept: a details answer of null (which decodes as a
// document that says nothing) is kept as its fingerprint, whose SHA-256 is
// kept whole: this one's hash has ten digits in a row (…b3327124175), which
// the masker would have taken for a CPR number, and the hash would no
// longer prove what Altinn sent.
func TestFingerprintHashKept(t *testing.T) {
	body := "  null        "
	o, _ := hostileDetails(t, body)
	var fp struct{ SHA256 string }
	if err := json.Unmarshal(o.Payload, &fp); err != nil {
		t.Fatal(err)
	}
	if sum := sha256.Sum256([]byte(body)); fp.SHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("evidence %s: the hash is not the answer's", o.Payload)
	}
}
