package remind

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

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
