package register_test

// From an independent review of the business registers: the names job against answers as
// Enhetsregisteret and the proxies in front of it give them.

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"postvakt/internal/httpclient"
	"postvakt/internal/model"
	"postvakt/internal/register"
	"postvakt/internal/storetest"
)

type noSleep struct{}

func (noSleep) Now() time.Time                                   { return time.Now() }
func (noSleep) Sleep(ctx context.Context, _ time.Duration) error { return ctx.Err() }

func TestNamesMixedAnswers(t *testing.T) {
	st := storetest.Open(t)
	ctx := context.Background()
	nrs := storetest.OrgNumbers(8)
	answers := map[string]func(w http.ResponseWriter){}
	ok := func(name string) func(w http.ResponseWriter) {
		return func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"organisasjonsnummer":"` + "%s" + `"}`))
		}
	}
	_ = ok
	body := func(nr, name string) string {
		return `{"organisasjonsnummer":"` + nr + `","navn":"` + name + `","_links":{"self":{"href":"https://data.brreg.no/enhetsregisteret/api/enheter/` + nr + `"}},` +
			`"postadresse":{"adresse":["Postboks 1","c/o X"],"postnummer":"0150","poststed":"OSLO","landkode":"NO","land":"Norge"}}`
	}
	json200 := func(b string) func(w http.ResponseWriter) {
		return func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(b))
		}
	}
	// The register throttles the last number asked (a 429 stops the run's
	// lookups: TestNamesThrottledStopsForTheRun).
	answers[nrs[7]] = func(w http.ResponseWriter) { // rate limited
		w.Header().Set("Retry-After", "3600")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(429)
		_, _ = w.Write([]byte(`{"status":429}`))
	}
	answers[nrs[1]] = func(w http.ResponseWriter) { // gateway page
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(502)
		_, _ = w.Write([]byte(`<html><body>Bad Gateway</body></html>`))
	}
	answers[nrs[2]] = json200(body(nrs[2], "Guovdageainnu suohkan – Čáhcesuolu Ŋ AS"))
	answers[nrs[3]] = func(w http.ResponseWriter) { // Latin-1, unlabelled
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte("{\"organisasjonsnummer\":\"" + nrs[3] + "\",\"navn\":\"Sk\xe5la AS\"}"))
	}
	answers[nrs[4]] = json200(body(nrs[4], "Fjerde AS"))
	answers[nrs[5]] = json200(`{"organisasjonsnummer":"` + nrs[5] + `","navn":"Slettet AS","slettedato":"2024-01-01"}`)
	answers[nrs[6]] = json200(body(nrs[6], "Sjuende\\nAS"))
	answers[nrs[0]] = json200(body(nrs[0], "Åttende AS"))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/enheter/{nr}", func(w http.ResponseWriter, r *http.Request) {
		if a, ok := answers[r.PathValue("nr")]; ok {
			a(w)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(404)
		_, _ = w.Write([]byte(`{"status":404}`))
	})
	mux.HandleFunc("GET /api/underenheter/{nr}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(404)
		_, _ = w.Write([]byte(`{"status":404}`))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	hc, err := httpclient.New(httpclient.Options{Name: "register", BaseURL: srv.URL + "/api", Logger: quiet, Clock: noSleep{}})
	if err != nil {
		t.Fatal(err)
	}
	var items []model.NewShipment
	for i, nr := range nrs {
		l := storetest.Letter(i + 1)
		l.RecipientID = nr
		items = append(items, l)
	}
	storetest.Register(t, st, items...)
	now := time.Now().Truncate(time.Second) // the database keeps microseconds
	n := &register.Namer{Store: st, Norway: &register.Brreg{HTTP: hc}, Log: quiet, Now: func() time.Time { return now }}
	sum, err := n.RunOnce(ctx, now)
	t.Logf("summary %+v err %v", sum, err)
	names := map[string]string{}
	rows, err := st.DB().Query(`SELECT ident, name FROM recipients WHERE kind = 'org'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id, name string
		_ = rows.Scan(&id, &name)
		names[id] = name
	}
	want := map[int]string{2: "Guovdageainnu suohkan – Čáhcesuolu Ŋ AS", 4: "Fjerde AS", 5: "Slettet AS", 6: "Sjuende AS", 0: "Åttende AS"}
	for i, w := range want {
		if names[nrs[i]] != w {
			t.Errorf("%s named %q, want %q", nrs[i], names[nrs[i]], w)
		}
	}
	var retryAt time.Time
	if err := st.DB().Get(&retryAt, `SELECT retry_at FROM register_retries WHERE orgnr = $1`, nrs[7]); err != nil {
		t.Fatal(err)
	}
	if d := retryAt.Sub(now); d < time.Hour {
		t.Errorf("429 with Retry-After 3600: the names job asks again after %s (the print fallback honours Retry-After)", d)
	}
}
