package web_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// Registering a letter again with another recipient, or naming one letter
// twice in a batch with other facts, is not the same letter: the API
// answers 409 naming the item and the field that differs (as the CSV
// import refuses such a line), stores nothing, and quotes neither value.
// The same letter sent again as it was is still idempotent (200).
func TestRegisterRefusesContradictions(t *testing.T) {
	e := newEnv(t)
	tok := e.token("compliance", "964338531", "")
	if code, out := e.do("POST", "/api/v1/shipments", tok, good); code != http.StatusCreated {
		t.Fatal(code, out)
	}
	if code, out := e.do("POST", "/api/v1/shipments", tok, good); code != http.StatusOK {
		t.Fatalf("the same letter again: %d %v, want 200", code, out)
	}
	toPerson := strings.Replace(good, `"kind":"org","id":"974760673"`, `"kind":"person","id":"01017012343"`, 1)
	otherOrg := strings.Replace(good, `"974760673"`, `"971526920"`, 1)
	second := strings.Replace(person, `"NAV"`, `"Barnevernstjenesten"`, 1)
	otherTitle := strings.Replace(second, `"Brev"`, `"Vedtak om omsorgsovertakelse"`, 1)
	otherTime := strings.Replace(second, `2026-11-21T10:00:00Z`, `2026-11-21T11:00:00Z`, 1)
	for _, tc := range []struct {
		name, body   string
		index        int
		field, words string
	}{
		{"stored letter, another organisation as recipient", otherOrg, 0, "recipient.id", "another recipient"},
		{"stored letter, a person as recipient", toPerson, 0, "recipient.kind", "another recipient"},
		{"same batch, another title", "[" + second + "," + otherTitle + "]", 1, "title", "item 0 names this letter"},
		{"same batch, another sent time", "[" + second + "," + otherTime + "]", 1, "sent_at", "another sent time"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out := e.do("POST", "/api/v1/shipments", tok, tc.body)
			if code != http.StatusConflict {
				t.Fatalf("%d %v, want 409", code, out)
			}
			errs, _ := out["errors"].([]any)
			if len(errs) != 1 {
				t.Fatalf("errors %v, want one", out)
			}
			m := errs[0].(map[string]any)
			if int(m["index"].(float64)) != tc.index || m["field"] != tc.field || !strings.Contains(m["message"].(string), tc.words) {
				t.Errorf("error %v, want item %d field %s, a message saying %q", m, tc.index, tc.field, tc.words)
			}
			body, _ := json.Marshal(out)
			for _, secret := range []string{"01017012343", "hemmelig", "omsorgsovertakelse", "971526920"} {
				if strings.Contains(string(body), secret) {
					t.Errorf("the answer quotes %q: %s", secret, body)
				}
			}
		})
	}
	code, page := e.do("GET", "/api/v1/shipments", tok, "")
	if code != http.StatusOK || len(page["shipments"].([]any)) != 1 {
		t.Fatalf("refused batches stored something: %d %v", code, page)
	}
	if r := page["shipments"].([]any)[0].(map[string]any)["recipient"].(map[string]any); r["id"] != "974760673" {
		t.Errorf("stored recipient %v, want the first registration's 974760673", r)
	}
}

