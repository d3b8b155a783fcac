package report

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"postvakt/internal/calendar"
	"postvakt/internal/i18n"
	"postvakt/internal/store"
)

// catalogueLabels are the web UI's labels in lang (the catalogue's text, ""
// for a key it lacks).
func catalogueLabels(lang string) *Labels {
	l := i18n.For(lang, nil)
	return &Labels{Zone: calendar.Oslo, Text: func(id string, args ...any) string {
		if !l.Has(id) {
			return ""
		}
		return l.T(id, args...)
	}}
}

// sheetCodes are the codes of every sheet a labelled XLSX names: the lists,
// the follow-ups, the audit log and the incident report's two.
func sheetCodes() []string {
	codes := []string{"followups", "audit", "summary", "letters"}
	for _, l := range store.Lists {
		codes = append(codes, string(l))
	}
	return codes
}

// TestSheetNamesInCatalogues: every sheet has its name in every language,
// and each is one Excel takes as it is (at most 31 characters, none of
// \ / ? * : [ ], no apostrophe at either end): sheetName leaves it alone.
func TestSheetNamesInCatalogues(t *testing.T) {
	for _, lang := range i18n.Languages {
		l := i18n.For(lang, nil)
		for _, code := range sheetCodes() {
			key := "export.sheet." + code
			if !l.Has(key) {
				t.Errorf("%s: no %s", lang, key)
				continue
			}
			if name := l.T(key); sheetName(name) != name {
				t.Errorf("%s %s = %q: Excel would not take it (%q)", lang, key, name, sheetName(name))
			}
		}
	}
}

// TestSheetName: a name Excel would refuse loses the forbidden characters,
// is cut at 31 characters and loses an apostrophe at either end; an empty
// one is "postvakt".
func TestSheetName(t *testing.T) {
	for in, want := range map[string]string{
		"Avvist og feilet":                 "Avvist og feilet",
		"Avvist/feilet: [alle]?*\\":        "Avvistfeilet alle",
		"'Uåpnet'":                         "Uåpnet",
		strings.Repeat("ø", 40):            strings.Repeat("ø", 31),
		"[]:":                              "postvakt",
		"export.sheet.unknown_to_channel!": "export.sheet.unknown_to_channel",
		"Ukjent for kanalen (alle avsendere, 2026)": "Ukjent for kanalen (alle avsend",
	} {
		if got := sheetName(in); got != want {
			t.Errorf("sheetName(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestSheetsInReadersLanguage: the web UI's XLSX of a list, of the
// follow-ups and of the audit log names its sheet in the reader's language,
// as its headers are; the programs' XLSX (no labels) keeps the code.
func TestSheetsInReadersLanguage(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 1, 10, 9, 0, 0, 0, time.UTC)
	sheet := func(t *testing.T, write func(w *bytes.Buffer) error) string {
		t.Helper()
		var buf bytes.Buffer
		if err := write(&buf); err != nil {
			t.Fatal(err)
		}
		f, err := excelize.OpenReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		return strings.Join(f.GetSheetList(), ", ")
	}
	for _, tc := range []struct {
		lang string
		want map[string]string
	}{
		{"nb", map[string]string{"unopened": "Uåpnet", "problems": "Avvist og feilet", "unknown_to_channel": "Ukjent for kanalen",
			"followups": "Oppfølginger", "audit": "Tilgangslogg"}},
		{"da", map[string]string{"unopened": "Uåbnet", "manual": "Manuel behandling", "followups": "Opfølgninger", "audit": "Adgangslog"}},
		{"en", map[string]string{"search": "Search results", "followups": "Follow-ups", "audit": "Audit log"}},
	} {
		l := catalogueLabels(tc.lang)
		for code, want := range tc.want {
			var write func(w *bytes.Buffer) error
			switch code {
			case "followups":
				write = func(w *bytes.Buffer) error {
					_, err := FollowUps(ctx, &pagedFollowUps{list: followUps(3)}, store.Scope{}, true, XLSX, w, XLSXOptions{Labels: l})
					return err
				}
			case "audit":
				write = func(w *bytes.Buffer) error {
					_, err := AuditLog(ctx, emptyAudit{}, store.AuditFilter{}, XLSX, w, XLSXOptions{Labels: l})
					return err
				}
			default:
				write = func(w *bytes.Buffer) error {
					_, err := ShipmentsFor(ctx, rows(2), store.ListFilter{List: store.ListName(code)}, XLSX, w, now, XLSXOptions{Labels: l})
					return err
				}
			}
			if got := sheet(t, write); got != want {
				t.Errorf("%s %s: sheet %q, want %q", tc.lang, code, got, want)
			}
		}
	}
	if got := sheet(t, func(w *bytes.Buffer) error {
		_, err := ShipmentsFor(ctx, rows(2), store.ListFilter{List: store.ListProblems}, XLSX, w, now, XLSXOptions{})
		return err
	}); got != "problems" {
		t.Errorf("the programs' XLSX: sheet %q, want problems", got)
	}
}

// emptyAudit is an audit log with no entries.
type emptyAudit struct{}

func (emptyAudit) AuditLog(context.Context, store.AuditFilter) (*store.AuditPage, error) {
	return &store.AuditPage{}, nil
}
