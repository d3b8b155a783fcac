package web_test

import (
	"bytes"
	"encoding/csv"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"postvakt/internal/store"
	"postvakt/internal/storetest"
	"postvakt/internal/web"
)

// TestMinAgeCountsTheDaysTheListsShow: min_age=14 keeps the letters the
// lists and exports show as 14 days old or more (days of 24 hours), also
// when the server's clock is in Oslo and summer time began within the 14
// days (29 March 2026): a letter 14 days and 30 minutes old is in, one
// exactly 14×24 hours old is in (at least 14 days), one 13 days and 23
// hours 30 minutes old is out.
func TestMinAgeCountsTheDaysTheListsShow(t *testing.T) {
	oslo, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		t.Fatal(err)
	}
	clock := time.Date(2026, 4, 5, 10, 0, 0, 0, oslo) // as time.Now() reads with TZ=Europe/Oslo
	st := storetest.Open(t)
	srv := httptest.NewServer(web.New(st, slog.New(slog.DiscardHandler), func() time.Time { return clock }))
	t.Cleanup(srv.Close)
	in, out, exact := storetest.Letter(1), storetest.Letter(2), storetest.Letter(3)
	in.SentAt = clock.Add(-14*24*time.Hour - 30*time.Minute)
	out.SentAt = clock.Add(-14*24*time.Hour + 30*time.Minute)
	exact.SentAt = clock.Add(-14 * 24 * time.Hour)
	got := storetest.Register(t, st, in, out, exact)
	tok, err := st.CreateToken(t.Context(), store.Token{Name: "zone-test", Role: "compliance", SenderOrg: in.SenderOrg})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", srv.URL+"/export?list=unopened&min_age=14&format=csv", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if resp.StatusCode != 200 || err != nil || len(rows) == 0 {
		t.Fatalf("export: %d %v\n%s", resp.StatusCode, err, b)
	}
	id, age := slices.Index(rows[0], "id"), slices.Index(rows[0], "age_days")
	var ids, ages []string
	for _, r := range rows[1:] {
		ids, ages = append(ids, r[id]), append(ages, r[age])
	}
	if !slices.Equal(ids, []string{got[0].ID, got[2].ID}) || !slices.Equal(ages, []string{"14", "14"}) {
		t.Errorf("min_age=14 listed %v aged %v, want the letters 14 days old (%s, %s)", ids, ages, got[0].ID, got[2].ID)
	}
}
