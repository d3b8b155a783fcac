package remind

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"postvakt/internal/i18n"
)

// oneLine folds a text's line breaks and runs of spaces into single spaces,
// so that a phrase is found whatever the catalogue's line wrapping.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// A confidential letter in Altinn is invisible in the receiving
// organisation's inbox until someone there has the access package (Altinn's
// own guidance for service owners, "Taushetsbelagt post": "meldingen vil være
// usynlig i mottakerens innboks dersom ingen i virksomheten har fått tildelt
// lesetilgang"; the main administrator does not see it either unless he gives
// the access to himself). The reminder says so, in both languages, so that
// an owner who finds an empty inbox knows why (the Bergen case).
func TestAltinnReminderSaysLettersAreInvisibleWithoutAccess(t *testing.T) {
	now := time.Date(2026, 11, 24, 9, 30, 0, 0, oslo)
	for _, noAccess := range []bool{false, true} {
		ss := sampleShipments()
		for i := range ss {
			ss[i].NoAccess = noAccess
		}
		m := Compose("974760673", "", ss, []string{"post@firma.no"}, "postvakt@bergen.kommune.no", "abc", now)
		nb, en, ok := strings.Cut(m.Body, "-- English --")
		if !ok {
			t.Fatal("no English part")
		}
		nb, en = oneLine(nb), oneLine(en)
		for _, wrong := range []string{"ser dere at brevet finnes", "you can see that a letter exists"} {
			if strings.Contains(nb+en, wrong) {
				t.Errorf("noAccess=%v: the reminder says %q: without the access package the letters are invisible in Altinn", noAccess, wrong)
			}
		}
		if !containsAny(nb, "usynlig", "ikke se", "ser ikke") {
			t.Errorf("noAccess=%v: the Norwegian part never says that the letters cannot be seen in the inbox without the access package:\n%s", noAccess, nb)
		}
		if !containsAny(en, "invisible", "not see", "cannot see", "not visible", "hidden") {
			t.Errorf("noAccess=%v: the English part never says that the letters cannot be seen in the inbox without the access package:\n%s", noAccess, en)
		}
	}
}

