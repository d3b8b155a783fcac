package svarut

// An independent fake of SvarUt, written from the channel notes only
// (testdata/specs/README.md "KS SvarUt", the v2 OpenAPI files and the
// section "How the real services behave where the specs are silent"), and
// the adapter run against it through Status and History, as the poller
// calls them. Payload values quoted from the OpenAPI files' examples are
// marked "verbatim".

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/httpclient"
	"postvakt/internal/httpfake"
	"postvakt/internal/model"
)

const (
	nfKonto  = "d6b23522-ddf3-462a-8140-16e59e1f476d" // any uuid
	nfIntID  = "nf-integrasjon"
	nfIntPW  = "nf-integrasjon-passord"
	nfBearer = "nf-maskinporten-token"
	nfUser   = "nf-avsender"
	nfPass   = "nf-avsender-passord"
)

// nfSvarUt serves POST /v2/kontoer/{kontoId}/forsendelser/status-sok,
// GET /v2/forsendelser/{id}/hendelser and the v1 statuser/historikk, from
// raw status records by id. A v1 statuser that knows none of the ids
// answers 404 (the notes).
type nfSvarUt struct {
	t   *testing.T
	srv *httpfake.Server

	mu      sync.Mutex
	records map[string][]string // lower-case id → raw JSON status records (v2 shape)
	v1      map[string]string   // lower-case id → raw v1 record
}

func newNFSvarUt(t *testing.T) *nfSvarUt {
	t.Helper()
	f := &nfSvarUt{t: t, srv: httpfake.New(t, nil), records: map[string][]string{}, v1: map[string]string{}}
	f.srv.Handle("POST /v2/kontoer/{konto}/forsendelser/status-sok", f.statusSok)
	f.srv.Handle("GET /v2/forsendelser/{id}/hendelser", f.hendelser)
	f.srv.Handle("POST /tjenester/api/forsendelse/v1/statuser", f.v1Statuser)
	f.srv.Handle("GET /tjenester/api/forsendelse/v1/{id}/historikk", f.v1Historikk)
	return f
}

// rec adds a v2 status record for id; changed is put in as given (a JSON
// value: a quoted string or a number).
func (f *nfSvarUt) rec(id, status, changed string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	k := strings.ToLower(id)
	f.records[k] = append(f.records[k], fmt.Sprintf(`{"id":%q,"sisteStatusEndring":%s,"status":%q}`, k, changed, status))
}

func (f *nfSvarUt) v2Auth(w http.ResponseWriter, r *http.Request) bool {
	// Notes: "v2/v3 a Maskinporten bearer token (scope ks:fiks) plus
	// headers IntegrasjonId and IntegrasjonPassord".
	if r.Header.Get("Authorization") != "Bearer "+nfBearer || r.Header.Get("IntegrasjonId") != nfIntID ||
		r.Header.Get("IntegrasjonPassord") != nfIntPW {
		nfError(w, http.StatusUnauthorized, "Unauthorized")
		f.t.Errorf("v2 call without the bearer and IntegrasjonId/IntegrasjonPassord: %v", r.Header)
		return false
	}
	return true
}

