package register

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestReadCVRResult reads search answers: one answer per number asked, in
// order; a partial or malformed answer answers for none. A hit that
// cannot be read is a *HitErrors (TestNotesFakeCVRBadHit: what the names
// job does with it).
func TestReadCVRResult(t *testing.T) {
	hit := func(nr, name string) string {
		return `{"_index": "cvr-v-20220630", "_type": "_doc", "_id": "4000824158", "_source": {"Vrvirksomhed": {"cvrNummer": ` + nr +
			`, "virksomhedMetadata": {"nyesteNavn": {"navn": "` + name + `"}, "sammensatStatus": "Aktiv"}}}}`
	}
	answer := func(hits ...string) string {
		return `{"took": 2, "timed_out": false, "_shards": {"total": 6, "successful": 6, "skipped": 0, "failed": 0},
			"hits": {"total": ` + fmt.Sprint(len(hits)) + `, "max_score": 1.0, "hits": [` + strings.Join(hits, ",") + `]}}`
	}
	asked := []string{"31201004", "29811008", "26661005"}
	for _, c := range []struct {
		name    string
		body    string
		want    []string // "status name" per number asked
		wantErr string
	}{
		{"found and not found", answer(hit("29811008", "Østerbro Rådgivning A/S"), hit("31201004", " Nørrebro Tømrer ApS ")),
			[]string{"200 Nørrebro Tømrer ApS", "200 Østerbro Rådgivning A/S", "404 "}, ""},
		{"number as a string", answer(hit(`"31201004"`, "N ApS")), []string{"200 N ApS", "404 ", "404 "}, ""},
		{"a hit not asked for is ignored", answer(hit("64942212", "Københavns Kommune")), []string{"404 ", "404 ", "404 "}, ""},
		{"the first of two hits stands", answer(hit("31201004", "First ApS"), hit("31201004", "Second ApS")), []string{"200 First ApS", "404 ", "404 "}, ""},
		{"unless only the second has a name", answer(`{"_source": {"Vrvirksomhed": {"cvrNummer": 31201004, "virksomhedMetadata": {"nyesteNavn": null}}}}`,
			hit("31201004", "Named ApS")), []string{"200 Named ApS", "404 ", "404 "}, ""},
		{"a company without a name", answer(`{"_source": {"Vrvirksomhed": {"cvrNummer": 26661005, "virksomhedMetadata": {"nyesteNavn": null}}}}`),
			[]string{"404 ", "404 ", "200 "}, ""},
		{"nothing found", answer(), []string{"404 ", "404 ", "404 "}, ""},
		{"timed out", strings.Replace(answer(hit("31201004", "N ApS")), `"timed_out": false`, `"timed_out": true`, 1), nil, "partial"},
		{"a shard failed", strings.Replace(answer(), `"failed": 0`, `"failed": 1`, 1), nil, "partial"},
		{"no hits", `{"took": 1}`, nil, "no hits"},
		{"not UTF-8 (Latin-1, unlabelled)", answer(hit("31201004", "N\xf8rrebro T\xf8mrer ApS")), nil, "not UTF-8"},
		{"not JSON", `<html><title>502 Bad Gateway</title></html>`, nil, "not the expected JSON"},
		{"a hit that is not a company", answer(`{"_source": {"Vrdeltagerperson": {}}}`), nil, "not a company"},
		{"a hit without a number", answer(`{"_source": {"Vrvirksomhed": {"cvrNummer": null}}}`), nil, "no valid cvrNummer"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := readCVRResult(asked, []byte(c.body))
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err %v, want %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for i, a := range got {
				if a.OrgNr != asked[i] || a.Kind != "cvr" || (a.Status == 200) != (a.Body != nil) {
					t.Errorf("answer %d: %+v", i, a)
				}
				if s := strings.TrimSpace(fmt.Sprint(a.Status, " ", a.Name)); s != strings.TrimSpace(c.want[i]) {
					t.Errorf("answer %d: %q, want %q", i, s, c.want[i])
				}
			}
		})
	}
}

// TestReadCVRResultTruncated: a search returns at most size hits (the
// numbers asked); when the index holds more hits than that (two documents
// for one company), the answer's hits.total says so, and a number no hit
// answered is not known to be missing from the CVR: it is unsettled (the
// names job asks it alone), not "no such company" cached for the TTL.
func TestReadCVRResultTruncated(t *testing.T) {
	hit := func(nr, name string) string {
		return `{"_source": {"Vrvirksomhed": {"cvrNummer": ` + nr + `, "virksomhedMetadata": {"nyesteNavn": {"navn": "` + name + `"}}}}}`
	}
	asked := []string{"31201004", "29811008", "26661005"}
	hits := strings.Join([]string{hit("31201004", "First ApS"), hit("31201004", "Second ApS"), hit("29811008", "Østerbro A/S")}, ",")
	for _, c := range []struct {
		name, total   string
		wantUnsettled []string
	}{
		{"all hits returned", `3`, nil},
		{"a hit left out (Elasticsearch 6)", `4`, []string{"26661005"}},
		{"a hit left out (Elasticsearch 7)", `{"value": 4, "relation": "eq"}`, []string{"26661005"}},
		{"all hits returned (Elasticsearch 7)", `{"value": 3, "relation": "eq"}`, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			body := `{"timed_out": false, "_shards": {"total": 6, "successful": 6, "failed": 0}, "hits": {"total": ` + c.total +
				`, "hits": [` + hits + `]}}`
			got, err := readCVRResult(asked, []byte(body))
			var he *HitErrors
			if c.wantUnsettled == nil {
				if err != nil || len(got) != 3 || got[2].Status != 404 {
					t.Fatalf("answers %+v, err %v; want 3, the last 404", got, err)
				}
				return
			}
			if !errors.As(err, &he) || fmt.Sprint(he.Unsettled) != fmt.Sprint(c.wantUnsettled) || len(he.Numbers) != 0 {
				t.Fatalf("err %v (%+v), want %v unsettled", err, he, c.wantUnsettled)
			}
			if len(got) != 2 || got[0].Name != "First ApS" || got[1].Name != "Østerbro A/S" {
				t.Errorf("answers %+v, want the two found", got)
			}
		})
	}
}
