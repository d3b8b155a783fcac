package digitalpost

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"postvakt/internal/channel"
)

const (
	fieldsFile = "../../../testdata/specs/digitalpost/fields.txt"
	readmeFile = "../../../testdata/specs/digitalpost/README.md"
)

// fieldList is testdata/specs/digitalpost/fields.txt: names by section,
// with whether each is required; tags with their meaning.
type fieldList struct {
	names    map[string]map[string]bool // section → name → required
	meanings map[string]string          // tag → meaning
	fromAPI  map[string]bool            // tags from the API's event tags, not the README
}

func loadFields(t *testing.T) fieldList {
	t.Helper()
	f, err := os.Open(fieldsFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fl := fieldList{names: map[string]map[string]bool{}, meanings: map[string]string{}, fromAPI: map[string]bool{}}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.Fields(line)
		if len(parts) < 2 {
			t.Fatalf("fields.txt: %q", line)
		}
		if parts[0] == "tag" {
			fl.meanings[parts[1]] = parts[2]
			fl.fromAPI[parts[1]] = len(parts) > 3 && parts[3] == "api"
			continue
		}
		if fl.names[parts[0]] == nil {
			fl.names[parts[0]] = map[string]bool{}
		}
		fl.names[parts[0]][parts[1]] = len(parts) > 2 && parts[2] == "required"
	}
	return fl
}

func tagMeanings(t *testing.T) map[string]string { return loadFields(t).meanings }

// TestFieldListFromREADME: every name in fields.txt is one the README
// names (the list invents nothing).
func TestFieldListFromREADME(t *testing.T) {
	readme, err := os.ReadFile(readmeFile)
	if err != nil {
		t.Fatal(err)
	}
	fl := loadFields(t)
	for section, names := range fl.names {
		for n := range names {
			if !regexp.MustCompile(`\b` + regexp.QuoteMeta(n) + `\b`).Match(readme) {
				t.Errorf("%s %s: not in the README", section, n)
			}
		}
	}
	for tag := range fl.meanings {
		switch in := strings.Contains(string(readme), "`"+tag+"`"); {
		case !in && !fl.fromAPI[tag]:
			t.Errorf("tag %s: not in the README", tag)
		case in && fl.fromAPI[tag]:
			t.Errorf("tag %s: marked api, but the README has it", tag)
		}
	}
}

// TestTagTableMatchesREADME: the adapter's table says for each tag what
// the README's table says, and knows no other tag.
func TestTagTableMatchesREADME(t *testing.T) {
	fl := loadFields(t)
	for tag, meaning := range fl.meanings {
		m, ok := Tags[tag]
		var got string
		switch {
		case !ok && (meaning == "evidence" || meaning == "ignore"):
			continue
		case !ok:
			got = "(missing)"
		case m.Disposition != channel.DispositionNone:
			got = string(m.Disposition)
		default:
			got = string(m.State)
		}
		if got != meaning {
			t.Errorf("%s means %s in the README, %s in the adapter", tag, meaning, got)
		}
	}
	for tag := range Tags {
		if _, ok := fl.meanings[tag]; !ok {
			t.Errorf("the adapter maps %s, which the README does not list", tag)
		}
	}
}

