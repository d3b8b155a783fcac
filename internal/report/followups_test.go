package report

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"

	"postvakt/internal/store"
)

// pagedFollowUps answers two follow-ups a page, whatever the limit, and
// fails at page failAt (0: never).
type pagedFollowUps struct {
	list   []store.FollowUp
	failAt int
	pages  int
}

func (p *pagedFollowUps) FollowUpsPage(_ context.Context, _ store.Scope, _ bool, cursor string, _ int) (*store.FollowUpPage, error) {
	p.pages++
	if p.pages == p.failAt {
		return nil, errors.New("database gone")
	}
	from := 0
	if cursor != "" {
		from, _ = strconv.Atoi(cursor)
	}
	to := min(from+2, len(p.list))
	page := &store.FollowUpPage{FollowUps: p.list[from:to]}
	if to < len(p.list) {
		page.NextCursor = strconv.Itoa(to)
	}
	return page, nil
}

func followUps(n int) []store.FollowUp {
	var out []store.FollowUp
	for i := 0; i < n; i++ {
		out = append(out, store.FollowUp{ShipmentID: fmt.Sprintf("0190a000-0000-7000-8000-%012d", i), SenderUnit: "NAV",
			Channel: "svarut", RecipientKind: "person", RecipientID: "01017012343", State: "rejected", Reason: "rejected",
			SentAt: time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC), Deadline: time.Date(2026, 2, 5, 9, 0, 0, 0, time.UTC)})
	}
	return out
}

// The follow-ups export follows the pages to the last (every follow-up
// once, in order, a person id masked); a page that fails fails the export;
// an XLSX past the sheet's limit is refused before anything is written.
func TestFollowUpsAcrossPages(t *testing.T) {
	src := &pagedFollowUps{list: followUps(5)}
	var buf bytes.Buffer
	n, err := FollowUps(context.Background(), src, store.Scope{}, true, CSV, &buf, XLSXOptions{})
	if err != nil || n != 5 || src.pages != 3 {
		t.Fatalf("%d rows over %d pages, %v; want 5 over 3", n, src.pages, err)
	}
	rows, _ := csv.NewReader(&buf).ReadAll()
	for i, r := range rows[1:] {
		if r[0] != src.list[i].ShipmentID || r[5] != "010170*****" {
			t.Errorf("row %d: %v", i+1, r)
		}
	}
	if _, err := FollowUps(context.Background(), &pagedFollowUps{list: followUps(5), failAt: 2}, store.Scope{}, true, CSV, &bytes.Buffer{}, XLSXOptions{}); err == nil {
		t.Error("a failed page did not fail the export")
	}
	buf.Reset()
	if _, err := FollowUps(context.Background(), &pagedFollowUps{list: followUps(5)}, store.Scope{}, true, XLSX, &buf,
		XLSXOptions{Labels: testLabels, MaxRows: 3}); !errors.Is(err, ErrTooManyRows) || buf.Len() != 0 {
		t.Errorf("5 follow-ups in a sheet of 3: %v, %d bytes written", err, buf.Len())
	}
}

// TestFollowUpReasonInReadersLanguage: the follow-ups' XLSX for people says
// each follow-up's reason as the follow-ups page does: one opened from an
// alert's incident report (reason "alert 12") as "varsel 12" in bokmål,
// not as the code; the CSV keeps the code.
func TestFollowUpReasonInReadersLanguage(t *testing.T) {
	list := followUps(3)
	list[0].Reason, list[1].Reason, list[2].Reason = "alert 12", "incident", "unread"
	for _, tc := range []struct {
		lang string
		want []string
	}{{"nb", []string{"varsel 12", "hendelse", "ikke åpnet"}}, {"da", []string{"alarm 12", "hændelse", "ikke åbnet"}}} {
		var buf bytes.Buffer
		if _, err := FollowUps(context.Background(), &pagedFollowUps{list: list}, store.Scope{}, true, XLSX, &buf,
			XLSXOptions{Labels: catalogueLabels(tc.lang)}); err != nil {
			t.Fatal(err)
		}
		got := readXLSX(t, buf.Bytes())
		for i, want := range tc.want {
			if r := got[i+1][8]; r != want {
				t.Errorf("%s: row %d reason %q, want %q", tc.lang, i+1, r, want)
			}
		}
	}
	var buf bytes.Buffer
	if _, err := FollowUps(context.Background(), &pagedFollowUps{list: list}, store.Scope{}, true, CSV, &buf, XLSXOptions{}); err != nil {
		t.Fatal(err)
	}
	if recs, err := csv.NewReader(&buf).ReadAll(); err != nil || recs[1][8] != "alert 12" {
		t.Errorf("CSV reason %q (%v), want the code", recs[1][8], err)
	}
}
