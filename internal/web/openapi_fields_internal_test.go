package web

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"postvakt/internal/store"
)

// jsonNames are the names of the JSON object a value of struct type t
// marshals to: its fields' names, an embedded struct's promoted, a field
// named by an outer one's name hidden.
func jsonNames(t reflect.Type) []string {
	var names []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() && !f.Anonymous {
			continue
		}
		if f.Anonymous && name == "" {
			et := f.Type
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			names = append(names, jsonNames(et)...)
			continue
		}
		if name == "" {
			name = f.Name
		}
		names = append(names, name)
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// TestOpenAPISchemasNameEveryField: each schema of openapi.json an answer
// is written from has a property for every field the answer's Go type
// writes: a field the API answers with and the document leaves out
// (unknown_to_channel_since on a letter, polled_at on an event,
// subject_org on an audit entry) is one an integrator reading the
// document does not know is there, nor what it means.
func TestOpenAPISchemasNameEveryField(t *testing.T) {
	type schema struct {
		Ref        string                     `json:"$ref"`
		Properties map[string]json.RawMessage `json:"properties"`
		AllOf      []schema                   `json:"allOf"`
	}
	var doc struct {
		Components struct {
			Schemas map[string]schema `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(OpenAPI, &doc); err != nil {
		t.Fatal(err)
	}
	// has says whether s, its allOf's and references' included, has the
	// property name.
	var has func(s schema, name string) bool
	has = func(s schema, name string) bool {
		if _, ok := s.Properties[name]; ok {
			return true
		}
		if ref, ok := strings.CutPrefix(s.Ref, "#/components/schemas/"); ok && has(doc.Components.Schemas[ref], name) {
			return true
		}
		return slices.ContainsFunc(s.AllOf, func(a schema) bool { return has(a, name) })
	}
	for _, c := range []struct {
		schema string
		t      reflect.Type
	}{
		{"Shipment", reflect.TypeFor[store.Shipment]()},
		{"ShipmentWithEvents", reflect.TypeFor[shipmentWithEvents]()},
		{"Event", reflect.TypeFor[store.Event]()},
		{"Outlook", reflect.TypeFor[Outlook]()},
		{"NextStep", reflect.TypeFor[NextStep]()},
		{"FollowUp", reflect.TypeFor[store.FollowUp]()},
		{"AuditEntry", reflect.TypeFor[store.AuditEntry]()},
		{"Alert", reflect.TypeFor[alertJSON]()},
		{"SummaryGroup", reflect.TypeFor[store.ListGroup]()},
		{"Summary", reflect.TypeFor[store.ListSummary]()},
		{"Recipient", reflect.TypeFor[store.Recipient]()},
	} {
		s, ok := doc.Components.Schemas[c.schema]
		if !ok {
			t.Errorf("openapi.json has no schema %s", c.schema)
			continue
		}
		for _, name := range jsonNames(c.t) {
			if !has(s, name) {
				t.Errorf("schema %s has no property %q, which %v writes", c.schema, name, c.t)
			}
		}
	}
}

// TestOpenAPIRequestSchemasAreTheBodiesTaken: a request body's schema has
// exactly the fields its handler decodes and, as the handler refuses any
// other (422 in a registration, 400 in a follow-up), says so
// (additionalProperties false), a recipient's too: a client generated
// from the document would otherwise send a field of its own, refused.
func TestOpenAPIRequestSchemasAreTheBodiesTaken(t *testing.T) {
	type schema struct {
		Properties           map[string]json.RawMessage `json:"properties"`
		AdditionalProperties *bool                      `json:"additionalProperties"`
	}
	var doc struct {
		Components struct {
			Schemas map[string]schema `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(OpenAPI, &doc); err != nil {
		t.Fatal(err)
	}
	recipient := reflect.TypeFor[wireShipment]()
	f, _ := recipient.FieldByName("Recipient")
	for _, c := range []struct {
		schema string
		t      reflect.Type
	}{
		{"NewShipment", reflect.TypeFor[wireShipment]()},
		{"Recipient", f.Type.Elem()},
		{"FollowUpDecision", reflect.TypeFor[followUpInput]()},
	} {
		s := doc.Components.Schemas[c.schema]
		var names []string
		for n := range s.Properties {
			names = append(names, n)
		}
		slices.Sort(names)
		if want := jsonNames(c.t); !slices.Equal(names, want) {
			t.Errorf("schema %s has the properties %v, the handler takes %v", c.schema, names, want)
		}
		if s.AdditionalProperties == nil || *s.AdditionalProperties {
			t.Errorf("schema %s does not say other fields are refused (additionalProperties false)", c.schema)
		}
	}
}