// TestFieldsBothSides reads the simulator's log with the adapter and checks
// the adapter's requests and the simulator's answers against fields.txt,
// and the adapter's own field names too: a name renamed on either side
// fails here.
func TestFieldsBothSides(t *testing.T) {
	fl := loadFields(t)
	w := newWorld(t, dpScenarioYAML)
	c := w.client(t, func(cfg *Config) { cfg.PageSize = 50 })
	if err := c.Events(context.Background(), simStart.Add(-7*24*time.Hour), simStart, func([]channel.FeedEvent) error { return nil }); err != nil {
		t.Fatal(err)
	}
	var one string
	for _, r := range w.sim.Shipments() {
		one = r.ChannelID
	}
	if _, err := c.Status(context.Background(), []string{one}); err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, x := range w.exchanges() {
		for k := range x.query {
			field, dotted := strings.CutPrefix(k, "metaProperties.")
			switch {
			case dotted && has(fl.names["meta"], field):
			case !dotted && (has(fl.names["query"], k) || has(fl.names["event"], k)):
			default:
				t.Errorf("the adapter sent parameter %q, which the README does not name", k)
			}
		}
		var env map[string]json.RawMessage
		if err := json.Unmarshal(x.body, &env); err != nil {
			t.Fatalf("simulator answer %s: %v", x.body, err)
		}
		checkKeys(t, "envelope", env, fl.names["envelope"], true)
		var events []map[string]json.RawMessage
		if err := json.Unmarshal(env["events"], &events); err != nil {
			t.Fatal(err)
		}
		for _, ev := range events {
			var meta, system map[string]json.RawMessage
			_ = json.Unmarshal(ev["metaProperties"], &meta)
			_ = json.Unmarshal(ev["system"], &system)
			aboutLetter := meta["messageUUID"] != nil
			checkKeys(t, "event", ev, fl.names["event"], aboutLetter && string(ev["eventTag"]) != `"`+tagSearches+`"`)
			checkKeys(t, "meta", meta, fl.names["meta"], aboutLetter)
			checkKeys(t, "system", system, fl.names["system"], false)
			checked++
		}
	}
	if checked < 100 {
		t.Errorf("only %d events checked", checked)
	}
	// The adapter's own names: what it reads and the evidence it keeps.
	for _, read := range []struct {
		v       any
		section string
	}{{envelope{}, "envelope"}, {page{}, "envelope"}, {entry{}, "event"}, {entryMeta{}, "meta"}} {
		for _, f := range jsonNames(reflect.TypeOf(read.v)) {
			if _, ok := fl.names[read.section][f]; !ok {
				t.Errorf("the adapter reads %s field %q, which the README does not name", read.section, f)
			}
		}
	}
	for _, f := range jsonNames(reflect.TypeOf(Evidence{})) {
		_, ev := fl.names["event"][f]
		_, meta := fl.names["meta"][f]
		if !ev && !meta {
			t.Errorf("the adapter keeps field %q, which the README does not name", f)
		}
	}
}

// checkKeys: every key is listed; with required, every required name is there.
func checkKeys(t *testing.T, section string, got map[string]json.RawMessage, names map[string]bool, required bool) {
	t.Helper()
	for k := range got {
		if _, ok := names[k]; !ok {
			t.Errorf("the simulator answers %s field %q, which the README does not name", section, k)
		}
	}
	if !required {
		return
	}
	for n, req := range names {
		if _, ok := got[n]; req && !ok {
			t.Errorf("the simulator's %s lacks %q", section, n)
		}
	}
}

func jsonNames(typ reflect.Type) []string {
	var out []string
	for i := 0; i < typ.NumField(); i++ {
		name, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			out = append(out, name)
		}
	}
	return out
}

func has(m map[string]bool, k string) bool { _, ok := m[k]; return ok }

// plainString reads exactly what json.Unmarshal reads, or leaves the
// input to it.
func TestPlainStringAgreesWithUnmarshal(t *testing.T) {
	for _, in := range []string{`"abc"`, `""`, `"  padded  "`, `"Københavns Kommune"`, `"a\"b"`, `"\u00e6"`, `"a\\b"`,
		"\"bad \xff byte\"", "\"tab\there\"", `"`, `abc`, `123`, `null`, `"unterminated`, `"2023-08-25T00:49:34.437Z"`} {
		got, ok := plainString([]byte(in))
		var want string
		err := json.Unmarshal([]byte(in), &want)
		if ok && (err != nil || got != want) {
			t.Errorf("%q: plainString %q, json.Unmarshal %q (%v)", in, got, want, err)
		}
	}
	for _, in := range []string{`"abc"`, `"Københavns Kommune"`, `"2023-08-25T00:49:34.437Z"`} {
		if _, ok := plainString([]byte(in)); !ok {
			t.Errorf("%q: not read without decoding", in)
		}
	}
}