func (f *nfSvarUt) statusSok(w http.ResponseWriter, r *http.Request) {
	if !f.v2Auth(w, r) {
		return
	}
	if r.PathValue("konto") != nfKonto {
		nfError(w, http.StatusNotFound, "ukjent konto")
		return
	}
	var body map[string][]string
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || len(body) != 1 || body["forsendelseIds"] == nil {
		// StatusSok: required forsendelseIds, and nothing else.
		nfError(w, http.StatusBadRequest, "forventet {\"forsendelseIds\":[…]}")
		return
	}
	var out []string
	f.mu.Lock()
	for _, id := range body["forsendelseIds"] {
		out = append(out, f.records[strings.ToLower(id)]...)
	}
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"statuser":[%s]}`, strings.Join(out, ","))
}

func (f *nfSvarUt) hendelser(w http.ResponseWriter, r *http.Request) {
	if !f.v2Auth(w, r) {
		return
	}
	f.mu.Lock()
	_, ok := f.records[strings.ToLower(r.PathValue("id"))]
	f.mu.Unlock()
	if !ok {
		nfError(w, http.StatusNotFound, "Fant ikke forsendelse")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	// verbatim: the Hendelse example of forsendelse-hendelser-api-v2.json
	fmt.Fprint(w, `{"hendelser":[{"tidspunkt":"2023-01-01T08:13:14.547+01:00","hendelse":"Akseptert for ekspedering"}]}`)
}

func (f *nfSvarUt) v1Auth(w http.ResponseWriter, r *http.Request) bool {
	if u, p, ok := r.BasicAuth(); !ok || u != nfUser || p != nfPass {
		nfError(w, http.StatusUnauthorized, "Unauthorized")
		f.t.Errorf("v1 call without HTTP Basic")
		return false
	}
	return true
}

func (f *nfSvarUt) v1Statuser(w http.ResponseWriter, r *http.Request) {
	if !f.v1Auth(w, r) {
		return
	}
	var ids []string // "JSON array of uuids"
	if err := json.NewDecoder(r.Body).Decode(&ids); err != nil {
		nfError(w, http.StatusBadRequest, "forventet en liste av id-er")
		return
	}
	var out []string
	f.mu.Lock()
	for _, id := range ids {
		if rec, ok := f.v1[strings.ToLower(id)]; ok {
			out = append(out, rec)
		}
	}
	f.mu.Unlock()
	if len(out) == 0 {
		// Notes: "answers 404 when it knows none of the ids asked".
		nfError(w, http.StatusNotFound, "Fant ingen forsendelser")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"statuser":[%s]}`, strings.Join(out, ","))
}

func (f *nfSvarUt) v1Historikk(w http.ResponseWriter, r *http.Request) {
	if !f.v1Auth(w, r) {
		return
	}
	w.Header().Set("Content-Type", "application/json")
	// Notes: historikk times are dd.MM.yyyy HH:mm:ss without a zone.
	fmt.Fprint(w, `{"hendelsesLogger":[{"tidspunkt":"01.01.2023 08:13:14","hendelse":"Akseptert for ekspedering"}]}`)
}

// nfError writes SvarUt's ErrorMessage (the OpenAPI files' default answer).
func nfError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	fmt.Fprintf(w, `{"timestamp":1672569235008,"status":%d,"error":%q,"errorId":"b3c1e0a2-1111-4222-8333-944455556666","path":"/x","message":%q}`,
		code, http.StatusText(code), msg)
}

type nfToken struct{}

func (nfToken) Token(context.Context) (string, error) { return nfBearer, nil }

