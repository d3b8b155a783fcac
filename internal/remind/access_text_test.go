package remind

import (
	"strings"
	"testing"
	"time"
)

// A receiver told to get access must find where and from whom: Altinn's
// menu is "Tilgangsstyring" (there is no "Tilganger"), and its main
// administrator is usually the managing director or the chair of the
// board; Digital Post's rights administrator is shown on virk.dk under
// "Mit Virk", "Virksomhedsoplysninger". In every language the reminder is
// written in, with the no-access notice and without.
func TestReminderSaysWhereToGetAccess(t *testing.T) {
	now := time.Date(2026, 11, 24, 9, 30, 0, 0, oslo)
	for _, noAccess := range []bool{false, true} {
		no := sampleShipments()
		dk := danishShipments()
		for i := range no {
			no[i].NoAccess = noAccess
		}
		for i := range dk {
			dk[i].NoAccess = noAccess
		}
		nb, en, _ := strings.Cut(Compose("974760673", "", no, nil, "postvakt@bergen.kommune.no", "k", now).Body, "-- English --")
		da, den, _ := strings.Cut(Compose(virksomhed, "", dk, nil, "postvakt@kk.dk", "k", now).Body, "-- English --")
		for _, c := range []struct{ part, want string }{
			{nb, "hovedadministrator i Altinn (som regel daglig leder eller styreleder) må gi den under «Tilgangsstyring»"},
			{en, "(hovedadministrator; usually the managing director or the chair of the board) must grant it under \"Access management\" (\"Tilgangsstyring\")"},
			{da, "I kan se, hvem der er jeres rettighedsadministrator, på virk.dk under »Mit Virk« og derefter »Virksomhedsoplysninger«."},
			{den, "You can see who your rights administrator is on virk.dk under \"Mit Virk\", then \"Virksomhedsoplysninger\"."},
		} {
			if !says(c.part, c.want) {
				t.Errorf("no access notice %v: the reminder lacks %q:\n%s", noAccess, c.want, c.part)
			}
		}
		for _, part := range []string{nb, en} {
			if strings.Contains(part, "Tilganger»") || strings.Contains(part, "\"Tilganger\"") {
				t.Errorf("the reminder sends the receiver to a menu Altinn does not have (Tilganger):\n%s", part)
			}
		}
	}
}
