package channel

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"

	"postvakt/internal/model"
)

func TestStatusTableApply(t *testing.T) {
	table := StatusTable{"LEST": {State: model.StateOpened}, "PRINTET": {State: model.StateAvailable, Disposition: DispositionChannelPrint}}
	o := Observation{Status: "PRINTET"}
	table.Apply(&o)
	if o.Err != nil || o.State != model.StateAvailable || o.Disposition != DispositionChannelPrint {
		t.Fatalf("%+v", o)
	}
	o = Observation{Status: "lest", Payload: json.RawMessage(`{"status":"lest"}`)}
	table.Apply(&o)
	if !errors.Is(o.Err, ErrUnknownStatus) || o.State != "" || !strings.Contains(o.Err.Error(), `"lest"`) || o.Payload == nil {
		t.Fatalf("%+v", o)
	}
}

func TestNewStatusTable(t *testing.T) {
	printed := Mapping{State: model.StateAvailable, Disposition: DispositionChannelPrint}
	table := NewStatusTable(Mapping{State: model.StateOpened}.For("LEST"), printed.For("SENDT_PRINT", "PRINTET"), Mapping{Keep: true}.For())
	want := StatusTable{"LEST": {State: model.StateOpened}, "SENDT_PRINT": printed, "PRINTET": printed}
	if !maps.Equal(table, want) {
		t.Fatalf("got %v, want %v", table, want)
	}
	for name, groups := range map[string][]StatusGroup{
		"in two groups": {Mapping{State: model.StateOpened}.For("LEST"), Mapping{State: model.StateFailed}.For("AVVIST", "LEST")},
		"in one group":  {Mapping{State: model.StateOpened}.For("LEST", "LEST")},
		"same meaning":  {Mapping{State: model.StateOpened}.For("LEST"), Mapping{State: model.StateOpened}.For("LEST")},
	} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), `"LEST"`) {
					t.Errorf("%s: recovered %v, want a panic naming the status", name, r)
				}
			}()
			NewStatusTable(groups...)
		}()
	}
}

