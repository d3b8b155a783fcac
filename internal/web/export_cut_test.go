package web_test

import (
	"bufio"
	"encoding/csv"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"postvakt/internal/storetest"
)

// TestExportCutMidwayAborts: an export whose query the database ends
// midway (the requests' statement timeout reached while a slow client
// downloads tens of thousands of letters) aborts the transfer, so the client
// sees a failed download, not a complete-looking 200 file with fewer letters
// than the list has (from an independent review of the evidence and
// exports: 18,938 of 60,000 letters arrived as a clean CSV).
func TestExportCutMidwayAborts(t *testing.T) {
	e := newTimeoutEnv(t, 1500*time.Millisecond, nil)
	jobs, logBuf, srv := e.st, e.log, e.srv
	like := storetest.Register(t, jobs, storetest.Letter(1))[0]
	const letters = 60000
	storetest.Fill{Like: like, Letters: letters - 1}.Into(t, jobs)
	jobs.DB().MustExec(`UPDATE shipments SET state = 'available', available_at = sent_at, state_changed_at = sent_at`)
	tok := e.token("compliance", "964338531", "")

	for _, format := range []string{"csv", "json"} {
		req, _ := http.NewRequest("GET", srv.URL+"/export?list=all&format="+format, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusOK {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			t.Fatalf("%s: %d %.300s", format, resp.StatusCode, b)
		}
		br := bufio.NewReader(resp.Body)
		head := make([]byte, 512)
		if _, err := io.ReadFull(br, head); err != nil {
			t.Fatal(err)
		}
		time.Sleep(4 * time.Second) // a slow link: the statement outlives its timeout
		rest, readErr := io.ReadAll(br)
		resp.Body.Close()
		body := string(head) + string(rest)
		var n int
		if format == "csv" {
			r := csv.NewReader(strings.NewReader(body))
			r.FieldsPerRecord = -1
			recs, _ := r.ReadAll()
			n = len(recs) - 1
		} else {
			n = strings.Count(body, `"id":`)
		}
		t.Logf("%s: %d of %d letters, %d bytes, read error %v, ends %q", format, n, letters, len(body), readErr, body[max(0, len(body)-60):])
		if n < letters && readErr == nil {
			t.Errorf("%s export: 200 and a cleanly ended transfer with %d of %d letters: a truncated file the client cannot tell from a complete one", format, n, letters)
		}
		if readErr != nil && !errors.Is(readErr, io.ErrUnexpectedEOF) {
			t.Logf("%s: read error %v", format, readErr)
		}
	}
	if !strings.Contains(logBuf.String(), "export failed") {
		t.Logf("log has no 'export failed': the statement did not time out here\n%.2000s", logBuf.String())
	}
}
