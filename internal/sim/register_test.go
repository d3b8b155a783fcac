package sim

import (
	"net/http"
	"testing"
)

func registerScenario(t *testing.T) *Scenario {
	t.Helper()
	sc, err := Parse([]byte(`
name: register
organisations: {count: 300}
shipments: {count: 10}
register:
  bankrupt_chance: 0.1
  deleted_chance: 0.1
  removed_chance: 0.05
  unknown_chance: 0.05
  no_postal_address_chance: 0.1
  no_address_chance: 0.05
`))
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

func TestRegister(t *testing.T) {
	e := newEnv(t, registerScenario(t), 12, Options{})
	get := func(nr string) (int, map[string]any) {
		resp, data := e.do(e.request(http.MethodGet, registerBase+"/enheter/"+nr, nil, nil))
		return resp.StatusCode, decode[map[string]any](t, data)
	}
	seen := map[string]int{}
	for _, o := range e.sim.w.orgs {
		code, body := get(o.nr)
		kind := ""
		switch {
		case o.reg == regUnknown:
			kind = "unknown"
			if code != 404 {
				t.Fatalf("%s unknown: %d", o.nr, code)
			}
		case o.reg == regRemoved:
			kind = "removed"
			if code != 410 {
				t.Fatalf("%s removed: %d", o.nr, code)
			}
		case o.reg == regDeleted:
			kind = "deleted"
			if code != 200 || body["slettedato"] == nil || body["postadresse"] != nil || body["konkurs"] != nil {
				t.Fatalf("%s deleted: %d %v", o.nr, code, body)
			}
		default:
			kind = "active"
			if code != 200 || body["navn"] != o.name || body["organisasjonsnummer"] != o.nr || body["konkurs"] != o.bankrupt ||
				body["underAvvikling"] == nil || body["underTvangsavviklingEllerTvangsopplosning"] == nil {
				t.Fatalf("%s: %d %v", o.nr, code, body)
			}
			if (body["postadresse"] != nil) != (o.post != nil) || (body["forretningsadresse"] != nil) != (o.biz != nil) {
				t.Fatalf("%s addresses: %v", o.nr, body)
			}
			if pa, ok := body["postadresse"].(map[string]any); ok {
				for _, f := range []string{"adresse", "postnummer", "poststed", "kommune", "kommunenummer", "land", "landkode"} {
					if pa[f] == nil {
						t.Fatalf("postadresse lacks %s: %v", f, pa)
					}
				}
			}
			if o.bankrupt {
				kind = "bankrupt"
			} else if o.post == nil {
				kind = "no postal address"
			}
		}
		seen[kind]++
	}
	for _, k := range []string{"unknown", "removed", "deleted", "active", "bankrupt", "no postal address"} {
		if seen[k] == 0 {
			t.Errorf("no %s organisation among %v", k, seen)
		}
	}
	if code, _ := get("000000000"); code != 404 {
		t.Errorf("orgnr not in the world: %d", code)
	}
	if code, _ := get("12345"); code != 400 {
		t.Errorf("malformed orgnr: %d", code)
	}
	if code, body := get(e.sim.w.sender.nr); code != 200 || body["navn"] != "Bergen kommune" {
		t.Errorf("sender: %d %v", code, body)
	}
}