// readPage reads a page in one pass when it can; whichever way it reads
// it, each entry comes out as parseEvent reads it alone.
func TestReadPageAgreesEntryByEntry(t *testing.T) {
	good := `{"id":"a","eventId":"e","rootId":"r","eventTag":"MESSAGE_READ","eventTime":"2025-03-10T08:00:00.123Z",` +
		`"created":"2025-03-10T08:00:01Z","metaProperties":{"messageUUID":"0B6D3C5E-1F2A-4B3C-8D4E-000000000001",` +
		`"senderID":"DK64942212","recipientID":"0101801234","recipientType":"CITIZEN","label":"Afg` + "\xf8" + `relse"}}`
	entries := []string{
		good,
		`{"id":7,"eventTag":"MEMO_SEND_RECEIVED","eventTime":1741593600123,"created":"2025-03-10T08:00:00+0000","metaProperties":{"messageUUID":42}}`,
		`{"id":"b","eventTag":"MESSAGE_READ","created":"2025-03-10T08:00:00Z","metaProperties":[1,2]}`,
		`{"id":"c","eventTag":"MESSAGE_READ","created":"2025-03-10T08:00:00Z","metaProperties":"x"}`,
		`{"id":"d","eventTag":"MESSAGE_READ","created":"2025-03-10T08:00:00Z","metaProperties":null}`,
		`{"id":"e","eventTag":null,"eventTime":{"a":1},"created":[1]}`,
		`{"eventTag":"MESSAGE_READ","created":"2025-03-10T08:00:00Z"}`,
		`{"id":"f","eventTag":"MEMO_SEND_RECEIVED","created":"2025-03-10T08:00:00Z","metaProperties":{"recipientID":"12345678"}}`,
		`{"id":"g","id":"h","eventTag":"MESSAGE_READ","created":"2025-03-10T08:00:00Z"}`,
		`{}`, `null`, `"not an object"`, `123`, `[]`, `true`,
	}
	check := func(name string, body string, want []string) {
		t.Helper()
		got, _, err := readPage([]byte(body))
		if err != nil || len(got) != len(want) {
			t.Fatalf("%s: %d events, %v; want %d", name, len(got), err, len(want))
		}
		for i, w := range want {
			alone := parseEvent(json.RawMessage(w))
			if !reflect.DeepEqual(describe(got[i]), describe(alone)) {
				t.Errorf("%s, entry %s:\n in a page %+v\n alone     %+v", name, w, describe(got[i]), describe(alone))
			}
		}
	}
	for _, e := range entries {
		check("a page of one", `{"events":[`+e+`],"totalPages":1}`, []string{e})
		check("after a good one", `{"events":[`+good+`,`+e+`],"totalPages":1}`, []string{good, e})
	}
	check("all of them", `{"events":[`+strings.Join(entries, ",")+`]}`, entries)
	if ev := parseEvent(json.RawMessage(good)); ev.Err != nil || ev.PersonID != "0101801234" || ev.SenderOrg != "64942212" ||
		ev.ChannelID != "0b6d3c5e-1f2a-4b3c-8d4e-000000000001" || strings.Contains(string(ev.Payload), "Afg") {
		t.Errorf("the good entry read as %+v", ev)
	}
	// A repeated "events" key: the last array is read, and nothing of the
	// first leaks into it (encoding/json would decode into the same slice).
	other := `{"id":"b","eventTag":"MEMO_SEND_RECEIVED","created":"2025-03-10T08:00:00Z"}`
	check("a repeated events key", `{"events":[`+good+`],"events":[`+other+`]}`, []string{other})
	check("a repeated events key, then null", `{"events":[`+good+`],"events":[null]}`, []string{`null`})
	// Keys match as encoding/json matches them: in another case too, the
	// last of them read.
	check("the events key in capitals", `{"EVENTS":[`+good+`],"TotalPages":1}`, []string{good})
	check("a repeated events key in another case", `{"events":[`+good+`],"Events":[`+other+`]}`, []string{other})
	// Ten digits are a CPR number's shape whatever the type says: masked.
	company := parseEvent(json.RawMessage(`{"id":"c","eventTag":"MESSAGE_READ","created":"2025-03-10T08:00:00Z",` +
		`"metaProperties":{"messageUUID":"u","recipientID":"0101801234","recipientType":"COMPANY"}}`))
	if strings.Contains(string(company.Payload), "0101801234") || !strings.Contains(string(company.Payload), "010180****") {
		t.Errorf("a ten-digit recipient typed COMPANY kept as %s", company.Payload)
	}
	for _, body := range []string{`{"content":[]}`, `{"events":null}`, `{"events":[],"totalPages":"x"}`, `<html>`, ``,
		`{"events":[]} {"events":[]}`, `{"events":[]}]`, `{"events":[]`, `null`,
		`{"totalElements":3,"totalPages":1}`, `{"totalElements":null}`} {
		if _, _, err := readPage([]byte(body)); err == nil {
			t.Errorf("%q read as a page", body)
		}
	}
	// No hits, the list left out as a null field: an empty page.
	for _, body := range []string{`{"currentPage":0,"totalPages":0,"elementsOnPage":0,"totalElements":0}`, `{"events":null,"totalElements":0}`} {
		if evs, at, err := readPage([]byte(body)); err != nil || len(evs) != 0 || at.TotalElements == nil || *at.TotalElements != 0 {
			t.Errorf("%q: %v %v", body, evs, err)
		}
	}
}

