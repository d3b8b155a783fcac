package svarut

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

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
	const fnr, title = "01017012345", "Vedtak om omsorgsovertakelse"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"statuser":[
 {"forsendelsesId":{"id":"` + ok + `"},"sisteStatusEndring":1763373600000,"status":"LEST","tittel":"` + title + `","mottaker":{"fodselsnr":"` + fnr + `"}},
 {"forsendelsesId":{"id":"` + broken + `"},"sisteStatusEndring":1763373600000,"status":7,"tittel":"` + title + `","mottaker":{"fodselsnr":"` + fnr + `"}}]}`))
	}))
	defer srv.Close()
	hc, err := httpclient.New(httpclient.Options{Name: "svarut", BaseURL: srv.URL, MaxRetries: -1, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(Config{BaseURL: srv.URL, API: APIv1, User: "u", Password: "p", Logger: slog.New(slog.DiscardHandler)}, hc, nil)
	if err != nil {
		t.Fatal(err)
	}
	obs, err := c.Status(context.Background(), []string{ok, broken})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range obs {
		p := string(o.Payload)
		if strings.Contains(p, fnr) || strings.Contains(p, title) {
			t.Errorf("%s (err %v): evidence keeps the record whole: %s", o.ChannelID, o.Err, p)
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
