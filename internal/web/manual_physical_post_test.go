package web_test

import (
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"postvakt/internal/i18n"
	"postvakt/internal/web"
)

// TestManualResolvedAsDigitalPostPhysicalPost: a Danish caseworker who
// sent a manual case's letter as physical post through Digital Post
// (fjernprint) records exactly that: /manual offers "sendt som fysisk
// post gennem Digital Post" on the Digital Post letter's row (not on a
// SvarUt letter's), resolving so makes the letter's stage printed and the
// evidence page says it in Danish; the same resolution posted for the
// SvarUt letter is refused (400) and its case stays open.
func TestManualResolvedAsDigitalPostPhysicalPost(t *testing.T) {
	e := newEnv(t)
	dk := danishLetters(t, e)[2] // manual: print.via digitalpost
	no := e.seed(1)[0]
	db := e.st.DB()
	db.MustExec(`UPDATE shipments SET stage = 'manual' WHERE id = $1`, no.ID)
	db.MustExec(`INSERT INTO print_manual (shipment_id, reason, detail, created_at) VALUES ($1, 'no_address', '', $2)`, no.ID, now)
	b := e.loggedIn("kari", "compliance", "", "")

	code, page := b.getDa("/manual")
	if code != http.StatusOK {
		t.Fatalf("/manual: %d", code)
	}
	rows := strings.Split(page, `<tr class="manual-item">`)
	var dkRow, noRow string
	for _, r := range rows[1:] {
		r, _, _ = strings.Cut(r, "</tr>")
		switch {
		case strings.Contains(r, dk.ID):
			dkRow = r
		case strings.Contains(r, no.ID):
			noRow = r
		}
	}
	offer := `<option value="physical_post">sendt som fysisk post gennem Digital Post</option>`
	if !strings.Contains(dkRow, offer) {
		t.Errorf("the Digital Post letter's row does not offer its physical post:\n%s", dkRow)
	}
	if noRow == "" || strings.Contains(noRow, "physical_post") {
		t.Errorf("the SvarUt letter's row (or none) offers Digital Post's physical post:\n%s", noRow)
	}

	form := url.Values{"csrf": {csrf(page)}, "resolution": {"physical_post"}, "note": {"fjernprint"}}
	if code, _ := b.postDa("/manual/"+no.ID+"/resolve", form); code != http.StatusBadRequest {
		t.Errorf("the SvarUt letter resolved as Digital Post's physical post: %d, want 400", code)
	}
	if code, _ := b.postDa("/manual/"+dk.ID+"/resolve", form); code != http.StatusSeeOther {
		t.Fatalf("resolving the Digital Post letter: %d, want 303", code)
	}
	var stages []string
	if err := db.Select(&stages, `SELECT stage FROM shipments WHERE id IN ($1, $2) ORDER BY id = $1 DESC`, dk.ID, no.ID); err != nil ||
		len(stages) != 2 || stages[0] != "printed" || stages[1] != "manual" {
		t.Errorf("stages %v (%v), want the Digital Post letter printed, the SvarUt letter still manual", stages, err)
	}
	if _, ev := b.getDa("/shipments/" + dk.ID); !strings.Contains(ev, "sendt som fysisk post gennem Digital Post") {
		t.Error("the evidence page does not say the letter was sent as physical post through Digital Post")
	}
}

