package health

import (
	"testing"
	"time"

	"postvakt/internal/i18n"
	"postvakt/internal/store"
)

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

// TestOutwardSummaryFromReasons: what leaves postvakt says an alert's
// summary again from its reasons with the unit named by its id: a unit
// whose name is a word of the summary ("failed", "letters") changes
// nothing else of it (the text swap made a rejection spike of unit
// "failed" "rejected or unit 17"), and an alert fired before its reasons
// were kept has the name replaced in its summary.
func TestOutwardSummaryFromReasons(t *testing.T) {
	en := i18n.For("en", nil)
	rejections := []store.AlertReason{reason("mail.alert.why.rejections", "Bad", 4, "Letters", 10, "Window", time.Hour,
		"Share", "40%", "Baseline", "2%")}
	stuck := func(unit string) []store.AlertReason {
		return []store.AlertReason{reason("mail.alert.why.stuck", "Count", 1307, "Unit", unit, "Channel", "KS SvarUt",
			"After", 3*time.Hour, "Percentile", "95%", "Share", "60%", "Window", 14*24*time.Hour)}
	}
	labels := func(unit string) store.Labels {
		return store.Labels{"channel": "svarut", "sender": "964338531", "unit": unit}
	}
	for _, tc := range []struct {
		name  string
		alert store.Alert
		want  string
	}{
		{"a rejection spike of unit failed",
			store.Alert{Labels: labels("failed"), UnitID: 17, Summary: summaryOf(rejections), Why: rejections},
			"4 of 10 letters of the last 1 hour rejected or failed (40%; baseline 2%)"},
		{"stuck letters of unit letters",
			store.Alert{Labels: labels("letters"), UnitID: 17, Summary: summaryOf(stuck("letters")), Why: stuck("letters")},
			"1307 letters of unit 17 on KS SvarUt not delivered after 3 hours (the channel's 95% delivery time); 60% of its letters of the last 14 days"},
		{"fired before its reasons were kept",
			store.Alert{Labels: labels("Skole"), UnitID: 17, Summary: "13 letters of Skole on svarut not delivered after 3h0m0s"},
			"13 letters of unit 17 on svarut not delivered after 3h0m0s"},
		{"a unit no longer known",
			store.Alert{Labels: labels("letters"), Summary: summaryOf(stuck("letters")), Why: stuck("letters")},
			"1307 letters of a unit on KS SvarUt not delivered after 3 hours (the channel's 95% delivery time); 60% of its letters of the last 14 days"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := outward(en, tc.alert)
			if got.Summary != tc.want {
				t.Errorf("summary\n got %q\nwant %q", got.Summary, tc.want)
			}
			if u := got.Labels["unit"]; u != "" {
				t.Errorf("label unit %q left postvakt", u)
			}
		})
	}
}
