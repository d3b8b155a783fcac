package printing

import "testing"

// TestJudge reads register answers of units and sub-units: where the print
// goes, or why it goes to manual handling.
func TestJudge(t *testing.T) {
	const addr = `{"adresse": ["Strandgaten 1"], "postnummer": "5013", "poststed": "BERGEN", "landkode": "NO"}`
	const post = `{"adresse": ["Postboks 7"], "postnummer": "5804", "poststed": "BERGEN"}`
	for _, c := range []struct {
		name       string
		status     int
		body       string
		wantLine   string // the address's first line, "" for none
		wantReason string
		wantErr    bool
	}{
		{"unit: postal address first", 200,
			`{"organisasjonsnummer": "974760673", "navn": "A AS", "postadresse": ` + post + `, "forretningsadresse": ` + addr + `}`, "Postboks 7", "", false},
		{"unit: business address", 200,
			`{"organisasjonsnummer": "974760673", "navn": "A AS", "forretningsadresse": ` + addr + `}`, "Strandgaten 1", "", false},
		{"sub-unit: beliggenhetsadresse", 200,
			`{"organisasjonsnummer": "974760673", "navn": "A AS avd. Nord", "overordnetEnhet": "964338531", "beliggenhetsadresse": ` + addr + `}`, "Strandgaten 1", "", false},
		{"sub-unit: postal address first", 200,
			`{"organisasjonsnummer": "974760673", "navn": "A AS avd. Nord", "postadresse": ` + post + `, "beliggenhetsadresse": ` + addr + `}`, "Postboks 7", "", false},
		{"sub-unit: closed", 200,
			`{"organisasjonsnummer": "974760673", "navn": "A AS avd. Nord", "nedleggelsesdato": "2025-03-01", "beliggenhetsadresse": ` + addr + `}`, "", ReasonClosed, false},
		{"bankrupt", 200, `{"organisasjonsnummer": "974760673", "konkurs": true, "forretningsadresse": ` + addr + `}`, "", ReasonBankrupt, false},
		{"abroad, by its country code", 200, `{"organisasjonsnummer": "974760673", "forretningsadresse": {"adresse": ["Vesterbrogade 1", "1620 København V"], "land": "Danmark", "landkode": "DK"}}`, "", ReasonForeignAddress, false},
		{"abroad, by its country's name alone", 200, `{"organisasjonsnummer": "974760673", "forretningsadresse": {"adresse": ["Vesterbrogade 1", "1620 København V"], "land": "Danmark"}}`, "", ReasonForeignAddress, false},
		{"abroad with a postal code", 200, `{"organisasjonsnummer": "974760673", "forretningsadresse": {"adresse": ["Storgatan 1"], "postnummer": "11122", "poststed": "STOCKHOLM", "land": "Sverige", "landkode": "SE"}}`, "", ReasonForeignAddress, false},
		{"a postal code, no country: Norway", 200, `{"organisasjonsnummer": "974760673", "forretningsadresse": {"adresse": ["Strandgaten 1"], "postnummer": "5004", "poststed": "BERGEN"}}`, "Strandgaten 1", "", false},
		{"Norway by name, no postal code", 200, `{"organisasjonsnummer": "974760673", "forretningsadresse": {"adresse": ["Strandgaten 1"], "land": "Norge"}}`, "", ReasonNoAddress, false},
		// From the notes (specs README, Enhetsregisteret), answers the
		// simulator does not give.
		{"deleted: 200 with slettedato and few fields", 200, `{"organisasjonsnummer": "974760673", "navn": "A AS", "slettedato": "2024-05-01"}`, "", ReasonDeleted, false},
		{"being wound up", 200, `{"organisasjonsnummer": "974760673", "underAvvikling": true, "forretningsadresse": ` + addr + `}`, "", ReasonWindingUp, false},
		{"forced dissolution", 200, `{"organisasjonsnummer": "974760673", "underTvangsavviklingEllerTvangsopplosning": true, "forretningsadresse": ` + addr + `}`, "", ReasonForcedDissolution, false},
		{"postal address with adresse empty: business address", 200,
			`{"organisasjonsnummer": "974760673", "navn": "A AS", "postadresse": {"adresse": [], "postnummer": "5804", "poststed": "BERGEN", "landkode": "NO"}, "forretningsadresse": ` + addr + `}`, "Strandgaten 1", "", false},
		{"postal address without postnummer: business address", 200,
			`{"organisasjonsnummer": "974760673", "navn": "A AS", "postadresse": {"adresse": ["Postboks 7"], "poststed": "BERGEN", "landkode": "NO"}, "forretningsadresse": ` + addr + `}`, "Strandgaten 1", "", false},
		{"adresse with nulls and blanks", 200,
			`{"organisasjonsnummer": "974760673", "navn": "A AS", "forretningsadresse": {"adresse": [null, " ", "Strandgaten 1"], "postnummer": "5013", "poststed": "BERGEN"}}`, "Strandgaten 1", "", false},
		{"no address at all", 200, `{"organisasjonsnummer": "974760673", "navn": "A AS", "postadresse": null}`, "", ReasonNoAddress, false},
		{"removed, with a JSON body", 410, `{"status": 410, "error": "Gone"}`, "", ReasonRemoved, false},
		{"neither knows it", 404, `{}`, "", ReasonUnknown, false},
		{"removed", 410, ``, "", ReasonRemoved, false},
		{"another number", 200, `{"organisasjonsnummer": "964338531"}`, "", "", true},
		{"not JSON", 200, `<html>`, "", "", true},
		{"a failure cached by mistake", 500, `{}`, "", "", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			v, err := judge("974760673", c.status, []byte(c.body))
			if (err != nil) != c.wantErr {
				t.Fatalf("err %v", err)
			}
			if err != nil {
				return
			}
			line := ""
			if len(v.address.Lines) > 0 {
				line = v.address.Lines[0]
			}
			if line != c.wantLine || v.reason != c.wantReason {
				t.Fatalf("verdict %+v, want line %q reason %q", v, c.wantLine, c.wantReason)
			}
		})
	}
}
