package remind

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// A reminder reads as plain text in any mail client: no line is longer
// than lineWidth characters (but for a single word such as a URL), so a
// paragraph whose sender name was put in does not run on past the others
// and then stop short; an organisation number stays on one line with its
// label; a numbered step's continuation stands under its text. In every
// language, with the no-access notice, a long sender name and more letters
// than are listed in full.
func TestReminderLinesAreFilled(t *testing.T) {
	now := time.Date(2026, 11, 24, 9, 30, 0, 0, oslo)
	long := func(ss []Shipment, name string) []Shipment {
		var out []Shipment
		for i := range maxListed + 3 {
			s := ss[i%len(ss)]
			s.ChannelID = fmt.Sprintf("d6b23522-ddf3-462a-8140-%012d", i)
			s.SenderOrgName, s.NoAccess = name, true
			out = append(out, s)
		}
		return out
	}
	for _, c := range []struct {
		m     *Message
		wants []string
	}{
		{Compose("974760673", "Vestlandske Fjordfisk og Skalldyr Åsane AS", long(sampleShipments(), "Bergen kommune, Byrådsavdeling for helse og omsorg"),
			nil, "postvakt@bergen.kommune.no", "k1", now), []string{
			"  1. Logg inn på Altinn (https://www.altinn.no) og velg å representere\n     virksomheten.\n",
			"  1. Log in to Altinn (https://www.altinn.no) and choose to act on\n     behalf of the organisation.\n",
			"\n  53. SvarUt-forsendelse d6b23522-ddf3-462a-8140-000000000052\n      Bergen kommune, Byrådsavdeling for helse og omsorg\n      (org.nr. 964338531), Barnevernstjenesten, 20.11.2026\n",
		}},
		{Compose(virksomhed, "Bageriet Ærø ApS", long(danishShipments(), "Københavns Kommune, Børne- og Ungdomsforvaltningen"),
			nil, "postvakt@kk.dk", "k2", now), []string{
			"  1. Log ind på Digital Post på virk.dk (https://virk.dk/digitalpost)\n     med MitID Erhverv, eller brug Digital Post-appen.\n",
		}},
	} {
		m := c.m
		lines := strings.Split(m.Body, "\n")
		for i, line := range lines {
			if utf8.RuneCountInString(line) > lineWidth && len(strings.Fields(line)) > 1 {
				t.Errorf("line %d has %d characters (at most %d): %q", i+1, utf8.RuneCountInString(line), lineWidth, line)
			}
			if f := strings.Fields(line); len(f) > 0 && (strings.HasSuffix(f[len(f)-1], "nr.") || strings.HasSuffix(f[len(f)-1], "no.")) {
				t.Errorf("line %d breaks an organisation number from its label: %q / %q", i+1, line, lines[i+1])
			}
		}
		for _, want := range c.wants {
			if !strings.Contains(m.Body, want) {
				t.Errorf("the reminder lacks\n%s\n%s", want, m.Body)
			}
		}
		// Nothing lost: the texts read the same, however the lines break.
		if !strings.Contains(flat(m.Body), "Ingen i virksomheden har åbnet de seneste breve fra Københavns Kommune, Børne- og Ungdomsforvaltningen (CVR-nr. 64942212). Sandsynligvis har ingen medarbejder adgang") &&
			!strings.Contains(flat(m.Body), "Ingen i virksomheten har åpnet de siste brevene fra Bergen kommune, Byrådsavdeling for helse og omsorg (org.nr. 964338531). Trolig har ingen tilgang") {
			t.Errorf("the no-access notice is not there, or not whole:\n%s", m.Body)
		}
	}
}

// flowLine soft-breaks a line written whole that passes the width at its
// last space within it (the space ending the line, the line within the
// width with it), the rest unindented, so that the pieces joined give the
// line back; a line within the width, a single word however long, and a
// line fill soft-broke after a long word come back as they are; a long
// word is broken after, not inside.
func TestFlowLine(t *testing.T) {
	addr := "postmottak.familievernkontoret.bergen.og.omegn@bufetat.no" // 57 characters
	for _, c := range []struct {
		line string
		want []string
	}{
		{"    E-post: post@firma.no", []string{"    E-post: post@firma.no"}},
		{"    E-post: " + addr + "xyz", []string{"    E-post: " + addr + "xyz"}},  // 72: fits
		{"    E-post: " + addr + "xyzw", []string{"    E-post: ", addr + "xyzw"}}, // 73
		{"    E-mail: " + strings.Repeat("ø", 80) + "@kk.dk", []string{"    E-mail: ", strings.Repeat("ø", 80) + "@kk.dk"}},
		{"    " + strings.Repeat("x", 80), []string{"    " + strings.Repeat("x", 80)}},
		{strings.Repeat("x", 80) + " ", []string{strings.Repeat("x", 80) + " "}},
		{strings.Repeat("x", 80) + " y", []string{strings.Repeat("x", 80) + " ", "y"}},
		{"  1. SvarUt-forsendelse " + strings.Repeat("a", 60), []string{"  1. SvarUt-forsendelse ", strings.Repeat("a", 60)}},
		{strings.Repeat("ord ", 30) + "slutt", []string{strings.Repeat("ord ", 18), strings.Repeat("ord ", 12) + "slutt"}},
	} {
		got := flowLine(c.line, 72)
		if !slices.Equal(got, c.want) {
			t.Errorf("flowLine(%q)\n = %q\nwant %q", c.line, got, c.want)
		}
		if strings.Join(got, "") != c.line {
			t.Errorf("flowLine(%q): the pieces joined are %q", c.line, strings.Join(got, ""))
		}
	}
}
