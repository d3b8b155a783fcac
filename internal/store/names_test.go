package store_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
)

// namesWorld registers letters from a Norwegian and a Danish sender to
// Norwegian and Danish organisations and persons.
func namesWorld(t *testing.T, st *store.Store) {
	t.Helper()
	recipients := []struct{ sender, kind, id string }{
		{"964338531", "org", "974760673"},
		{"964338531", "org", "910000009"},
		{"964338531", "org", "31201004"},
		{"964338531", "person", "01017012343"},
		{"64942212", "org", "29811008"},
		{"64942212", "person", "2512891234"},
	}
	var items []model.NewShipment
	for i, r := range recipients {
		it := sample(7000 + i)
		it.ChannelID = fmt.Sprintf("names-%d", i)
		it.SenderOrg, it.RecipientKind, it.RecipientID = r.sender, r.kind, r.id
		items = append(items, it)
	}
	if _, _, err := st.Register(context.Background(), items, store.SourceImport, "test"); err != nil {
		t.Fatal(err)
	}
}

func TestOrgsToName(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	namesWorld(t, st)
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	stale := now.Add(-24 * time.Hour)
	due := func(countries ...string) []string {
		t.Helper()
		got, err := st.OrgsToName(ctx, now, stale, countries, 100)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	// Every organisation, never a person; only the lengths asked for.
	if got, want := due("DK", "NO"), []string{"29811008", "31201004", "64942212", "910000009", "964338531", "974760673"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("due: %v, want %v", got, want)
	}
	if got, want := due("DK"), []string{"29811008", "31201004", "64942212"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("Danish only: %v, want %v", got, want)
	}
	if got := due(); len(got) != 0 {
		t.Fatalf("no register: %v", got)
	}
	if got, err := st.OrgsToName(ctx, now, stale, []string{"DK", "NO"}, 2); err != nil || len(got) != 2 {
		t.Fatalf("limit: %v %v", got, err)
	}
	// A fresh answer is not asked again; a stale one is, named or not;
	// a named organisation without any answer is left alone.
	put := func(nr, kind, name string, status int, at time.Time) {
		t.Helper()
		if err := st.PutRegisterEntry(ctx, store.RegisterEntry{OrgNr: nr, Kind: kind, Status: status, Name: name,
			Body: []byte(`{"navn":"` + name + `"}`), FetchedAt: at}); err != nil {
			t.Fatal(err)
		}
	}
	put("974760673", store.RegisterEnhet, "Registerenheten i Brønnøysund", 200, now.Add(-time.Hour))
	put("910000009", store.RegisterUnderenhet, "Avdeling Nord", 200, now.Add(-25*time.Hour))
	put("31201004", store.RegisterCVR, "", 404, now.Add(-time.Hour))
	put("01017012343", store.RegisterEnhet, "Kari Nordmann", 200, now) // never a person's name, whatever the cache says
	n, err := st.FillOrgNames(ctx)
	if err != nil || n != 2 {
		t.Fatalf("filled %d, %v", n, err)
	}
	st.DB().MustExec(`UPDATE sender_orgs SET name = 'Københavns Kommune' WHERE orgnr = '64942212'`)
	if got, want := due("DK", "NO"), []string{"29811008", "964338531", "910000009"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("due after answers: %v, want %v (never asked first, then the stalest)", got, want)
	}
	var person string
	if err := st.DB().Get(&person, `SELECT name FROM recipients WHERE ident = '01017012343'`); err != nil || person != "" {
		t.Fatalf("a person got the name %q (%v)", person, err)
	}
	// A failed lookup waits for its retry time, doubling, at most longest.
	first, longest := 5*time.Minute, 30*time.Minute
	for i, want := range []time.Duration{5 * time.Minute, 10 * time.Minute, 20 * time.Minute, 30 * time.Minute, 30 * time.Minute} {
		r, err := st.RegisterFailed(ctx, "29811008", now, first, longest, "HTTP 500")
		if err != nil || r.Attempts != i+1 || !r.RetryAt.Equal(now.Add(want)) {
			t.Fatalf("failure %d: %+v %v, want retry after %s", i+1, r, err, want)
		}
	}
	if got := due("DK"); len(got) != 0 {
		t.Fatalf("backing off, yet due: %v", got)
	}
	if got, err := st.OrgsToName(ctx, now.Add(30*time.Minute), stale, []string{"DK"}, 10); err != nil || !reflect.DeepEqual(got, []string{"29811008"}) {
		t.Fatalf("after the backoff: %v %v", got, err)
	}
	// An answer forgets the failures.
	put("29811008", store.RegisterCVR, "Østerbro Rådgivning A/S", 200, now)
	var left int
	if err := st.DB().Get(&left, `SELECT count(*) FROM register_retries`); err != nil || left != 0 {
		t.Fatalf("%d failures left after an answer (%v)", left, err)
	}
}

// TestFillOrgNamesFollowsTheRegister: a renamed organisation gets its new
// name; an answer without a name (removed, unknown) keeps the old one.
func TestFillOrgNamesFollowsTheRegister(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	namesWorld(t, st)
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	name := func(nr string) string {
		t.Helper()
		var n string
		if err := st.DB().Get(&n, `SELECT name FROM recipients WHERE ident = $1 AND kind = 'org'`, nr); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for i, step := range []struct {
		status    int
		name      string
		want      string
		fillCount int64
	}{
		{200, "Gammelt Navn AS", "Gammelt Navn AS", 1},
		{200, "Gammelt Navn AS", "Gammelt Navn AS", 0},
		{200, "Nytt Navn AS", "Nytt Navn AS", 1},
		{410, "", "Nytt Navn AS", 0},
	} {
		if err := st.PutRegisterEntry(ctx, store.RegisterEntry{OrgNr: "974760673", Status: step.status, Name: step.name, FetchedAt: now}); err != nil {
			t.Fatal(err)
		}
		n, err := st.FillOrgNames(ctx)
		if err != nil || n != step.fillCount || name("974760673") != step.want {
			t.Fatalf("step %d: filled %d (%v), name %q, want %q", i, n, err, name("974760673"), step.want)
		}
	}
	e, err := st.RegisterEntry(ctx, "974760673")
	if err != nil || e.Kind != store.RegisterEnhet || e.Status != 410 {
		t.Fatalf("entry %+v %v", e, err)
	}
}

// TestRegisterAnswerWithNUL: a register's answer is written whatever bytes
// its name holds (a NUL, bytes that are not UTF-8), as a channel's is:
// PostgreSQL's text refused it, and the names job stopped for every
// organisation.
func TestRegisterAnswerWithNUL(t *testing.T) {
	st := newStore(t)
	ctx := context.Background()
	e := store.RegisterEntry{OrgNr: "910002031", Status: 200, Name: "NUL\x00 AS \xff", Body: []byte(`{"navn":"NUL\u0000 AS"}`),
		FetchedAt: time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)}
	if err := st.PutRegisterEntry(ctx, e); err != nil {
		t.Fatalf("a name with a NUL: %v", err)
	}
	got, err := st.RegisterEntry(ctx, e.OrgNr)
	if err != nil || got.Name != `NUL\x00 AS \xff` {
		t.Errorf("cached %+v (%v), want the name with its bytes escaped", got, err)
	}
}
