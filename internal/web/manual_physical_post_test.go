package web_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

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
