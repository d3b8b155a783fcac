package poll

import (
	"time"

	"postvakt/internal/channel"
)

// pageOrder follows the pages of one read of the log as they come: whether
// an empty page (a gap) came, whether the entries came oldest first (as
// asked: sortFields=created:asc), and the latest created time given so far.
type pageOrder struct {
	gapped, unordered bool
	given             time.Time
}

// see takes a page in; false for an empty one (a gap).
func (o *pageOrder) see(page []channel.FeedEvent) bool {
	if len(page) == 0 {
		o.gapped = true
		return false
	}
	for _, e := range page {
		if e.Err != nil {
			continue
		}
		if e.Logged.Before(o.given) {
			o.unordered = true
		}
		if e.Logged.After(o.given) {
			o.given = e.Logged
		}
	}
	return true
}

// ordered: every entry so far came no older than the one before it.
func (o *pageOrder) ordered() bool { return !o.unordered }
