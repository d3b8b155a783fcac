package importer_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"postvakt/internal/i18n"
	"postvakt/internal/importer"
	"postvakt/internal/store"
)

// TestProblemsHaveReasons: every problem the importer reports, of the
// file, its header, a row's values, its scope and a registered letter,
// carries a catalogue phrase (its Reason) whose English is the Message
// `postvakt import` prints, and which Norwegian and Danish say in their
// own words, so the web UI can show it in its reader's language.
func TestProblemsHaveReasons(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	if _, err := importer.Import(ctx, st, strings.NewReader(header+row(90)), importer.Options{Now: now}); err != nil {
		t.Fatal(err)
	}
	swap := func(r, from, to string) string { return strings.Replace(r, from, to, 1) }
	unit := store.Scope{SenderOrg: "964338531", SenderUnit: "NAV"}
	nav := func(i int) string { return swap(row(i), "Barnevernstjenesten", "NAV") }
	cases := []struct {
		name string
		file string
		opt  importer.Options
		key  string // a key among the problems' reasons
	}{
		{"empty", "", importer.Options{}, "problem.empty_file"},
		{"workbook", "PK\x03\x04 rest", importer.Options{}, "problem.file_workbook"},
		{"UTF-16", "\xff\xfeh\x00", importer.Options{}, "problem.file_utf16"},
		{"neither encoding", "\x81\x8d garbled", importer.Options{}, "problem.file_encoding"},
		{"UTF-8 read as Windows-1252", header + swap(row(1), "Barnevernstjenesten", "Bærum"), importer.Options{Encoding: importer.EncodingWindows1252}, "problem.file_utf8_hint"},
		{"undefined Windows-1252 byte", header + "svarut,\xe6\x81\n", importer.Options{Encoding: importer.EncodingWindows1252}, "problem.file_byte_1252"},
		{"line too long", header + row(1), importer.Options{MaxLine: 110}, "problem.file_long_line"},
		{"CR line ends", strings.ReplaceAll(header+row(1), "\n", "\r"), importer.Options{}, "problem.cr_line_ends"},
		{"nameless column", strings.TrimSuffix(header, "\n") + ",\n" + strings.TrimSuffix(row(1), "\n") + ",\n", importer.Options{}, "problem.column_no_name"},
		{"column twice", strings.TrimSuffix(header, "\n") + ",class\n", importer.Options{}, "problem.column_twice"},
		{"column missing", "channel,channel_id\n", importer.Options{}, "problem.column_missing"},
		{"column unknown", strings.TrimSuffix(header, "\n") + ",extra\n", importer.Options{}, "problem.column_unknown"},
		{"header only", header, importer.Options{}, "problem.no_rows"},
		{"bare quote", header + "svarut,x\"y,964338531\n", importer.Options{}, "problem.csv_bare_quote"},
		{"open quote", header + row(1) + "svarut,\"x,964338531\n", importer.Options{}, "problem.csv_quote"},
		{"short row", header + "svarut,x,964338531\n", importer.Options{}, "problem.fields"},
		{"control character", header + swap(row(1), "Vedtak", "Ved\x00tak"), importer.Options{}, "problem.text_control"},
		{"not UTF-8", header + swap(row(1), "Vedtak", "Ved\xe6tak"), importer.Options{Encoding: importer.EncodingUTF8}, "problem.text_utf8_hint"},
		{"too long", header + swap(row(1), `"Vedtak, nr 1"`, strings.Repeat("x", 1001)), importer.Options{}, "problem.text_long"},
		{"not a boolean", header + swap(row(1), ",true,", ",kanskje,"), importer.Options{}, "problem.not_bool"},
		{"no time zone", header + swap(row(1), "+01:00", ""), importer.Options{}, "problem.sent_at_zone"},
		{"not a time", header + swap(row(1), "2026-11-20T10:00:00+01:00", "20.11.2026"), importer.Options{}, "problem.sent_at_format"},
		{"sent in the future", header + swap(row(1), "2026-11-20", "2026-12-20"), importer.Options{}, "problem.sent_at_future"},
		{"sent before 2000", header + swap(row(1), "2026-11-20", "1999-11-20"), importer.Options{}, "problem.sent_at_early"},
		{"no sent time", header + swap(row(1), "2026-11-20T10:00:00+01:00", ""), importer.Options{}, "problem.sent_at_required"},
		{"unknown channel", header + swap(row(1), "svarut", "fax"), importer.Options{}, "problem.unknown_channel"},
		{"required", header + swap(row(1), "taushetsbelagt", ""), importer.Options{}, "problem.required"},
		{"not a UUID", header + swap(row(1), "00000000-0000-4000-8000-000000000001", "x1"), importer.Options{}, "problem.not_uuid"},
		{"orgnr check digit", header + swap(row(1), "964338531", "964338532"), importer.Options{}, "problem.org_check_no"},
		{"CVR check digit", header + swap(swap(swap(row(1), "svarut", "digitalpost"), "964338531", "29189846"), "974760673", "12345678"), importer.Options{}, "problem.org_check_dk"},
		{"8 digits through SvarUt", header + swap(row(1), "974760673", "12345678"), importer.Options{}, "problem.channel_recipient_orgs"},
		{"orgnr letters", header + swap(row(1), "974760673", "97476067x"), importer.Options{}, "problem.org_digits"},
		{"orgnr length", header + swap(row(1), "974760673", "9747606"), importer.Options{}, "problem.org_length_in"},
		{"orgnr length, no channel", header + swap(swap(row(1), "974760673", "9747606"), "svarut", "fax"), importer.Options{}, "problem.org_length"},
		{"CVR length", header + swap(swap(swap(row(1), "svarut", "digitalpost"), "964338531", "29189846"), "974760673", "2918984"), importer.Options{}, "problem.org_length_in"},
		{"Danish sender through SvarUt", header + swap(row(1), "964338531", "25313763"), importer.Options{}, "problem.channel_senders"},
		{"Danish recipient through SvarUt", header + swap(row(1), "974760673", "25313763"), importer.Options{}, "problem.channel_recipient_orgs"},
		{"Danish person through SvarUt", header + swap(row(1), ",org,974760673,", ",person,0101901234,"), importer.Options{}, "problem.channel_recipient_persons"},
		{"person id check digits", header + swap(row(1), ",org,974760673,", ",person,01017012345,"), importer.Options{}, "problem.person_check_no"},
		{"CPR date", header + swap(swap(swap(row(1), "svarut", "digitalpost"), "964338531", "29189846"), ",org,974760673,", ",person,9999901234,"), importer.Options{}, "problem.person_cpr_date"},
		{"10 digits through SvarUt", header + swap(row(1), ",org,974760673,", ",person,9999901234,"), importer.Options{}, "problem.channel_recipient_persons"},
		{"person id letters", header + swap(row(1), ",org,974760673,", ",person,x,"), importer.Options{}, "problem.person_digits"},
		{"person id length", header + swap(row(1), ",org,974760673,", ",person,123,"), importer.Options{}, "problem.person_length_in"},
		{"person id length, no channel", header + swap(swap(row(1), ",org,974760673,", ",person,123,"), "svarut", "fax"), importer.Options{}, "problem.person_length"},
		{"recipient kind", header + swap(row(1), ",org,", ",firm,"), importer.Options{}, "problem.recipient_kind"},
		{"no recipient kind", header + swap(row(1), ",org,", ",,"), importer.Options{}, "problem.recipient_kind_required"},
		{"another organisation", header + swap(row(1), "964338531", "974760673"), importer.Options{Scope: store.Scope{SenderOrg: "964338531"}}, "problem.not_your_org"},
		{"another unit", header + row(1), importer.Options{Scope: unit}, "problem.not_your_unit"},
		{"another unit's letter", header + nav(90), importer.Options{Scope: unit}, "problem.not_your_letter"},
		{"registered for another organisation", header + swap(row(90), "964338531", "974760673"), importer.Options{}, "problem.other_org"},
		{"another organisation on a later line", header + row(91) + swap(row(91), "964338531", "974760673"), importer.Options{}, "problem.other_org_line"},
		{"registered with another recipient", header + swap(row(90), ",org,974760673,", ",org,964338531,"), importer.Options{}, "problem.other_recipient"},
		{"another recipient on a later line", header + row(92) + swap(row(92), ",org,974760673,", ",org,964338531,"), importer.Options{}, "problem.other_recipient_line"},
		{"another class on a later line", header + row(93) + swap(row(93), "taushetsbelagt", "annet"), importer.Options{}, "problem.other_fact_line"},
	}
	nb, da := i18n.For("nb", nil), i18n.For("da", nil)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.opt.Now = now
			_, err := importer.Import(ctx, st, strings.NewReader(tc.file), tc.opt)
			var inv *importer.InvalidError
			if !errors.As(err, &inv) {
				t.Fatalf("err = %v, want an *importer.InvalidError", err)
			}
			var keys []string
			for _, r := range inv.Rows {
				keys = append(keys, r.Reason.Key)
				if r.Reason.Key == "" || r.Message != r.Reason.English() {
					t.Errorf("%s: reason %+v, English %q: want a reason whose English is the message", r.Error(), r.Reason, r.Reason.English())
				}
				for _, l := range []*i18n.Localizer{nb, da} {
					if said := l.Say(r.Reason, ""); said == "" || said == r.Message || strings.Contains(said, "⟦") {
						t.Errorf("%s: in %s %q, want it in that language", r.Error(), l.Lang(), said)
					}
				}
			}
			if !slices.Contains(keys, tc.key) && !slices.ContainsFunc(inv.Rows, func(r importer.RowError) bool { return nested(r.Reason, tc.key) }) {
				t.Errorf("reasons %v (%v), want %s", keys, err, tc.key)
			}
		})
	}
}

// nested says whether p or a phrase among its arguments has key.
func nested(p i18n.Phrase, key string) bool {
	if p.Key == key {
		return true
	}
	for _, a := range p.Args {
		if q, ok := a.(i18n.Phrase); ok && nested(q, key) {
			return true
		}
	}
	return false
}