// A decoding problem is told in the item's terms: the unknown field, or
// the field of text that is not UTF-8, by its name (masked when shaped
// like a national id), a wrong type by the JSON
// type the field needs; never Go's struct or type names. A sent_at without
// a zone says so, and a bad sent_at is quoted masked.
func TestRegisterDecodeProblemsInTheItemsTerms(t *testing.T) {
	e := newEnv(t)
	tok := e.token("admin", "", "")
	for _, tc := range []struct {
		name, body, field, want string
	}{
		{"unknown field", strings.Replace(good, `"class"`, `"klasse"`, 1), "klasse", "unknown field"},
		{"unknown field shaped like an id", strings.Replace(good, `"class"`, `"01017012343"`, 1), "010170*****", "unknown field"},
		{"text not UTF-8 under a key shaped like an id", strings.Replace(good, `"class":"taushetsbelagt"`, "\"01017012343\":\"taus\xffhet\"", 1),
			"010170*****", "not valid UTF-8"},
		{"boolean as a string", strings.Replace(good, `"confidential":true`, `"confidential":"true"`, 1), "confidential", "must be true or false, not a string"},
		{"id as a number", strings.Replace(good, `"974760673"`, `974760673`, 1), "recipient.id", "must be a string, not a number"},
		{"recipient as a string", strings.Replace(good, `{"kind":"org","id":"974760673"}`, `"974760673"`, 1), "recipient", "must be an object, not a string"},
		{"item not an object", `[42]`, "", "must be a shipment object, not a number"},
		{"sent_at without a zone", strings.Replace(good, `2026-11-20T10:00:00+01:00`, `2026-11-20T10:00:00`, 1), "sent_at", "no time zone"},
		{"sent_at holding a person id", strings.Replace(good, `2026-11-20T10:00:00+01:00`, `01017012343`, 1), "sent_at", `"010170*****"`},
		{"sent_at of year 1 (a default's)", strings.Replace(good, `2026-11-20T10:00:00+01:00`, `0001-01-01T00:00:00Z`, 1), "sent_at", "before 2000"},
		// What the decoder would take without a word: a key twice (the
		// last wins), a key in another case or by Unicode folding.
		{"channel_id twice", strings.Replace(good, `"sender_org"`, `"channel_id":"00000000-0000-4000-8000-000000000001","sender_org"`, 1),
			"channel_id", "given twice"},
		{"recipient id twice", strings.Replace(good, `"id":"974760673"`, `"id":"974760673","id":"01017012343"`, 1), "recipient.id", "given twice"},
		{"a field in another case", strings.Replace(good, `"title"`, `"Title"`, 1), "Title", "unknown field"},
		{"a field by Unicode folding", strings.Replace(good, `"sender_org"`, `"ſender_org"`, 1), "ſender_org", "unknown field"},
		// A control character at a field's edge is refused as one inside
		// it is (storing would trim it away with the spaces).
		{"a line break ending the title", strings.Replace(good, `"title":"`, `"title":"\n`, 1), "title", "control character"},
		// A unit's or system's name is shown unmasked in lists and exports.
		{"a unit named with a national id", strings.Replace(good, `"Barnevernstjenesten"`, `"Enhet 01017012343"`, 1), "sender_unit", `holds a national id ("Enhet 010170*****")`},
		{"a class holding a national id", strings.Replace(good, `"taushetsbelagt"`, `"sak-0101701234"`, 1), "class", `holds a national id ("sak-010170****")`},
		{"a tab before the unit", strings.Replace(good, `"sender_unit":"`, `"sender_unit":"\t`, 1), "sender_unit", "control character"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out := e.do("POST", "/api/v1/shipments", tok, tc.body)
			if code != http.StatusUnprocessableEntity {
				t.Fatalf("%d %v, want 422", code, out)
			}
			body, _ := json.Marshal(out)
			for _, leak := range []string{"Go ", "wireShipment", "struct", "01017012343"} {
				if strings.Contains(string(body), leak) {
					t.Errorf("the answer says %q: %s", leak, body)
				}
			}
			m := out["errors"].([]any)[0].(map[string]any)
			if m["field"] != tc.field || !strings.Contains(m["message"].(string), tc.want) {
				t.Errorf("error %v, want field %q and a message with %q", m, tc.field, tc.want)
			}
		})
	}
}

// TestRegisterRawNULBytes: a raw NUL byte in a string (malformed JSON) is
// read as the escape it stands for and refused with its field (422); one
// after a backslash ("\<NUL>", no escape JSON has) leaves the body
// malformed (400), never stored as the text "\u0000".
func TestRegisterRawNULBytes(t *testing.T) {
	e := newEnv(t)
	tok := e.token("admin", "", "")
	for _, tc := range []struct {
		name, body string
		code       int
		want       string
	}{
		{"a NUL in the class", strings.Replace(good, `"taushetsbelagt"`, "\"taushetsbelagt\x00\"", 1), http.StatusUnprocessableEntity, "control character"},
		{"a NUL after a backslash", strings.Replace(good, `"taushetsbelagt"`, "\"taushetsbelagt\\\x00\"", 1), http.StatusBadRequest, "not valid JSON"},
		{"a NUL after an escaped backslash", strings.Replace(good, `"taushetsbelagt"`, "\"taushetsbelagt\\\\\x00\"", 1), http.StatusUnprocessableEntity, "control character"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out := e.do("POST", "/api/v1/shipments", tok, tc.body)
			body, _ := json.Marshal(out)
			if code != tc.code || !strings.Contains(string(body), tc.want) {
				t.Errorf("%d %s, want %d saying %q", code, body, tc.code, tc.want)
			}
		})
	}
	if code, page := e.do("GET", "/api/v1/shipments", tok, ""); code != http.StatusOK || len(page["shipments"].([]any)) != 0 {
		t.Errorf("something was stored: %d %v", code, page)
	}
}
