package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestConfirmReminderMessageIDChecked: the Message-ID typed when a
// reminder of unknown outcome is confirmed as sent is checked as any text
// from outside (model.TextProblem: UTF-8, no control character, at most a
// mail header line's 998 characters); one with a NUL or bytes that are
// not UTF-8 was a 500 (the database refused it), a 100,000-character one
// was stored. The refusal is a 400 naming the field, the reminder left
// unknown; a plain one confirms it.
func TestConfirmReminderMessageIDChecked(t *testing.T) {
	e := newEnv(t)
	a, _ := e.seedTwoOrgs()
	id := e.unknownReminder(t, "910859897", a)
	root := e.loggedIn("root", "admin", "", "")
	confirm := func(msgID string) (int, string) {
		_, page := root.get("/reminders")
		code, _, body := root.post(fmt.Sprintf("/reminders/%d/confirm", id), url.Values{"csrf": {csrf(page)}, "message_id": {msgID}})
		return code, body
	}
	for _, bad := range []string{"<a\x00b@relay.example>", "<\xff\xfe@relay.example>", "<" + strings.Repeat("x", 1000) + "@relay.example>"} {
		if code, body := confirm(bad); code != http.StatusBadRequest || !strings.Contains(body, "Message-ID: ") {
			t.Errorf("Message-ID %.30q: %d, want 400 naming the field: %.300s", bad, code, body)
		}
	}
	var status string
	if err := e.st.DB().QueryRow(`SELECT status FROM notifications WHERE id = $1`, id).Scan(&status); err != nil || status != "unknown" {
		t.Fatalf("after the refusals the reminder is %q (%v), want unknown", status, err)
	}
	if code, body := confirm("<20261130.1@relay.example>"); code != http.StatusSeeOther {
		t.Errorf("a plain Message-ID: %d %.300s", code, body)
	}
}