// TestManualIntroFitsDeployment: /manual says what waits there in the
// deployment's terms. A Danish-only one (Digital Post alone) is told of
// letters the unit sends again as Digital Post's physical post, not of a
// print fallback that could not print; a Norwegian one (SvarUt, Altinn)
// is told of the print fallback only, not of Digital Post; one with both
// countries' channels, or none named, of both.
func TestManualIntroFitsDeployment(t *testing.T) {
	const (
		dkIntro = "den afsendende enhed sender hvert af dem igen gennem Digital Post som fysisk post"
		noIntro = "Forsendelser som utskriftsløsningen ikke kunne skrive ut"
	)
	for _, tc := range []struct {
		name     string
		channels []string
		lang     string
		want     []string
		not      []string
	}{
		{"Digital Post alone", []string{"digitalpost"}, "da", []string{dkIntro}, []string{"udskriftsløsningen ikke kunne udskrive"}},
		{"Norway", []string{"svarut", "altinn"}, "nb", []string{noIntro}, []string{"Digital Post"}},
		{"both countries", []string{"svarut", "digitalpost"}, "en",
			[]string{"those the print fallback could not print", "as Digital Post's physical post"}, nil},
		{"every channel", nil, "nb", []string{"de utskriftsløsningen ikke kunne skrive ut", "som Digital Posts fysiske post"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnvWith(t, web.WithChannels(tc.channels))
			b := e.loggedIn("mette", "compliance", "", "")
			code, page := b.getIn(tc.lang, "/manual")
			page = html.UnescapeString(page)
			intro := regexp.MustCompile(`<p class="muted">[^<]*</p>`).FindString(page)
			if code != http.StatusOK || intro == "" {
				t.Fatalf("/manual: %d, no intro:\n%.2000s", code, page)
			}
			for _, w := range tc.want {
				if !strings.Contains(intro, w) {
					t.Errorf("the intro does not say %q: %s", w, intro)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(intro, n) {
					t.Errorf("the intro says %q: %s", n, intro)
				}
			}
		})
	}
}

// TestManualDetailsInPageLanguage: a manual-handling detail built from the
// register's data (kept as keys, print_manual.why) is said in the page's
// language, Norwegian and Danish, with the organisation numbers in it; a
// case recorded before, as English free text, shows as recorded.
func TestManualDetailsInPageLanguage(t *testing.T) {
	e := newEnv(t)
	got := e.seed(2)
	why, err := json.Marshal([]i18n.Phrase{i18n.P("manual.detail.subunit_of", "Orgnr", "974760673", "Parent", "910002384"),
		i18n.P("manual.detail.bankrupt", "Orgnr", "910002384")})
	if err != nil {
		t.Fatal(err)
	}
	const english = "sub-unit 974760673 belongs to 910002384: organisation 910002384 is bankrupt (konkurs)"
	const before = "organisation 964338531 has no usable postal or business address in the register"
	db := e.st.DB()
	db.MustExec(`UPDATE shipments SET stage = 'manual' WHERE id = ANY($1::uuid[])`, "{"+got[0].ID+","+got[1].ID+"}")
	db.MustExec(`INSERT INTO print_manual (shipment_id, reason, detail, why, created_at) VALUES ($1, 'bankrupt', $2, $3, $4)`, got[0].ID, english, why, now)
	db.MustExec(`INSERT INTO print_manual (shipment_id, reason, detail, created_at) VALUES ($1, 'no_address', $2, $3)`, got[1].ID, before, now)
	b := e.loggedIn("kari", "compliance", "964338531", "")
	for _, tc := range []struct{ accept, want string }{
		{"nb-NO,nb;q=0.9", "underenheten 974760673 hører til 910002384: organisasjonen 910002384 er konkurs"},
		{"da-DK,da;q=0.9", "underenheden 974760673 hører under 910002384: organisationen 910002384 er gået konkurs"},
		{"en-GB", english},
	} {
		code, page := b.doIn(tc.accept, "GET", "/manual", nil)
		if code != http.StatusOK {
			t.Fatalf("%s /manual: %d", tc.accept, code)
		}
		main := page[strings.Index(page, "<main"):]
		if !strings.Contains(main, tc.want) || (tc.accept != "en-GB" && strings.Contains(main, english)) {
			t.Errorf("%s /manual does not say %q (only)", tc.accept, tc.want)
		}
		if !strings.Contains(main, before) {
			t.Errorf("%s /manual lost the detail recorded before the keys, %q", tc.accept, before)
		}
	}
	// The letter's timeline says the entry that put it there as the list
	// does, the English record beneath; the other letter's entry, of a case
	// recorded before the keys, as recorded.
	for i, detail := range []string{english, before} {
		db.MustExec(`INSERT INTO shipment_events (shipment_id, kind, source, observed_at, raw_status, message)
			VALUES ($1, 'print_manual', 'register', $2, 'bankrupt', $3)`, got[i].ID, now, detail)
	}
	timeline := func(accept, id string) string {
		code, page := b.doIn(accept, "GET", "/shipments/"+id, nil)
		if code != http.StatusOK {
			t.Fatalf("%s /shipments/%s: %d", accept, id, code)
		}
		return html.UnescapeString(regexp.MustCompile(`(?s)<table id="timeline">.*?</table>`).FindString(page))
	}
	for _, tc := range []struct{ accept, want string }{
		{"nb-NO,nb;q=0.9", "underenheten 974760673 hører til 910002384: organisasjonen 910002384 er konkurs"},
		{"da-DK,da;q=0.9", "underenheden 974760673 hører under 910002384: organisationen 910002384 er gået konkurs"},
		{"en-GB", english},
	} {
		if tl := timeline(tc.accept, got[0].ID); !strings.Contains(tl, "<td>"+tc.want) || !strings.Contains(tl, english) {
			t.Errorf("%s: the timeline does not say %q with the record %q:\n%s", tc.accept, tc.want, english, tl)
		}
		if tl := timeline(tc.accept, got[1].ID); !strings.Contains(tl, "<td>"+before) {
			t.Errorf("%s: the timeline of a case recorded before the keys does not say it as recorded, %q:\n%s", tc.accept, before, tl)
		}
	}
}
