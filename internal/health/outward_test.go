package health

import "testing"

// TestSummaryByID: the unit's name leaves an alert's summary where the
// rules write it, and a name that is also a word of the summary
// ("letters", "on") changes nothing else; a summary that has the name
// elsewhere has it replaced there, never kept.
func TestSummaryByID(t *testing.T) {
	const id = "unit 17"
	for _, tc := range []struct{ name, summary, want string }{
		{"Bymiljøetaten", "13 letters of Bymiljøetaten on svarut not delivered after 3h0m0s",
			"13 letters of unit 17 on svarut not delivered after 3h0m0s"},
		{"letters", "13 letters of letters on svarut not delivered; 3 of its letters of the last 14 days",
			"13 letters of unit 17 on svarut not delivered; 3 of its letters of the last 14 days"},
		{"on", "3 of the last 50 letters of on due at svarut reached it",
			"3 of the last 50 letters of unit 17 due at svarut reached it"},
		{"Skole", "Skole: 3 letters late", "unit 17: 3 letters late"},
		{"Skole", "svarut: no answer", "svarut: no answer"},
	} {
		if got := summaryByID(tc.summary, tc.name, id); got != tc.want {
			t.Errorf("summaryByID(%q, %q)\n got %q\nwant %q", tc.summary, tc.name, got, tc.want)
		}
	}
}
