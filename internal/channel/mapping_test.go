package channel

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

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
	err := NewBadResponse("svarut", "status", 200, "text/html", body, errors.New("not JSON"))
	if len(err.Body) != maxEvidence || !bytes.HasPrefix(err.Body, []byte("<!DOCTYPE")) || err.Raw() != string(err.Body) {
		t.Fatalf("kept %d bytes", len(err.Body))
	}
	if msg := err.Error(); !strings.Contains(msg, "HTML page") || !strings.Contains(msg, "<!DOCTYPE") || len(msg) > 400 {
		t.Fatalf("message %q", msg)
	}
	if !LooksLikeHTML("application/json", []byte("  <html>")) || LooksLikeHTML("application/json", []byte(`{"a":1}`)) {
		t.Fatal("LooksLikeHTML")
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
