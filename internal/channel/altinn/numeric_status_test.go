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
