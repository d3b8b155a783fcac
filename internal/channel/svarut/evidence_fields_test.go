package svarut

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"postvakt/internal/channel"
	"postvakt/internal/httpclient"
)

// TestStatusRecordEvidenceKeepsStatusFactsOnly: the evidence kept of one
// status record is its status facts. A record that carries more (a title,
// a recipient's national id: a newer API version, a proxy that enriches,
// a hostile answer) — and in particular one that does not decode, of
// which the README promises only hash, length and status fields — must
// not be stored whole.
func TestStatusRecordEvidenceKeepsStatusFactsOnly(t *testing.T) {
	const ok = "d6b23522-ddf3-462a-8140-16e59e1f476d"
	const broken = "d6b23522-ddf3-462a-8140-16e59e1f476e"
	// Content nested inside the status facts themselves: in the time, and
	// beside the id in v1's forsendelsesId.
	const nestedTime = "d6b23522-ddf3-462a-8140-16e59e1f4770"
	const nestedID = "d6b23522-ddf3-462a-8140-16e59e1f4771"
	const fnr, title = "01017012345", "Vedtak om omsorgsovertakelse"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"statuser":[
 {"forsendelsesId":{"id":"` + ok + `"},"sisteStatusEndring":1763373600000,"status":"LEST","tittel":"` + title + `","mottaker":{"fodselsnr":"` + fnr + `"}},
 {"forsendelsesId":{"id":"` + broken + `"},"sisteStatusEndring":1763373600000,"status":7,"tittel":"` + title + `","mottaker":{"fodselsnr":"` + fnr + `"}},
 {"forsendelsesId":{"id":"` + nestedTime + `"},"sisteStatusEndring":{"tittel":"` + title + `","fodselsnr":"` + fnr + `"},"status":"LEST"},
 {"forsendelsesId":{"id":"` + nestedID + `","tittel":"` + title + `","fodselsnr":"` + fnr + `"},"sisteStatusEndring":1763373600000,"status":"LEST"}]}`))
	}))
	defer srv.Close()
	obs, err := v1Client(t, srv.URL).Status(context.Background(), []string{ok, broken, nestedTime, nestedID})
	if err != nil {
		t.Fatal(err)
	}
	if len(obs) != 4 {
		t.Fatalf("%d observations, want 4: %+v", len(obs), obs)
	}
	for _, o := range obs {
		p := string(o.Payload)
		if strings.Contains(p, fnr) || strings.Contains(p, title) {
			t.Errorf("%s (err %v): evidence keeps the record whole: %s", o.ChannelID, o.Err, p)
		}
		if o.Err != nil && (strings.Contains(o.Err.Error(), title) || strings.Contains(o.Err.Error(), "012345")) {
			t.Errorf("%s: the error quotes what was nested in the record: %v", o.ChannelID, o.Err)
		}
		if !strings.Contains(p, `"LEST"`) && o.ChannelID != broken {
			t.Errorf("%s: evidence %s lost the status it was read from", o.ChannelID, p)
		}
	}
}

// TestRecordEvidenceKeepsWhatWasRead: the evidence of a status record holds
// the facts its state was read from, as the record named them, whichever
// way the record is read. Keys are matched as encoding/json matches them
// (exactly, or under case folding), so a record whose status came from
// "Status" keeps "Status"; the same record with one more field (which
// takes the long way, reduced to the facts) keeps the same, not a copy
// without the status it proves. Compared as jsonb compares them: the last
// of a repeated key wins.
func TestRecordEvidenceKeepsWhatWasRead(t *testing.T) {
	const id = "d6b23522-ddf3-462a-8140-16e59e1f476d"
	for _, facts := range []string{
		`"id":"` + id + `","status":"LEST"`,
		`"ID":"` + id + `","Status":"LEST","SISTESTATUSENDRING":"2026-11-17T10:00:00Z"`,
		`"id":"` + id + `","ſtatus":"LEST"`,
		`"forsendelsesid":{"id":"` + id + `"},"status":"LEST"`,
		`"id":"` + id + `","status":"MOTTATT","status":"LEST"`,
		`"id":"` + id + `","\u0053tatus":"LEST"`,
	} {
		short, _, _ := readRecord(json.RawMessage(`{` + facts + `}`))
		_, fast, _ := readRecord(json.RawMessage(`{` + facts + `}`))
		_, slow, _ := readRecord(json.RawMessage(`{` + facts + `,"tittel":"Vedtak"}`))
		if short.Status != "LEST" {
			t.Fatalf("{%s}: status %q, want LEST", facts, short.Status)
		}
		var f, s map[string]any
		if err := json.Unmarshal(fast, &f); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(slow, &s); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(f, s) {
			t.Errorf("{%s}: evidence %s read at once, %s with a field more: want the same facts", facts, fast, slow)
		}
		if !strings.Contains(strings.ToLower(string(slow)), `lest`) {
			t.Errorf("{%s}: evidence %s lacks the status LEST the state was read from", facts, slow)
		}
	}
}

// FuzzRecordEvidence: whatever a status record holds, its evidence is the
// record's status facts alone (reducing it again changes nothing) or, for
// one that is no JSON object, its fingerprint; and reading it never panics.
func FuzzRecordEvidence(f *testing.F) {
	const id = "d6b23522-ddf3-462a-8140-16e59e1f476d"
	for _, seed := range []string{
		`{"id":"` + id + `","status":"LEST","sisteStatusEndring":"2026-11-17T10:00:00Z"}`,
		`{"forsendelsesId":{"id":"` + id + `","tittel":"Vedtak"},"status":"LEST","sisteStatusEndring":1763373600000}`,
		`{"id":"` + id + `","status":"LEST","sisteStatusEndring":{"tittel":"Vedtak"}}`,
		`{"id":"` + id + `","Status":"LEST","tittel":"Vedtak"}`,
		`["` + id + `"]`, `{"id":`, `null`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, r []byte) {
		_, ev, _ := readRecord(r)
		if !statusRecordFacts.Holds(ev) {
			t.Fatalf("readRecord(%q): evidence %s holds more than the status facts", r, ev)
		}
	})
}

// v1Client is an adapter of SvarUt v1 at url that does not retry.
func v1Client(t testing.TB, url string) *Client {
	t.Helper()
	hc, err := httpclient.New(httpclient.Options{Name: "svarut", BaseURL: url, MaxRetries: -1, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(Config{BaseURL: url, API: APIv1, User: "u", Password: "p", Logger: slog.New(slog.DiscardHandler)}, hc, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestHistoryFingerprintOfWhatWasSent: a history that cannot be read is
// kept as its fingerprint, the hash of the bytes SvarUt sent (not of
// them with the national ids masked: that would prove nothing against
// SvarUt's copy), and without the national id in it.
func TestHistoryFingerprintOfWhatWasSent(t *testing.T) {
	const id, fnr = "d6b23522-ddf3-462a-8140-16e59e1f476d", "01029400470"
	body := `{"hendelsesLogger":[{"tidspunkt":"2026-11-17 10:00:00","hendelse":"Lest av ` + fnr + `"}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(body))
	}))
	defer srv.Close()
	_, err := v1Client(t, srv.URL).History(context.Background(), id)
	var bad *channel.BadResponseError
	if !errors.As(err, &bad) {
		t.Fatalf("%v: want an unreadable answer", err)
	}
	var fp struct{ SHA256 string }
	if jerr := json.Unmarshal(bad.Body, &fp); jerr != nil {
		t.Fatalf("%s: %v", bad.Body, jerr)
	}
	if sum := sha256.Sum256([]byte(body)); fp.SHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("fingerprint %s: not the hash of what SvarUt sent", bad.Body)
	}
	if strings.Contains(err.Error(), fnr) || strings.Contains(string(bad.Body), "9400470") {
		t.Errorf("the national id is kept: %v", err)
	}
}

