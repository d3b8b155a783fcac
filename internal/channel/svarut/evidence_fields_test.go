package svarut

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
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
