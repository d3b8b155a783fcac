package web_test

import (
	"fmt"
	"strings"
	"testing"
)

// TestRegistrationTellsUnitsWrittenOtherwise: an item naming its unit
// otherwise than the organisation's letters before it ("barnevernstjenesten"
// for "Barnevernstjenesten", a space more) made a unit of its own, whose
// letters get none of the other's addresses, policy or unit users, answered
// 201 without a word, though the CSV import says so. The letters are
// registered (two units may be meant) and the answer says so beside
// shipments: "units_like", by the first item naming the unit, field
// sender_unit, naming both. A unit written as stored, or like none, is
// not told of, nor one told of before.
func TestRegistrationTellsUnitsWrittenOtherwise(t *testing.T) {
	e := newEnv(t)
	tok, _ := registeredByAPI(t, e) // Barnevernstjenesten
	item := func(i int, unit string) string {
		return strings.NewReplacer(`d6b23522-ddf3-462a-8140-16e59e1f476d`, fmt.Sprintf("00000000-0000-4000-8000-%012d", i),
			`"Barnevernstjenesten"`, `"`+unit+`"`).Replace(good)
	}
	code, out := e.do("POST", "/api/v1/shipments", tok, "["+item(1, "Barnevernstjenesten")+","+item(2, "NAV")+"]")
	if code != 201 || out["units_like"] != nil {
		t.Fatalf("units as stored or like none: %d %v, want 201 without units_like", code, out)
	}
	code, out = e.do("POST", "/api/v1/shipments", tok, "["+item(3, "NAV")+","+item(4, "barnevernstjenesten")+","+item(5, "barnevernstjenesten")+"]")
	like, _ := out["units_like"].([]any)
	if code != 201 || len(like) != 1 {
		t.Fatalf("barnevernstjenesten beside Barnevernstjenesten: %d %v, want 201 with one units_like", code, out)
	}
	m := like[0].(map[string]any)
	if m["index"] != 1.0 || m["field"] != "sender_unit" ||
		!strings.Contains(m["message"].(string), `"barnevernstjenesten"`) || !strings.Contains(m["message"].(string), `"Barnevernstjenesten"`) {
		t.Errorf("units_like %v, want item 1's sender_unit naming both", m)
	}
	if code, out = e.do("POST", "/api/v1/shipments", tok, item(6, "barnevernstjenesten")); code != 201 || out["units_like"] != nil {
		t.Errorf("the unit told of before: %d %v, want 201 without units_like", code, out)
	}
}