// TestStatusRecordPersonIDsMasked: a status value or a time SvarUt sends
// as free text is kept as the letter's raw status, in its error and in its
// evidence, with a person id in it masked; the record read either way
// (whole, or reduced for a field more).
func TestStatusRecordPersonIDsMasked(t *testing.T) {
	const fnr = "01017012345"
	f := newNFSvarUt(t)
	f.rec(nfID(1), "LEST av "+fnr, `"2023-01-01T10:00:00Z"`) // an unknown status
	f.rec(nfID(2), "VARSLET", `"`+fnr+`"`)                   // a time that is none
	f.rec(nfID(3), "LEST", `"2023-01-01T10:00:00Z"`)         // a good one beside them
	obs, err := nfAdapter(t, f, APIv2).Status(context.Background(), []string{nfID(1), nfID(2), nfID(3)})
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(obs[0].Err, channel.ErrUnknownStatus) || !errors.Is(obs[1].Err, channel.ErrBadTimestamp) || obs[2].Err != nil {
		t.Fatalf("errors %v, %v, %v: want an unknown status, a bad time, none", obs[0].Err, obs[1].Err, obs[2].Err)
	}
	for i, o := range obs[:2] {
		for what, s := range map[string]string{"raw status": o.Status, "error": o.Err.Error(), "evidence": string(o.Payload)} {
			if strings.Contains(s, fnr) {
				t.Errorf("letter %d: the %s keeps the person id: %s", i+1, what, s)
			}
		}
		if !strings.Contains(string(o.Payload), "010170*****") || !json.Valid(o.Payload) {
			t.Errorf("letter %d: evidence %s, want valid JSON with the id masked to its date", i+1, o.Payload)
		}
	}
	if !strings.Contains(obs[0].Err.Error(), `"LEST av 010170*****"`) {
		t.Errorf("the error %q should quote the status as masked", obs[0].Err)
	}
	// The long way (a field more): the reduced evidence is masked too.
	_, ev, _ := readRecord(json.RawMessage(`{"id":"` + nfID(4) + `","status":"LEST av ` + fnr + `","tittel":"Vedtak"}`))
	if strings.Contains(string(ev), fnr) || strings.Contains(string(ev), "Vedtak") {
		t.Errorf("reduced evidence %s keeps the person id or the title", ev)
	}
}

// TestHistoryKeepsNoContent: a history entry's fields beside its time and
// text (a title, a recipient's name), and the answer's beside the list,
// are letter content: the evidence keeps neither; a national id in the
// text is masked (from an independent review of the SvarUt adapter).
func TestHistoryKeepsNoContent(t *testing.T) {
	const id = "7e7e0000-0000-4000-8000-000000000001"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"hendelsesLogger":[{"tidspunkt":"2023-01-01T08:13:14.547+01:00","hendelse":"Lest av 01029412345",`+
			`"tittel":"Vedtak om omsorgsovertakelse","mottaker":{"navn":"Ola Nordmann"}}],"forsendelse":{"tittel":"Vedtak om omsorgsovertakelse"}}`)
	}))
	t.Cleanup(srv.Close)
	raw, err := v1Client(t, srv.URL).History(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	got := string(raw)
	if strings.Contains(got, "01029412345") || strings.Contains(got, "omsorgsovertakelse") || strings.Contains(got, "Ola Nordmann") {
		t.Errorf("the history kept keeps letter content or an unmasked id: %s", got)
	}
	if !strings.Contains(got, `"tidspunkt":"2023-01-01T08:13:14.547+01:00"`) || !strings.Contains(got, `"hendelse":"Lest av `) {
		t.Errorf("the history lost its facts: %s", got)
	}
}
