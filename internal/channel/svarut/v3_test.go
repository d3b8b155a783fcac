package svarut

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/model"
)

// TestStatusV3: with API v3 the adapter asks SvarUt's v3 status search, as
// KS's own client (StatusKlientV3) and Digdir's eFormidling do: POST
// /v3/kontoer/{kontoId}/forsendelser/status/sok with {"id":[…]} (the fake
// checks path, body and answer against forsendelse-status-api-v3.json),
// with v2's credentials. The answer is v2's, with v3's own statuses; the
// history comes from v2's hendelser (v3 has no history endpoint).
func TestStatusV3(t *testing.T) {
	f := newFake(t)
	at := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	ids := map[string]string{
		"LEST":                "5e1f0000-0000-4000-8000-000000000001",
		"FEILET_UNDER_MOTTAK": "5e1f0000-0000-4000-8000-000000000002",
		"SLETTET":             "5e1f0000-0000-4000-8000-000000000003",
		"LEVERT_NHN_MOTTAKER": "5e1f0000-0000-4000-8000-000000000004",
	}
	for status, id := range ids {
		f.set(id, status, at)
	}
	unknown := "5e1f0000-0000-4000-8000-000000000009"
	c := newAdapter(t, f, setup{api: APIv3})
	obs, err := c.Status(context.Background(), []string{ids["LEST"], ids["FEILET_UNDER_MOTTAK"], ids["SLETTET"], ids["LEVERT_NHN_MOTTAKER"], unknown})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		state model.State
		keep  bool
		disp  channel.Disposition
	}{
		{model.StateOpened, false, ""},
		{model.StateFailed, false, ""},
		{"", true, channel.DispositionClosed},
		{model.StateAvailable, false, ""},
	}
	for i, w := range want {
		o := obs[i]
		if o.Err != nil || o.State != w.state || o.KeepState != w.keep || o.Disposition != w.disp || !o.ChangedAt.Equal(at) {
			t.Errorf("%s: %+v, want state %q keep %v disposition %q at %s", o.Status, o, w.state, w.keep, w.disp, at)
		}
	}
	if !errors.Is(obs[4].Err, channel.ErrNotKnown) {
		t.Errorf("an id left out of the v3 answer: %v, want ErrNotKnown", obs[4].Err)
	}
	h, err := c.History(context.Background(), ids["LEST"])
	if err != nil || !strings.Contains(string(h), "hendelser") {
		t.Errorf("history with v3: %s, %v", h, err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var paths []string
	for _, r := range f.requests {
		paths = append(paths, r.Method+" "+r.URL.Path)
	}
	if len(paths) != 2 || paths[0] != http.MethodPost+" /v3/kontoer/"+kontoID+"/forsendelser/status/sok" ||
		paths[1] != http.MethodGet+" /v2/forsendelser/"+ids["LEST"]+"/hendelser" {
		t.Errorf("requests %v, want the v3 status/sok and the v2 hendelser", paths)
	}
}
