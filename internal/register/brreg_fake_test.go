package register_test

// An independent fake of Enhetsregisteret written from the channel notes
// only (specs README, "Enhetsregisteret" and "How the real services behave
// where the specs are silent"): /enheter/{orgnr} and /underenheter/{orgnr},
// 404 unknown, 410 removed (with a JSON body), a deleted unit answering 200
// with slettedato and few fields, and answers a real server may give that
// are not the expected JSON.

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"postvakt/internal/httpclient"
	"postvakt/internal/httpfake"
	"postvakt/internal/register"
	"postvakt/internal/store"
)

// brAnswer is one canned answer of the fake.
type brAnswer struct {
	status      int
	contentType string
	body        string
}

func brregFake(t *testing.T, enheter, underenheter map[string]brAnswer) *register.Brreg {
	t.Helper()
	srv := httpfake.New(t, nil)
	serve := func(m map[string]brAnswer) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			a, ok := m[r.PathValue("orgnr")]
			if !ok {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusNotFound)
				_, _ = w.Write([]byte(`{"timestamp":"2026-12-02T06:00:00.000+00:00","status":404,"error":"Not Found","path":"` + r.URL.Path + `"}`))
				return
			}
			ct := a.contentType
			if ct == "" {
				ct = "application/json"
			}
			w.Header().Set("Content-Type", ct)
			w.WriteHeader(a.status)
			_, _ = w.Write([]byte(a.body))
		}
	}
	srv.Handle("GET /enhetsregisteret/api/enheter/{orgnr}", serve(enheter))
	srv.Handle("GET /enhetsregisteret/api/underenheter/{orgnr}", serve(underenheter))
	hc, err := httpclient.New(httpclient.Options{Name: "brreg", BaseURL: srv.URL + "/enhetsregisteret/api",
		Logger: slog.New(slog.DiscardHandler), BackoffBase: time.Millisecond, BreakerThreshold: -1, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	return &register.Brreg{HTTP: hc}
}

// TestNotesFakeBrreg asks the notes' fake about each kind of unit: what
// Lookup answers (the kind, the status, the name) or that it fails (to be
// asked again later, nothing cached).
func TestNotesFakeBrreg(t *testing.T) {
	const addr = `"forretningsadresse":{"adresse":["Strandgaten 1"],"postnummer":"5013","poststed":"BERGEN","landkode":"NO","land":"Norge"}`
	enheter := map[string]brAnswer{
		"974760673": {200, "", `{"organisasjonsnummer":"974760673","navn":"Bærum kommune",` + addr + `}`},
		"910753614": {410, "", `{"timestamp":"2026-12-02T06:00:00.000+00:00","status":410,"error":"Gone","message":"Enheten 910753614 er fjernet"}`},
		"911111111": {200, "", `{"organisasjonsnummer":"911111111","navn":"Slettet AS","slettedato":"2024-05-01"}`},
		"922222222": {200, "text/html", `<!DOCTYPE html><html><body>Vedlikehold</body></html>`},
		"933333333": {200, "application/json;charset=ISO-8859-1", "{\"organisasjonsnummer\":\"933333333\",\"navn\":\"Sk\xe5la \xc6rlig AS\"," + addr + "}"},
		"944444444": {200, "application/json", "{\"organisasjonsnummer\":\"944444444\",\"navn\":\"Sk\xe5la \xc6rlig AS\"," + addr + "}"},
		"988888888": {200, "", `{"organisasjonsnummer":"988888888","navn":"Strenger AS","konkurs":"false","underAvvikling":"true",` + addr + `}`},
		"999999990": {404, "text/html; charset=utf-8", `<!DOCTYPE html><html><head><title>404 Not Found</title></head><body><h1>Not Found</h1></body></html>`},
		"999999991": {410, "text/html", `<html><body>Gone</body></html>`},
		"912121212": {200, "", `{"message":"Service temporarily unavailable"}`}, // a gateway's JSON, not a unit
		"913131313": {200, "", `{}`},
		"914141414": {200, "", `null`},
	}
	underenheter := map[string]brAnswer{
		"955555555": {200, "", `{"organisasjonsnummer":"955555555","navn":"Bærum kommune avd. Sandvika","overordnetEnhet":"974760673","beliggenhetsadresse":{"adresse":["Sandvikaveien 1"],"postnummer":"1337","poststed":"SANDVIKA"}}`},
		"966666666": {410, "", `{"status":410,"error":"Gone"}`},
	}
	b := brregFake(t, enheter, underenheter)
	for _, c := range []struct {
		orgnr    string
		wantKind string
		status   int
		name     string
		wantErr  bool
	}{
		{"974760673", store.RegisterEnhet, 200, "Bærum kommune", false},
		{"910753614", store.RegisterEnhet, 410, "", false},           // removed, with a JSON body
		{"911111111", store.RegisterEnhet, 200, "Slettet AS", false}, // deleted: 200 with slettedato
		{"955555555", store.RegisterUnderenhet, 200, "Bærum kommune avd. Sandvika", false},
		{"966666666", store.RegisterUnderenhet, 410, "", false},          // a removed sub-unit
		{"977777777", store.RegisterEnhet, 404, "", false},               // unknown to both
		{"922222222", "", 0, "", true},                                   // 200 with an HTML page
		{"933333333", store.RegisterEnhet, 200, "Skåla Ærlig AS", false}, // ISO-8859-1, so labelled
		{"944444444", "", 0, "", true},                                   // ISO-8859-1 bytes labelled as UTF-8: never a garbled name
		{"988888888", store.RegisterEnhet, 200, "Strenger AS", false},    // yes/no flags written as strings
		{"999999990", "", 0, "", true},                                   // a 404 web page: a wrong address or a proxy, not "unknown"
		{"999999991", "", 0, "", true},                                   // a 410 web page, the same
		{"912121212", "", 0, "", true},                                   // 200 with JSON about no unit: not "no name, no address"
		{"913131313", "", 0, "", true},
		{"914141414", "", 0, "", true},
	} {
		t.Run(c.orgnr, func(t *testing.T) {
			a, err := b.Lookup(context.Background(), c.orgnr)
			if (err != nil) != c.wantErr {
				t.Fatalf("Lookup: %+v %v", a, err)
			}
			if err != nil {
				return
			}
			if a.Kind != c.wantKind || a.Status != c.status || a.Name != c.name {
				t.Fatalf("Lookup: kind %s status %d name %q, want %s %d %q", a.Kind, a.Status, a.Name, c.wantKind, c.status, c.name)
			}
			if strings.ContainsRune(a.Name, '\uFFFD') {
				t.Fatalf("garbled name %q", a.Name)
			}
		})
	}
}

// TestParseUnitFlags reads the yes/no flags a printed letter depends on
// (bankrupt, being wound up): JSON booleans as the API sends them, the same
// written as strings by a proxy or a copy of the register, and null; any
// other value is an error (asked again later), never a silent "no".
func TestParseUnitFlags(t *testing.T) {
	for _, c := range []struct {
		flag    string
		want    bool
		wantErr bool
	}{
		{`true`, true, false},
		{`false`, false, false},
		{`null`, false, false},
		{`"true"`, true, false},
		{`"false"`, false, false},
		{`"TRUE"`, true, false},
		{`"ja"`, false, true},
		{`1`, false, true},
		{`""`, false, true},
	} {
		t.Run(c.flag, func(t *testing.T) {
			u, err := register.ParseUnit("988888888", []byte(`{"organisasjonsnummer":"988888888","navn":"X AS","konkurs":`+c.flag+`}`))
			if (err != nil) != c.wantErr {
				t.Fatalf("ParseUnit: %+v %v", u, err)
			}
			if err == nil && bool(u.Konkurs) != c.want {
				t.Fatalf("konkurs %v, want %v", u.Konkurs, c.want)
			}
		})
	}
}

// TestOneLine: a register's name with line breaks, tabs or other control
// characters (a hostile or broken entry) becomes one line, its runs of
// white space one space; a bidirectional embedding, override or isolate
// control is dropped (U+202E would turn "(org.nr. 974760673)" after the
// name around in a reminder's subject); an ordinary name, right-to-left
// letters among them, stays as it is.
func TestOneLine(t *testing.T) {
	for in, want := range map[string]string{
		"Bærum kommune":                              "Bærum kommune",
		"  Bærum kommune \n":                         "Bærum kommune",
		"Bærum kommune\r\nBcc: spy@evil.example":     "Bærum kommune Bcc: spy@evil.example",
		"Skåla\tÆrlig\u0085AS\u2028avd.\x00Sandvika": "Skåla Ærlig AS avd. Sandvika",
		"Fjordfisk AS\u202E":                         "Fjordfisk AS",
		"\u202DFjord\u202Afisk\u202C \u2067AS\u2069": "Fjordfisk AS",
		"Fjordfisk \u202E AS":                        "Fjordfisk AS",
		"شركة الأسماك":                               "شركة الأسماك",
		"":                                           "",
	} {
		if got := register.OneLine(in); got != want {
			t.Errorf("OneLine(%q) = %q, want %q", in, got, want)
		}
	}
}
