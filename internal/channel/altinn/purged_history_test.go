package altinn

import (
	"strings"
	"testing"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/model"
)

// TestPurgeUnderAnOutrankingStatus: Altinn's top-level status is the
// highest it holds by number (GetHighestStatus in altinn-correspondence),
// and Failed (11) and Reserved (10) outrank PurgedByAltinn (8) and
// PurgedByRecipient (7). A correspondence that failed and was then purged
// by its sender (DELETE purge, allowed on Failed: the municipality
// withdrew it, having sent it otherwise) comes as Failed with
// PurgedByAltinn in its history. It was taken as failed, and postvakt
// ordered the print of a letter its sender had withdrawn; a purge in the
// history closes it as the top-level purge does (expired, closed: no
// reminder, no print), dated by the purge, and read before it is opened.
func TestPurgeUnderAnOutrankingStatus(t *testing.T) {
	purged := time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)
	unread := func(status, history string) string {
		doc := hostileDoc("ID", `,"status":"`+status+`","statusChanged":"2026-03-02T08:20:00+00:00","statusHistory":[`+history+`]`)
		return strings.Replace(doc, `"read":"2026-03-02T09:00:00+00:00"`, `"read":null`, 1)
	}
	const (
		initialized = `{"status":"Initialized","statusChanged":"2026-03-02T08:00:00+00:00"}`
		failed      = `{"status":"Failed","statusChanged":"2026-03-02T08:20:00+00:00"}`
		reserved    = `{"status":"Reserved","statusChanged":"2026-03-02T08:00:01+00:00"}`
		published   = `{"status":"Published","statusChanged":"2026-03-02T08:16:00+00:00"}`
		read        = `{"status":"Read","statusChanged":"2026-03-02T09:00:00+00:00"}`
		byAltinn    = `{"status":"PurgedByAltinn","statusChanged":"2026-03-03T10:00:00+00:00"}`
		byRecipient = `{"status":"PurgedByRecipient","statusChanged":"2026-03-03T10:00:00+00:00"}`
	)
	for _, tc := range []struct {
		name, body string
		state      model.State
	}{
		{"failed, withdrawn by its sender", unread("Failed", initialized+","+failed+","+byAltinn), model.StateExpired},
		{"reserved, withdrawn by its sender", unread("Reserved", initialized+","+reserved+","+byAltinn), model.StateExpired},
		{"reserved, published, read and deleted by its recipient", unread("Reserved", initialized+","+reserved+","+published+","+read+","+byRecipient), model.StateOpened},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, _ := hostileDetails(t, tc.body)
			if o.Err != nil || o.State != tc.state || o.Disposition != channel.DispositionClosed {
				t.Errorf("%s %q (%v); want %s, closed", o.State, o.Disposition, o.Err, tc.state)
			}
			if tc.state == model.StateExpired && !o.ChangedAt.Equal(purged) {
				t.Errorf("changed at %v, want the purge's %v", o.ChangedAt, purged)
			}
		})
	}
	t.Run("failed, not purged", func(t *testing.T) {
		o, _ := hostileDetails(t, unread("Failed", initialized+","+failed))
		if o.Err != nil || o.State != model.StateFailed || o.Disposition != channel.DispositionNone {
			t.Errorf("%s %q (%v); want failed", o.State, o.Disposition, o.Err)
		}
	})
}
