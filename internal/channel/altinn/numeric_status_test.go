package altinn

import (
	"errors"
	"strings"
	"testing"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/model"
)

// TestTopLevelStatusAsANumber: Altinn writes its enums by name
// (JsonStringEnumConverter), but a value the API's CorrespondenceStatusExt
// has no name for (a status the service's core gained first: the details
// mapper casts it over) is written as its number, as a history entry's
// status already is read (TestHostileDetailsFieldTypes). A top-level
// "status":14 made the whole answer unreadable (ErrBadRecord): a letter its
// history shows read stayed unread, and discovery left the letter out
// as one Altinn failed on, at every run. It is an unknown status of that
// letter alone (opened when its history shows it read), the letter
// registered.
func TestTopLevelStatusAsANumber(t *testing.T) {
	sent := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	t.Run("read in its history", func(t *testing.T) {
		o, found := hostileDetails(t, hostileDoc("ID", `,"status":14`))
		if o.Err != nil || o.State != model.StateOpened {
			t.Errorf("%s (%v); want opened", o.State, o.Err)
		}
		if !found.SentAt.Equal(sent) {
			t.Errorf("found sent at %v, want %v", found.SentAt, sent)
		}
	})
	t.Run("not read", func(t *testing.T) {
		unread := strings.Replace(hostileDoc("ID", `,"status":14,"statusHistory":[{"status":"Published","statusText":"Published","statusChanged":"2026-03-02T08:16:10.0417+00:00"}]`),
			`"read":"2026-03-02T09:00:00+00:00"`, `"read":null`, 1)
		o, found := hostileDetails(t, unread)
		if !errors.Is(o.Err, channel.ErrUnknownStatus) || o.Status != "14" {
			t.Errorf("status %q (%v); want the unknown status 14", o.Status, o.Err)
		}
		if !found.SentAt.Equal(sent) {
			t.Errorf("found sent at %v, want %v", found.SentAt, sent)
		}
	})
}

// TestStatusNumberIsItsName: a status written as its number, at the top or
// in a history entry, is the status of that number in the notes' enum order
// (specs/README.md: Initialized 0 … Failed 11, AttachmentsDownloaded 12,
// Forwarded 13), as an Altinn whose API enum lagged its core's wrote
// AttachmentsDownloaded and Forwarded. Before, every number was an unknown
// status: a letter Altinn failed to publish ("status":11) got no print, and
// one whose attachments were downloaded (12) stayed unread, towards
// reminders and print. A number beyond the enum stays unknown
// (TestTopLevelStatusAsANumber).
func TestStatusNumberIsItsName(t *testing.T) {
	unread := func(extra string) string {
		return strings.Replace(hostileDoc("ID", extra), `"read":"2026-03-02T09:00:00+00:00"`, `"read":null`, 1)
	}
	published := `"statusHistory":[{"status":"Published","statusText":"Published","statusChanged":"2026-03-02T08:16:10.0417+00:00"}]`
	for _, tc := range []struct {
		name, body string
		status     string
		state      model.State
	}{
		{"Failed at the top", unread(`,"status":11,` + published), "Failed", model.StateFailed},
		{"AttachmentsDownloaded at the top", unread(`,"status":12,` + published), "AttachmentsDownloaded", model.StateOpened},
		{"Forwarded at the top", unread(`,"status":13,` + published), "Forwarded", model.StateOpened},
		{"PurgedByRecipient at the top", unread(`,"status":7,` + published), "PurgedByRecipient", model.StateExpired},
		{"Read in the history", unread(`,"status":"Published","statusHistory":[{"status":2,"statusChanged":"2026-03-02T08:16:10.0417+00:00"},{"status":4,"statusChanged":"2026-03-02T09:30:00+00:00"}]`),
			"Published", model.StateOpened},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, _ := hostileDetails(t, tc.body)
			if o.Err != nil || o.Status != tc.status || o.State != tc.state {
				t.Errorf("status %q, %s (%v); want %q, %s", o.Status, o.State, o.Err, tc.status, tc.state)
			}
		})
	}
}