func nfAdapter(t *testing.T, f *nfSvarUt, api string) *Client {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	cfg := Config{BaseURL: f.srv.URL, API: api, KontoID: nfKonto, IntegrasjonID: nfIntID, IntegrasjonPassord: nfIntPW,
		User: nfUser, Password: nfPass, Logger: log}
	hc, err := httpclient.New(httpclient.Options{Name: "svarut", BaseURL: f.srv.URL, Logger: log, BackoffBase: time.Millisecond,
		BreakerThreshold: -1})
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(cfg, hc, nfToken{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func nfID(n int) string { return fmt.Sprintf("5e1f0000-0000-4000-8000-%012d", n) }

// lestAt asks the notes' fake (v2) about one letter a raw, each LEST with
// its sisteStatusEndring as given, and returns their observations in order.
func lestAt(t *testing.T, raws []string) []channel.Observation {
	t.Helper()
	f := newNFSvarUt(t)
	var ids []string
	for i, raw := range raws {
		f.rec(nfID(i), "LEST", raw)
		ids = append(ids, nfID(i))
	}
	obs, err := nfAdapter(t, f, APIv2).Status(context.Background(), ids)
	if err != nil {
		t.Fatal(err)
	}
	if len(obs) != len(raws) {
		t.Fatalf("%d observations of %d letters", len(obs), len(raws))
	}
	return obs
}

// TestNotesFakeStatusTable: every status value of v1/v2 and v3 (notes:
// "Status values") reads as the notes' table of normalised states says.
// SENDT_NHN_MOTTAKER and LEVERT_NHN_MOTTAKER are in no row of that table;
// they only have to be read, not refused.
func TestNotesFakeStatusTable(t *testing.T) {
	type want struct {
		state model.State // "" = any state (or none)
		disp  channel.Disposition
	}
	table := map[string]want{
		"MOTTATT": {model.StateAccepted, ""}, "AKSEPTERT": {model.StateAccepted, ""},
		"VARSLET": {model.StateAvailable, ""}, "KLAR_FOR_MOTTAK": {model.StateAvailable, ""},
		"SENDT_DIGITALT": {model.StateAvailable, ""}, "SENDT_SDP": {model.StateAvailable, ""}, "LEVERT_SDP": {model.StateAvailable, ""},
		"LEST":        {model.StateOpened, ""},
		"AVVIST":      {model.StateRejected, ""},
		"IKKE_LEVERT": {model.StateFailed, ""}, "FEILET_UNDER_MOTTAK": {model.StateFailed, ""},
		"SENDT_PRINT": {"", channel.DispositionChannelPrint}, "PRINTET": {"", channel.DispositionChannelPrint},
		"MANUELT_HANDTERT": {"", channel.DispositionClosed}, "SLETTET": {"", channel.DispositionClosed},
		"SENDT_NHN_MOTTAKER": {"", ""}, "LEVERT_NHN_MOTTAKER": {"", ""},
	}
	f := newNFSvarUt(t)
	var ids []string
	var names []string
	for s := range table {
		id := nfID(len(ids))
		f.rec(id, s, `"2023-01-01T11:33:55.008+01:00"`)
		ids, names = append(ids, id), append(names, s)
	}
	obs, err := nfAdapter(t, f, APIv2).Status(context.Background(), ids)
	if err != nil {
		t.Fatal(err)
	}
	for i, o := range obs {
		w := table[names[i]]
		switch {
		case o.Err != nil:
			t.Errorf("%s: %v", names[i], o.Err)
		case w.state != "" && o.State != w.state:
			t.Errorf("%s: state %q, want %q", names[i], o.State, w.state)
		case o.Disposition != w.disp:
			t.Errorf("%s: disposition %q, want %q", names[i], o.Disposition, w.disp)
		}
	}
}

// TestNotesFakeTimestamps: sisteStatusEndring is an OpenAPI date-time
// (example "2023-01-01T11:33:55.008+01:00", verbatim), so any RFC 3339
// form — offset or Z, with or without a fraction — must read as the same
// instant; v1 sends epoch milliseconds (notes). A zone-less time is read in
// Europe/Oslo (the notes say so of v1 historikk, SvarUt's own zone).
func TestNotesFakeTimestamps(t *testing.T) {
	at := time.Date(2023, 1, 1, 10, 33, 55, 8_000_000, time.UTC)
	cases := []struct {
		raw  string
		want time.Time
	}{
		{`"2023-01-01T11:33:55.008+01:00"`, at},
		{`"2023-01-01T10:33:55.008Z"`, at},
		{`"2023-01-01T10:33:55.008000000Z"`, at},
		{`"2023-01-01T10:33:55Z"`, at.Truncate(time.Second)},
		{`"2023-01-01T11:33:55+01:00"`, at.Truncate(time.Second)},
		{`"2023-01-01T11:33:55.008"`, at},
		{`"2023-07-01T12:33:55.008"`, time.Date(2023, 7, 1, 10, 33, 55, 8_000_000, time.UTC)}, // summer: +02:00
		{`1672569235008`, at},
		// What Java servers write besides: Jackson's StdDateFormat (an
		// offset without its colon), ZonedDateTime (a region after the
		// offset), a space for the "T", LocalDateTime.toString without
		// zero seconds, and a fraction longer than milliseconds.
		{`"2023-01-01T11:33:55.008+0100"`, at},
		{`"2023-01-01T10:33:55.008+0000"`, at},
		{`"2023-01-01T11:33:55.008+01:00[Europe/Oslo]"`, at},
		{`"2023-01-01 11:33:55.008+01:00"`, at},
		{`"2023-01-01 11:33:55.008"`, at},
		{`"2023-01-01T11:33"`, at.Truncate(time.Minute)},
		{`"2023-01-01T11:33:55.008123456+01:00"`, at.Add(123456 * time.Nanosecond)},
		// SvarUt v1's own form, that of its historikk (notes).
		{`"01.01.2023 11:33:55"`, at.Truncate(time.Second)},
		{`"01.07.2023 12:33:55"`, time.Date(2023, 7, 1, 10, 33, 55, 0, time.UTC)},
	}
	f := newNFSvarUt(t)
	var ids []string
	for i, c := range cases {
		f.rec(nfID(i), "VARSLET", c.raw)
		ids = append(ids, nfID(i))
	}
	obs, err := nfAdapter(t, f, APIv2).Status(context.Background(), ids)
	if err != nil {
		t.Fatal(err)
	}
	for i, o := range obs {
		if o.Err != nil || !o.ChangedAt.Equal(cases[i].want) {
			t.Errorf("sisteStatusEndring %s: %v, %v; want %v", cases[i].raw, o.ChangedAt, o.Err, cases[i].want)
		}
	}
}

// TestNotesFakeOneBadRecord: a batch answer holding one record the adapter
// cannot use (an unknown status, a time that is none, a duplicate) spoils
// that letter only; a letter SvarUt leaves out of its answer is unknown to
// it; two records for one letter: the later change counts, and at one
// time a reading, and then a status that ends the escalation (the
// channel's print, closed by hand), is not undone by the record after it.
func TestNotesFakeOneBadRecord(t *testing.T) {
	f := newNFSvarUt(t)
	f.rec(nfID(1), "LEST", `"2023-01-01T11:33:55.008+01:00"`)
	f.rec(nfID(2), "NY_STATUS_FRA_KS", `"2023-01-01T11:33:55.008+01:00"`)
	f.rec(nfID(3), "VARSLET", `"i går"`)
	f.rec(nfID(4), "VARSLET", `"2023-01-01T10:00:00Z"`)
	f.rec(nfID(4), "LEST", `"2023-01-02T10:00:00Z"`) // a duplicate, later
	f.rec(nfID(4), "VARSLET", `"2023-01-01T09:00:00Z"`)
	f.rec(nfID(6), "LEST", `"2023-01-01T10:00:00Z"`) // duplicates at one time, out of order: read
	f.rec(nfID(6), "VARSLET", `"2023-01-01T10:00:00Z"`)
	f.rec(nfID(7), "SENDT_PRINT", `"2023-01-01T10:00:00Z"`) // at one time: the channel prints
	f.rec(nfID(7), "VARSLET", `"2023-01-01T10:00:00Z"`)
	f.rec(nfID(8), "MANUELT_HANDTERT", `"2023-01-01T10:00:00Z"`) // at one time: closed by hand
	f.rec(nfID(8), "VARSLET", `"2023-01-01T10:00:00Z"`)
	f.rec(nfID(9), "VARSLET", `"2023-01-01T10:00:00Z"`) // at one time, no reading, no end: the later record
	f.rec(nfID(9), "AVVIST", `"2023-01-01T10:00:00Z"`)
	f.rec(nfID(10), "LEST", `null`) // undated is not earlier: a reading beside a dated notice
	f.rec(nfID(10), "VARSLET", `"2023-01-01T10:00:00Z"`)
	obs, err := nfAdapter(t, f, APIv2).Status(context.Background(), []string{nfID(1), nfID(2), nfID(3), nfID(4), nfID(5), strings.ToUpper(nfID(1)), nfID(6),
		nfID(7), nfID(8), nfID(9), nfID(10)})
	if err != nil {
		t.Fatal(err)
	}
	if obs[0].Err != nil || obs[0].State != model.StateOpened {
		t.Errorf("good record: %+v", obs[0])
	}
	if !errors.Is(obs[1].Err, channel.ErrUnknownStatus) {
		t.Errorf("unknown status: %v, want ErrUnknownStatus", obs[1].Err)
	}
	if !errors.Is(obs[2].Err, channel.ErrBadTimestamp) {
		t.Errorf("bad time: %v, want ErrBadTimestamp", obs[2].Err)
	}
	if obs[3].Err != nil || obs[3].State != model.StateOpened {
		t.Errorf("duplicates: %s %v, want the later LEST", obs[3].State, obs[3].Err)
	}
	if !errors.Is(obs[4].Err, channel.ErrNotKnown) {
		t.Errorf("left out of the answer: %v, want ErrNotKnown", obs[4].Err)
	}
	if obs[5].Err != nil || obs[5].State != model.StateOpened {
		t.Errorf("an upper-case id SvarUt answers in lower case: %+v", obs[5])
	}
	if obs[6].Err != nil || obs[6].State != model.StateOpened {
		t.Errorf("LEST and VARSLET at one time: %s %v, want LEST", obs[6].State, obs[6].Err)
	}
	if obs[7].Err != nil || obs[7].Disposition != channel.DispositionChannelPrint {
		t.Errorf("SENDT_PRINT and VARSLET at one time: %s %q %v, want the channel's print", obs[7].State, obs[7].Disposition, obs[7].Err)
	}
	if obs[8].Err != nil || obs[8].Disposition != channel.DispositionClosed {
		t.Errorf("MANUELT_HANDTERT and VARSLET at one time: %s %q %v, want closed", obs[8].State, obs[8].Disposition, obs[8].Err)
	}
	if obs[9].Err != nil || obs[9].State != model.StateRejected {
		t.Errorf("VARSLET and AVVIST at one time: %s %v, want the later record, AVVIST", obs[9].State, obs[9].Err)
	}
	if obs[10].Err != nil || obs[10].State != model.StateOpened {
		t.Errorf("LEST without a time beside a dated VARSLET: %s %v, want LEST (from an independent review of the SvarUt adapter)", obs[10].State, obs[10].Err)
	}
}

// TestNotesFakeWholeCallAnswers: answers about the call, not the letters,
// fail the call (so no letter is marked anything); a 429 or 5xx with
// Retry-After is waited for and asked again.
func TestNotesFakeWholeCallAnswers(t *testing.T) {
	html := func(code int) func(w http.ResponseWriter, n int) bool {
		return func(w http.ResponseWriter, _ int) bool {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(code)
			fmt.Fprint(w, "<html><body><h1>502 Bad Gateway</h1></body></html>")
			return true
		}
	}
	cases := []struct {
		name    string
		script  func(w http.ResponseWriter, n int) bool
		wantErr bool
	}{
		{"ErrorMessage 400", func(w http.ResponseWriter, _ int) bool { nfError(w, 400, "Ugyldig forespørsel"); return true }, true},
		{"ErrorMessage 403", func(w http.ResponseWriter, _ int) bool { nfError(w, 403, "Ingen tilgang til konto"); return true }, true},
		{"gateway HTML 502", html(502), true},
		{"HTML page with 200", html(200), true},
		{"plain text 503", func(w http.ResponseWriter, _ int) bool {
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(503)
			fmt.Fprint(w, "Service Unavailable")
			return true
		}, true},
		{"429 Retry-After then 200", func(w http.ResponseWriter, n int) bool {
			if n > 1 {
				return false
			}
			w.Header().Set("Retry-After", "1")
			nfError(w, 429, "Too Many Requests")
			return true
		}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newNFSvarUt(t)
			f.rec(nfID(1), "LEST", `"2023-01-01T11:33:55.008+01:00"`)
			f.srv.Script(c.script)
			obs, err := nfAdapter(t, f, APIv2).Status(context.Background(), []string{nfID(1)})
			if c.wantErr != (err != nil) {
				t.Fatalf("err = %v, want an error: %v", err, c.wantErr)
			}
			if !c.wantErr && (obs[0].Err != nil || obs[0].State != model.StateOpened) {
				t.Errorf("after the wait: %+v", obs[0])
			}
		})
	}
}

// TestNotesFakeV1: v1 statuser with epoch milliseconds, its 404 for ids it
// knows none of (each unknown, not a failure), and historikk.
func TestNotesFakeV1(t *testing.T) {
	f := newNFSvarUt(t)
	f.v1[nfID(1)] = fmt.Sprintf(`{"forsendelsesId":{"id":%q},"sisteStatusEndring":1672569235008,"status":"SENDT_PRINT"}`, nfID(1))
	c := nfAdapter(t, f, APIv1)
	obs, err := c.Status(context.Background(), []string{nfID(1), nfID(2)})
	if err != nil {
		t.Fatal(err)
	}
	if obs[0].Err != nil || obs[0].Disposition != channel.DispositionChannelPrint || obs[0].ChangedAt.UnixMilli() != 1672569235008 {
		t.Errorf("v1 record: %+v", obs[0])
	}
	if !errors.Is(obs[1].Err, channel.ErrNotKnown) {
		t.Errorf("v1 id left out: %v", obs[1].Err)
	}
	obs, err = c.Status(context.Background(), []string{nfID(3)})
	if err != nil || !errors.Is(obs[0].Err, channel.ErrNotKnown) {
		t.Errorf("v1 404 for none known: %v, %+v; want each ErrNotKnown", err, obs)
	}
	h, err := c.History(context.Background(), nfID(1))
	if err != nil || !strings.Contains(string(h), "hendelsesLogger") {
		t.Errorf("v1 historikk: %s, %v", h, err)
	}
}

// TestNotesFakeHistoryV2: GET /v2/forsendelser/{id}/hendelser as the
// OpenAPI file's example; 404 (ErrorMessage) is the letter unknown.
func TestNotesFakeHistoryV2(t *testing.T) {
	f := newNFSvarUt(t)
	f.rec(nfID(1), "LEST", `"2023-01-01T11:33:55.008+01:00"`)
	c := nfAdapter(t, f, APIv2)
	h, err := c.History(context.Background(), nfID(1))
	if err != nil || !strings.Contains(string(h), "Akseptert for ekspedering") {
		t.Errorf("hendelser: %s, %v", h, err)
	}
	if _, err := c.History(context.Background(), nfID(2)); !errors.Is(err, channel.ErrNotKnown) {
		t.Errorf("hendelser of an unknown letter: %v, want ErrNotKnown", err)
	}
}

// TestNotesFakeHistoryAnswers: hendelser as SvarUt (or what stands before
// it) may answer: a 410 with its ErrorMessage is the letter unknown like a
// 404; a proxy's 404 page is not; a body with a byte order mark, in
// ISO-8859-1 as its Content-Type says, is read with its letters intact.
// A list that is null (the schema's hendelser is a required array) is no
// history: the answer is unreadable, and the history asked for again; it
// was kept as the letter's history, {"hendelser":null}, and never asked
// for again, so the evidence of the change it was fetched for had none.
// An empty list is no history either: SvarUt writes an event for every
// status a letter takes (the first, Mottatt, at its sending), and the
// history is fetched for a change, so none is the event not written yet
// (asked in the moment between the status and its event). It was kept,
// {"hendelser":[]}, as the evidence of a reading, and never asked for
// again: it is an error, and the history asked for at the next poll.
func TestNotesFakeHistoryAnswers(t *testing.T) {
	cases := []struct {
		name     string
		script   func(w http.ResponseWriter)
		notKnown bool
		want     string // in the history, when read
		bad      bool   // an unreadable answer (*channel.BadResponseError)
		failed   bool   // an error, the history asked for again
	}{
		{"a null list", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"hendelser":null}`)
		}, false, "", true, true},
		{"an empty list", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"hendelser":[]}`)
		}, false, "", false, true},
		{"an empty list, white space", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{ "hendelser" : [ ] }`)
		}, false, "", false, true},
		{"410 ErrorMessage", func(w http.ResponseWriter) { nfError(w, http.StatusGone, "Forsendelsen er slettet") }, true, "", false, false},
		{"a proxy's 404 page", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, "<html><body><h1>404 Not Found</h1>nginx</body></html>")
		}, false, "", false, false},
		{"ISO-8859-1 with its charset", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json;charset=ISO-8859-1")
			fmt.Fprint(w, `{"hendelser":[{"tidspunkt":"2023-01-01T08:13:14.547+01:00","hendelse":"Lest av mottaker p`+"\xe5"+` Altinn"}]}`)
		}, false, "Lest av mottaker på Altinn", false, false},
		{"a byte order mark", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, "\ufeff"+`{"hendelser":[{"tidspunkt":"2023-01-01T08:13:14.547+01:00","hendelse":"Akseptert for ekspedering"}]}`)
		}, false, "Akseptert for ekspedering", false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newNFSvarUt(t)
			f.srv.Script(func(w http.ResponseWriter, _ int) bool { c.script(w); return true })
			h, err := nfAdapter(t, f, APIv2).History(context.Background(), nfID(1))
			switch {
			case c.notKnown != errors.Is(err, channel.ErrNotKnown):
				t.Errorf("%v: unknown to SvarUt %v, want %v", err, errors.Is(err, channel.ErrNotKnown), c.notKnown)
			case c.want != "" && (err != nil || !strings.Contains(string(h), c.want)):
				t.Errorf("history %s (%v), want %q in it", h, err, c.want)
			case c.bad && !errors.As(err, new(*channel.BadResponseError)):
				t.Errorf("history %s (%v), want an unreadable answer", h, err)
			case c.failed && (err == nil || h != nil):
				t.Errorf("history %s (%v), want none and an error: it is asked for again", h, err)
			}
		})
	}
}
