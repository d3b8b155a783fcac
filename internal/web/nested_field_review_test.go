package web_test

import (
	"strings"
	"testing"
)

// Review (api): an unknown field inside recipient is named by its path
// (recipient.extra), as a misspelt-case one (recipient.Kind) and a
// duplicated one (recipient.kind) already are. Named "extra" alone, it
// sends the integrator looking for a top-level field the item does not
// have (README "API": "an unknown field is named in field").
func TestReviewNestedUnknownFieldNamedByPath(t *testing.T) {
	e := newEnv(t)
	tok := e.token("admin", "", "")
	body := strings.Replace(good, `"id":"974760673"}`, `"id":"974760673","name":"Bedrift AS"}`, 1)
	code, out := e.do("POST", "/api/v1/shipments", tok, body)
	errs, _ := out["errors"].([]any)
	if code != 422 || len(errs) != 1 {
		t.Fatalf("%d %v, want 422 with one problem", code, out)
	}
	if f := errs[0].(map[string]any)["field"]; f != "recipient.name" {
		t.Errorf("field %q, want \"recipient.name\" (the unknown field's path in the item)", f)
	}
}
