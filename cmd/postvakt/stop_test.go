package main_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"postvakt/internal/logtest"
	"postvakt/internal/remind/mailpittest"
	"postvakt/internal/storetest"
)

// An ordinary deploy stops serve with SIGTERM in the middle of an
// escalation run that is sending thousands of reminders: it stops taking
// organisations, begins no new message (what it claimed goes back for the
// next run), lets the reminders in flight finish and records them, and
// exits — leaving no reminder pending or with an unknown outcome. The next
// start sends the rest, each once.
func TestSIGTERMDuringRemindersLeavesNoneUnknown(t *testing.T) {
	const orgs = 1200
	mp := mailpittest.Start(t)
	// Reminder 1 after a business day, no send window, print much later.
	db, env := stopSetup(t, orgs, mp.SMTPAddr)
	serve := func() (*exec.Cmd, *logtest.Buffer) {
		_, cmd, logs := startServe(t, db, env...)
		return cmd, logs
	}
	cmd, logs := serve()
	deadline := time.Now().Add(60 * time.Second)
	for mailCount(t, mp) < 10 {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("no reminders sent within a minute:\n%s", logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	stopped := time.Now()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("serve did not stop cleanly on SIGTERM: %v\n%s", err, logs.String())
	}
	if took := time.Since(stopped); took > 15*time.Second {
		t.Errorf("serve took %s to stop", took)
	}

	st := storetest.OpenURL(t, db)
	after := notificationStatuses(t, db)
	delivered := mailCount(t, mp)
	if after["unknown"] != 0 || after["pending"] != 0 {
		t.Fatalf("after SIGTERM: notifications %v; want every begun reminder sent and recorded, none unknown or pending", after)
	}
	// What was claimed and not begun went back for the next run (failed,
	// the claim not counted as an attempt: sent at once), and nothing else
	// failed.
	var givenBack int
	if err := st.DB().Get(&givenBack, `SELECT count(*) FROM notifications WHERE status = 'failed' AND attempts = 0
		AND last_error LIKE 'the sending run stopped (a deploy?)%'`); err != nil {
		t.Fatal(err)
	}
	if givenBack != after["failed"] {
		t.Fatalf("after SIGTERM: %d failed, %d of them given back unsent", after["failed"], givenBack)
	}
	if after["sent"] != delivered {
		t.Fatalf("after SIGTERM: %d recorded as sent, mailpit has %d", after["sent"], delivered)
	}
	if delivered >= orgs {
		t.Fatalf("all %d organisations reminded before the stop: the test did not stop a run in the middle", orgs)
	}
	t.Logf("stopped after %d of %d reminders", delivered, orgs)

	// The next start sends the rest, each once.
	cmd, logs = serve()
	defer cmd.Process.Kill()
	deadline = time.Now().Add(3 * time.Minute)
	for mailCount(t, mp) < orgs {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d reminders after the restart:\n%s", mailCount(t, mp), orgs, logs.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("second serve did not stop cleanly: %v", err)
	}
	ids := map[string]bool{}
	for _, id := range messageIDs(t, mp) {
		if ids[id] {
			t.Fatalf("reminder %s sent twice", id)
		}
		ids[id] = true
	}
	if final := notificationStatuses(t, db); final["sent"] != orgs || len(ids) != orgs {
		t.Fatalf("finally: notifications %v, %d distinct e-mails; want %d sent once", final, len(ids), orgs)
	}
}

// mailCount is how many messages mailpit holds.
func mailCount(t *testing.T, mp *mailpittest.Server) int {
	t.Helper()
	var page struct {
		Total int `json:"total"`
	}
	getJSON(t, mp.API+"/api/v1/messages?limit=1", &page)
	return page.Total
}

// messageIDs lists the Message-IDs of every message mailpit holds.
func messageIDs(t *testing.T, mp *mailpittest.Server) []string {
	t.Helper()
	var out []string
	for start := 0; ; {
		var page struct {
			Total    int `json:"total"`
			Messages []struct {
				MessageID string `json:"MessageID"`
			} `json:"messages"`
		}
		getJSON(t, fmt.Sprintf("%s/api/v1/messages?start=%d&limit=1000", mp.API, start), &page)
		for _, m := range page.Messages {
			out = append(out, m.MessageID)
		}
		start += len(page.Messages)
		if len(page.Messages) == 0 || start >= page.Total {
			return out
		}
	}
}

// mailSubjects lists the subjects of the messages mailpit holds (its
// first 1,000).
func mailSubjects(t *testing.T, mp *mailpittest.Server) []string {
	t.Helper()
	var page struct {
		Messages []struct {
			Subject string `json:"Subject"`
		} `json:"messages"`
	}
	getJSON(t, mp.API+"/api/v1/messages?limit=1000", &page)
	var out []string
	for _, m := range page.Messages {
		out = append(out, m.Subject)
	}
	return out
}

func getJSON(t *testing.T, url string, into any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(into); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}