func TestEvidence(t *testing.T) {
	for in, want := range map[string]string{
		`{"a":1}`:            `{"a":1}`,
		`{"a":`:              `"{\"a\":"`,
		"<html>x</html>":     `"\u003chtml\u003ex\u003c/html\u003e"`,
		"":                   `""`,
		"\xff\xfe bad utf-8": "\"\uFFFD bad utf-8\"",
	} {
		got := Evidence([]byte(in))
		if !json.Valid(got) || string(got) != want {
			t.Errorf("Evidence(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestBadResponseError(t *testing.T) {
	body := append([]byte("<!DOCTYPE html><html>"), bytes.Repeat([]byte("x"), 5000)...)
	err := NewBadResponse("svarut", "status", 200, "text/html", body, nil, errors.New("not JSON"))
	if len(err.Body) != maxEvidence || !bytes.HasPrefix(err.Body, []byte("<!DOCTYPE")) || err.Raw() != string(err.Body) {
		t.Fatalf("kept %d bytes", len(err.Body))
	}
	if msg := err.Error(); !strings.Contains(msg, "HTML page") || !strings.Contains(msg, "<!DOCTYPE") || len(msg) > 400 {
		t.Fatalf("message %q", msg)
	}
	if !LooksLikeHTML("application/json", []byte("  <html>")) || LooksLikeHTML("application/json", []byte(`{"a":1}`)) ||
		!LooksLikeHTML("text/html", []byte("Service Unavailable")) || LooksLikeHTML("text/html;charset=UTF-8", []byte("\ufeff {\"a\":1}")) {
		t.Fatal("LooksLikeHTML")
	}
	// A JSON answer cut off or broken keeps neither the title nor the
	// national id its first entry carries: only its length and hash.
	for _, page := range []string{
		"{\n  \"events\" : [ {\n    \"label\" : \"Afgørelse om anbringelse\",\n    \"owner\" : \"0101701234\",\n    \"metaProperties\" : {\"recipientID\" : \"0101701234\"",
		"\ufeff [{\"title\": \"Vedtak om barnevern\", \"id\": \"01017012343\"} garbage",
	} {
		err := NewBadResponse("digitalpost", "events", 200, "application/json", []byte(page), nil, errors.New("unexpected end of JSON input"))
		for _, secret := range []string{"Afgørelse", "0101701234", "Vedtak", "01017012343"} {
			if strings.Contains(err.Raw(), secret) || strings.Contains(err.Error(), secret) {
				t.Errorf("kept %q: raw %s, message %q", secret, err.Raw(), err.Error())
			}
		}
		if !strings.Contains(err.Raw(), `"unreadable":true`) || !strings.Contains(err.Raw(), fmt.Sprintf(`"bytes":%d`, len(page))) {
			t.Errorf("raw %s, want its length and hash", err.Raw())
		}
	}
	// A plain-text answer is kept as it came, national ids masked.
	if err := NewBadResponse("digitalpost", "events", 502, "text/plain", []byte("no such recipient 0101801234"), nil, errors.New("not JSON")); err.Raw() != "no such recipient 010180****" {
		t.Errorf("plain text with a CPR number kept as %q", err.Raw())
	}
	if err := NewBadResponse("svarut", "status", 502, "text/plain", []byte("Bad Gateway"), nil, errors.New("not JSON")); err.Raw() != "Bad Gateway" {
		t.Errorf("plain text kept as %q", err.Raw())
	}
}

func TestValidUUID(t *testing.T) {
	for s, want := range map[string]bool{
		"d6b23522-ddf3-462a-8140-16e59e1f476d": true,
		"D6B23522-DDF3-462A-8140-16E59E1F476D": true,
		"d6b23522ddf3462a814016e59e1f476d":     false,
		"d6b23522-ddf3-462a-8140-16e59e1f476g": false,
		"../../d6b23522-ddf3-462a-8140-16e59e": false,
		"":                                     false,
	} {
		if ValidUUID(s) != want {
			t.Errorf("ValidUUID(%q) = %v", s, !want)
		}
	}
}

func TestUnreadableKeepsNoContent(t *testing.T) {
	body := []byte(`{"correspondenceId":"0a1b","status":"Read","statusChanged":"2025-06-02T10:00:00Z","statusHistory":[{"status":"Read"}],` +
		`"recipient":"urn:altinn:person:identifier-no:01017012343","content":{"messageTitle":"Barnevern: vedtak om tiltak","messageBo`)
	ev := Unreadable(body, "correspondenceId", "status", "statusChanged", "statusHistory")
	if !json.Valid(ev) {
		t.Fatalf("not JSON: %s", ev)
	}
	for _, secret := range []string{"01017012343", "Barnevern", "messageTitle"} {
		if bytes.Contains(ev, []byte(secret)) {
			t.Fatalf("evidence keeps %q: %s", secret, ev)
		}
	}
	var doc struct {
		Unreadable bool
		Bytes      int
		SHA256     string
		Fields     map[string]string
	}
	if err := json.Unmarshal(ev, &doc); err != nil {
		t.Fatal(err)
	}
	if !doc.Unreadable || doc.Bytes != len(body) || len(doc.SHA256) != 64 || doc.Fields["status"] != "Read" ||
		doc.Fields["statusChanged"] != "2025-06-02T10:00:00Z" || doc.Fields["correspondenceId"] != "0a1b" || len(doc.Fields) != 3 {
		t.Fatalf("evidence %s", ev)
	}
}

func TestScanFields(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{`{"status":"Read","x":1}`, `status=Read`},
		{`{"a":{"status":"nested"},"status":"Published","statusChanged":"2025-`, `status=Published`},
		{`{"status":`, ``},
		{`<html>`, ``},
		{`["status"]`, ``},
		{`{"status":null}`, ``},
		// A national id is masked, as an unreadable time's is; a number
		// so masked becomes a string.
		{`{"status":"av 01029400470","x":`, `status=av 010294*****`},
		{`{"statusChanged":1029400470,"x":`, `statusChanged=10294*****`},
		{`{"statusChanged":"0101801234"`, `statusChanged=010180****`},
		{`{"statusChanged":1700000000,"x":`, `statusChanged=1700000000`}, // epoch seconds, no id: kept as sent
	} {
		got := ScanFields([]byte(tt.in), "status", "statusChanged")
		var parts []string
		for k, v := range got {
			s := string(v) // a number as sent
			_ = json.Unmarshal(v, &s)
			parts = append(parts, k+"="+s)
		}
		if strings.Join(parts, ",") != tt.want {
			t.Errorf("ScanFields(%s) = %v, want %s", tt.in, got, tt.want)
		}
	}
}

// TestParseTime: RFC 3339 as Go reads it, and the lower-case forms RFC 3339
// allows (§5.6) that Go refuses.
func TestParseTime(t *testing.T) {
	want := time.Date(2026, 11, 29, 9, 47, 12, 123_456_700, time.UTC)
	for _, in := range []string{"2026-11-29T09:47:12.1234567Z", "2026-11-29t09:47:12.1234567z", "2026-11-29T09:47:12.1234567z",
		"2026-11-29t10:47:12.1234567+01:00"} {
		if got, err := ParseTime(in); err != nil || !got.Equal(want) {
			t.Errorf("ParseTime(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "2026-11-29", "2026-11-29x09:47:12Z", "29.11.2026 09:47", "2026-11-29T09:47:12zz"} {
		if got, err := ParseTime(in); err == nil {
			t.Errorf("ParseTime(%q) = %v, want an error", in, got)
		}
	}
}

// TestBadResponseCutsNoNationalIDInPart: a text answer longer than the
// kilobyte kept, with a national id across its end, keeps no more of the
// id than its date (nine digits of a fødselsnummer give the whole).
func TestBadResponseCutsNoNationalIDInPart(t *testing.T) {
	for _, id := range []string{"01029400470", "0101801234"} {
		head := "502 Bad Gateway: upstream relayed recipients "
		body := head + strings.Repeat("x", maxEvidence-9-len(head)) + id + " and more"
		err := NewBadResponse("digitalpost", "events", 502, "text/plain", []byte(body), nil, errors.New("not JSON"))
		if !strings.HasPrefix(err.Raw(), head) {
			t.Errorf("raw begins %q, want the answer's text", err.Raw()[:40])
		}
		if more := id[:7]; strings.Contains(err.Raw(), more) || strings.Contains(err.Error(), more) {
			t.Errorf("%q of %s kept: raw ends %q", more, id, err.Raw()[len(err.Raw())-30:])
		}
	}
}