// A Danish business's access to its Digital Post is not a right assigned in
// MitID Erhverv: MitID Erhverv's own guide ("Assign or delete rights") says
// its administrators cannot assign "access to your organisation's Digital
// Post"; virk.dk's help says the access (basis/avanceret adgang) is given by
// the rettighedsadministrator in Digital Post's Rettighedsportal: the
// reminder sends the business there.
func TestDanishReminderSendsToRettighedsportalen(t *testing.T) {
	now := time.Date(2026, 11, 24, 9, 30, 0, 0, oslo)
	for _, noAccess := range []bool{false, true} {
		ss := danishShipments()
		for i := range ss {
			ss[i].NoAccess = noAccess
		}
		m := Compose(virksomhed, "", ss, []string{"post@virksomhed.dk"}, "postvakt@kk.dk", "dk1", now)
		da, en, ok := strings.Cut(m.Body, "-- English --")
		if !ok {
			t.Fatal("no English part")
		}
		da, en = oneLine(da), oneLine(en)
		for _, wrong := range []string{"administrator i MitID Erhverv skal tildele", "administrator i MitID Erhverv må gi",
			"administrator in MitID Erhverv must"} {
			if strings.Contains(da+en, wrong) {
				t.Errorf("noAccess=%v: the reminder says %q: Digital Post access is not assigned in MitID Erhverv", noAccess, wrong)
			}
		}
		if !strings.Contains(da, "Rettighedsportal") || !strings.Contains(strings.ToLower(da), "rettighedsadministrator") {
			t.Errorf("noAccess=%v: the Danish part does not name the rettighedsadministrator and the Rettighedsportal:\n%s", noAccess, da)
		}
		if !strings.Contains(en, "Rettighedsportal") {
			t.Errorf("noAccess=%v: the English part does not name the Rettighedsportal:\n%s", noAccess, en)
		}
	}
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// A business's Altinn inbox shows its ordinary post (tax, the business
// register) to whoever has the package "Ordinær post til virksomheten",
// the managing director among them: only the confidential letters are
// hidden. "If you see no letters when you log in, you lack this access"
// let a managing director who saw his ordinary post conclude that he had
// the access, and look no further. The reminder says that the letters
// it lists not being there means the access is missing, other post or
// not, in every language the catalogue has the text in.
func TestAltinnReminderSaysOtherPostDoesNotMeanAccess(t *testing.T) {
	now := time.Date(2026, 11, 24, 9, 30, 0, 0, oslo)
	m := Compose("974760673", "", sampleShipments(), []string{"post@firma.no"}, "postvakt@bergen.kommune.no", "abc", now)
	nb, en, ok := strings.Cut(m.Body, "-- English --")
	if !ok {
		t.Fatal("no English part")
	}
	for _, c := range []struct{ part, wrong, want string }{
		{nb, "Ser dere ingen brev", "Finner dere ikke brevene når dere logger inn, mangler dere trolig denne tilgangen, også om dere ser annen post i innboksen."},
		{en, "If you see no letters", "If you cannot find these letters when you log in, you most likely lack this access, even if you see other post in the inbox."},
	} {
		if strings.Contains(oneLine(c.part), c.wrong) {
			t.Errorf("the reminder says %q: a managing director who sees his ordinary post takes it that he has the access", c.wrong)
		}
		if !says(c.part, c.want) {
			t.Errorf("the reminder lacks %q:\n%s", c.want, c.part)
		}
	}
	// Danish (the catalogue has the Altinn text in every language).
	if da := i18n.For("da", nil).T("mail.reminder.altinn.access"); strings.Contains(oneLine(da), "Ser I ingen breve") ||
		!strings.Contains(oneLine(da), "også selvom I ser anden post i indbakken") {
		t.Errorf("the Danish Altinn access text:\n%s", da)
	}
}

// longReminder is the first reminder, composed on 24 November 2026 at 09:30
// Oslo time, to one business of 812 SvarUt letters from Bergen kommune, each
// sent 30 days before: the README's own dry-run example.
func longReminder() ([]Shipment, *Message) {
	now := time.Date(2026, 11, 24, 9, 30, 0, 0, oslo)
	var ss []Shipment
	for i := range 812 {
		sent := now.AddDate(0, 0, -30)
		ss = append(ss, Shipment{ShipmentID: fmt.Sprintf("019a0000-0000-7000-8000-%012d", i), Channel: "svarut",
			ChannelID: fmt.Sprintf("d6b23522-ddf3-462a-8140-%012d", i), SenderOrg: "964338531", SenderOrgName: "Bergen kommune",
			SentAt: sent, Since: sent, Reminder: 1})
	}
	return ss, Compose("974760673", "", ss, []string{"post@firma.no"}, "postvakt@bergen.kommune.no", "long", now)
}

// A business with hundreds of unopened letters (the README's own dry-run
// example: 812 letters to one organisation; Bergen: 1,307 at 162 businesses)
// gets one message that says what to do before its list, and lists at most
// maxListed letters in each language ("… and 762 more letters"), the rest
// once at the end.
func TestLongReminderSaysWhatToDoFirst(t *testing.T) {
	_, m := longReminder()
	lines := strings.Split(m.Body, "\n")
	at := slices.IndexFunc(lines, func(l string) bool { return strings.Contains(l, "Logg inn på Altinn") })
	if at < 0 || at > 60 {
		t.Errorf("how to read the letters is on line %d of %d (%d KB): it must come before a long list of letters, or the list be cut short",
			at+1, len(lines), len(m.Bytes())/1024)
	}
}

// A reminder of more letters than maxListed names each of the rest once,
// after every language, so that the English part is not hundreds of lines
// down: each language lists the first maxListed and says how many more
// there are and where; every letter is named (its evidence says it was
// reminded of), the rest exactly once.
func TestLongReminderListsTheRestOnceAtTheEnd(t *testing.T) {
	ss, m := longReminder()
	lines := strings.Split(m.Body, "\n")
	english := slices.Index(lines, "-- English --")
	if english < 0 || english > 300 {
		t.Errorf("the English part begins on line %d of %d", english+1, len(lines))
	}
	nb, rest, _ := strings.Cut(m.Body, "-- English --")
	en, tail, ok := strings.Cut(rest, "-- Flere brev som venter / More letters waiting --")
	if !ok {
		t.Fatalf("no list of the rest at the end:\n%s", m.Body[len(m.Body)-2000:])
	}
	if !strings.Contains(nb, "… og 762 brev til. De står nederst i denne e-posten.") ||
		!strings.Contains(en, "… and 762 more letters, listed at the end of this e-mail.") {
		t.Errorf("a language part does not say how many more letters there are, and where")
	}
	for i, s := range ss {
		want := map[bool]int{true: 2, false: 1}[i < maxListed]
		if got := strings.Count(m.Body, s.ChannelID); got != want {
			t.Errorf("letter %d is named %d times, want %d", i+1, got, want)
		}
		item := fmt.Sprintf("  %d. ", i+1)
		if i >= maxListed && !strings.Contains(tail, "\n"+item+"SvarUt-forsendelse "+s.ChannelID+"\n"+
			strings.Repeat(" ", len(item))+"Bergen kommune (org.nr. 964338531), 25.10.2026\n") {
			t.Errorf("letter %d is not in the list at the end", i+1)
			break
		}
	}
}
