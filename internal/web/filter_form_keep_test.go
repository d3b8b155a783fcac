package web_test

import (
	"context"
	"html"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

var (
	filterInputRE  = regexp.MustCompile(`<input (?:type="(?:hidden|date|text)" )?name="([^"]+)"[^>]* value="([^"]*)"`)
	filterSelectRE = regexp.MustCompile(`(?s)<select name="([^"]+)".*?</select>`)
	selectedRE     = regexp.MustCompile(`<option value="([^"]*)" selected>`)
)

// filterSubmit is the query a browser sends when the list filter form of
// page is submitted unchanged but for set (a field's new value).
func filterSubmit(t *testing.T, page string, set url.Values) url.Values {
	t.Helper()
	return formSubmit(t, page, `<form class="filters" method="get">`, set)
}

// formSubmit is the query a browser sends when the GET form of page that
// begins with start is submitted unchanged but for set.
func formSubmit(t *testing.T, page, start string, set url.Values) url.Values {
	t.Helper()
	i := strings.Index(page, start)
	if i < 0 {
		t.Fatalf("no form %s on the page", start)
	}
	form := page[i : i+strings.Index(page[i:], "</form>")]
	v := url.Values{}
	for _, m := range filterInputRE.FindAllStringSubmatch(form, -1) {
		v.Set(m[1], html.UnescapeString(m[2]))
	}
	for _, m := range filterSelectRE.FindAllStringSubmatch(form, -1) {
		v.Set(m[1], "")
		if s := selectedRE.FindStringSubmatch(m[0]); s != nil {
			v.Set(m[1], html.UnescapeString(s[1]))
		}
	}
	for k, vs := range set {
		v[k] = vs
	}
	return v
}

// A list (or an incident report) narrowed by a letter's channel id, or by a unit's name that
// names no one unit (two organisations' units share it, for an unscoped
// admin), keeps that filter when its filter form is submitted again (a
// stage chosen); a unit chosen in the form then replaces the name. Before, the form had no field for either: the list came
// back with every letter of the stage, the filter gone.
func TestListFilterFormKeepsUnitNameAndChannelID(t *testing.T) {
	e := newEnv(t)
	var items []model.NewShipment
	for i, org := range []string{orgA, orgB, orgA} {
		unit := "Skole"
		if i == 2 {
			unit = "NAV"
		}
		items = append(items, model.NewShipment{Channel: "svarut", ChannelID: storetest.ChannelID("filter-form", i),
			SenderOrg: org, SenderUnit: unit, RecipientKind: "org", RecipientID: "910859897", Title: "Vedtak",
			Confidential: true, Class: "taushetsbelagt", SentAt: now.Add(-time.Duration(10+i) * 24 * time.Hour)})
	}
	got, _, err := e.st.Register(context.Background(), items, store.SourceAPI, "test")
	if err != nil {
		t.Fatal(err)
	}
	units, err := e.st.Units(context.Background(), store.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	nav := ""
	for _, u := range units {
		if u.Name == "NAV" {
			nav = strconv.FormatInt(u.ID, 10)
		}
	}
	root := e.loggedIn("root", "admin", "", "")
	for _, tc := range []struct {
		name, query string
		set         url.Values // changed in the form
		want        []string   // the letters listed after the form is submitted again
	}{
		{"channel_id", "list=all&channel_id=" + got[2].ChannelID, nil, []string{got[2].ID}},
		{"unit by name", "list=all&unit=Skole", nil, []string{got[0].ID, got[1].ID}},
		{"unit by name, another chosen", "list=all&unit=Skole", url.Values{"unit_id": {nav}}, []string{got[2].ID}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, path := range []string{"/list", "/units"} {
				code, page := root.get(path + "?" + tc.query)
				if code != 200 {
					t.Fatalf("%s?%s: %d %.300s", path, tc.query, code, page)
				}
				set := url.Values{"stage": {string(model.StageNone)}}
				for k, v := range tc.set {
					set[k] = v
				}
				again := filterSubmit(t, page, set)
				code, page = root.get("/list?" + again.Encode())
				if code != 200 {
					t.Fatalf("%s submitted again as %s: %d %.300s", path, again.Encode(), code, page)
				}
				for _, s := range got {
					listed := strings.Contains(page, "/shipments/"+s.ID)
					if want := strings.Contains(strings.Join(tc.want, " "), s.ID); listed != want {
						t.Errorf("%s?%s submitted again as %s: letter %s listed %v, want %v", path, tc.query, again.Encode(), s.ID, listed, want)
					}
				}
			}
		})
	}
	t.Run("incident report, unit by name", func(t *testing.T) {
		path := "/incidents?from=2026-11-01&to=2026-11-23&unit=Skole"
		code, page := root.get(path)
		if code != 200 {
			t.Fatalf("%s: %d %.300s", path, code, page)
		}
		again := formSubmit(t, page, `<form method="get" action="/incidents"`, url.Values{"channel": {"svarut"}})
		if code, page = root.get("/incidents?" + again.Encode()); code != 200 {
			t.Fatalf("submitted again as %s: %d %.300s", again.Encode(), code, page)
		}
		for i, s := range got {
			if listed, want := strings.Contains(page, "/shipments/"+s.ID), i < 2; listed != want {
				t.Errorf("%s submitted again as %s: letter %d listed %v, want %v", path, again.Encode(), i, listed, want)
			}
		}
	})
}