// describe is a FeedEvent with its error as text, to compare.
func describe(e channel.FeedEvent) any {
	err := ""
	if e.Err != nil {
		err = e.Err.Error()
	}
	e.Err = nil
	return struct {
		E   channel.FeedEvent
		Err string
	}{e, err}
}

// TestBadEntryKeepsNoContent: an entry that is not a JSON object (the
// entry as a string, an array) is kept as its length and hash, never as it
// came: it may hold the letter's label and the recipient's CPR number.
func TestBadEntryKeepsNoContent(t *testing.T) {
	for _, raw := range []string{
		`"{\"id\":\"a\",\"metaProperties\":{\"label\":\"Afgørelse om anbringelse\",\"recipientID\":\"0101801234\"}}"`,
		`["Afgørelse om anbringelse","0101801234"]`,
	} {
		ev := parseEvent(json.RawMessage(raw))
		if ev.Err == nil || !strings.Contains(string(ev.Payload), `"unreadable":true`) ||
			strings.Contains(string(ev.Payload), "Afg") || strings.Contains(string(ev.Payload), "0101801234") {
			t.Errorf("%s: kept %s (%v)", raw, ev.Payload, ev.Err)
		}
	}
}

// TestRecipientShapes: which recipient an entry names, and what its
// evidence keeps of the id. A CVR number (eight digits) is kept as it is;
// a CPR number masked, also one sent as a JSON number that lost its
// leading zero; an id of neither shape is kept masked too (it may be a
// CPR number written oddly).
func TestRecipientShapes(t *testing.T) {
	for _, tc := range []struct {
		name, id, typ         string
		person, org, evidence string
	}{
		{"a CVR number", `"29189919"`, `"COMPANY"`, "", "29189919", "29189919"},
		{"a CVR number with its prefix", `"DK29189919"`, `null`, "", "29189919", "29189919"},
		{"a CPR number", `"0101801234"`, `"CITIZEN"`, "0101801234", "", "010180****"},
		{"a CPR number as a number", `101801234`, `null`, "0101801234", "", "010180****"},
		{"a CPR number as a number, typed", `101801234`, `"CITIZEN"`, "0101801234", "", "010180****"},
		{"nine digits as text", `"101801234"`, `null`, "", "101801234", "101801***"},
		{"nine digits as text, a citizen's", `"101801234"`, `"CITIZEN"`, "0101801234", "", "010180****"},
		{"fourteen digits", `"01018012341234"`, `"COMPANY"`, "", "01018012341234", "010180********"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := parseEvent(json.RawMessage(`{"id":"c","eventTag":"MESSAGE_READ","created":"2025-03-10T08:00:00Z",` +
				`"metaProperties":{"messageUUID":"u","recipientID":` + tc.id + `,"recipientType":` + tc.typ + `}}`))
			var ev struct {
				RecipientID string `json:"recipientID"`
			}
			if err := json.Unmarshal(e.Payload, &ev); err != nil {
				t.Fatal(err)
			}
			if e.PersonID != tc.person || e.Recipient != tc.org || ev.RecipientID != tc.evidence {
				t.Errorf("person %q, organisation %q, evidence %q; want %q, %q, %q", e.PersonID, e.Recipient, ev.RecipientID, tc.person, tc.org, tc.evidence)
			}
		})
	}
}
