package web_test

import (
	"html"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// Each number of the overview's age table (business days) leads to the
// unopened list filtered to exactly those letters: following the links of
// a channel's row finds as many letters as each number says, and all of
// them together are the channel's total. The caption says that the lists
// count calendar days.
func TestOverviewAgeBandsLeadToTheirLetters(t *testing.T) {
	e := newEnv(t)
	e.seed(40) // SvarUt, sent 40 to 1 days ago
	b := e.loggedIn("kari", "compliance", "964338531", "")
	_, page := b.get("/")
	i, j := strings.Index(page, `<table id="age-buckets">`), strings.Index(page, `<section id="week">`)
	if i < 0 || j < i {
		t.Fatalf("no age table:\n%s", page)
	}
	table := page[i:j]
	if !strings.Contains(table, "calendar days") {
		t.Errorf("the caption does not say that the lists count calendar days:\n%s", table)
	}
	links := regexp.MustCompile(`<a href="(/list\?[^"]+)">(\d+)</a>`).FindAllStringSubmatch(table, -1)
	if len(links) < 3 {
		t.Fatalf("%d of the bands link to a list, want every non-empty one (at least 3):\n%s", len(links), table)
	}
	sum := 0
	for _, l := range links {
		want, _ := strconv.Atoi(l[2])
		path := html.UnescapeString(l[1])
		if !strings.Contains(path, "list=unopened") || !strings.Contains(path, "channel=svarut") {
			t.Errorf("band link %s: want the unopened list of SvarUt", path)
		}
		_, list := b.get(path)
		if got := strings.Count(list, `class="evidence"`); got != want {
			t.Errorf("%s lists %d letters, the band says %d", path, got, want)
		}
		sum += want
	}
	if sum != 40 {
		t.Errorf("the bands' links cover %d letters, want all 40", sum)
	}
}
