package altinn

import (
	"bytes"
	"encoding/json"
	"maps"

	"postvakt/internal/channel"
	"postvakt/internal/model"
)

// statuses maps every Altinn 3 Correspondence status to postvakt's state,
// per the table in testdata/specs/README.md.
//
// Reserved means the recipient has reserved against digital post: the
// letter gets no notification and is not likely to be read in Altinn, so
// it maps to failed and needs paper at once, whatever the policy's windows
// say. Altinn still shows it to the recipient, though, who can read it:
// Reserved then stays the top-level status (it outranks Read), and the
// history's Read makes the letter opened (readInHistory). Failed is
// Altinn's own failure to publish (or a recipient without the roles a
// confidential letter needs).
var statuses = channel.NewStatusTable(
	// accepted
	channel.Mapping{State: model.StateAccepted}.For("Initialized", "ReadyForPublish"),
	// available to the recipient
	channel.Mapping{State: model.StateAvailable}.For("Published", "Fetched"),
	// opened: any sign the recipient has read or handled it
	channel.Mapping{State: model.StateOpened}.For("Read", "Confirmed", "Replied", "AttachmentsDownloaded", "Forwarded", "Archived"),
	// failed; Reserved needs paper at once (see above)
	channel.Mapping{State: model.StateFailed}.For("Failed", "Reserved"),
	// gone: purged by the recipient or by Altinn
	channel.Mapping{State: model.StateExpired, Disposition: channel.DispositionClosed}.For("PurgedByRecipient", "PurgedByAltinn"),
)

// lifecycle is every status of the table in the order a correspondence
// moves through them, the ones it stays in last. Discovery asks for a
// bulk send status by status in this order. Where the search filters by
// the latest status, a letter moving forward then stands in the status
// asked about at one of the asks, however fast it moves (asked in another
// order, a letter at Read while Confirmed is asked and at Confirmed by the
// time Read is asked is never seen); moves against the order (a download
// of attachments after Confirmed) can still slip through. Where it filters
// by any status a letter has had, the order does not matter. TestLifecycle
// checks it lists the table's statuses, each once.
var lifecycle = []string{
	"Initialized", "ReadyForPublish", "Published", "Fetched",
	"Read", "AttachmentsDownloaded", "Confirmed", "Replied", "Forwarded", "Archived",
	"Failed", "Reserved", "PurgedByRecipient", "PurgedByAltinn",
}

// Statuses returns a copy of the Altinn status table.
func Statuses() channel.StatusTable { return maps.Clone(statuses) }

// enumOrder is Altinn's CorrespondenceStatus by number (specs/README.md's
// order, the numbers the top-level status outranks by): a status written as
// its number, as the service writes a value its API enum has no name for
// (AttachmentsDownloaded and Forwarded, while that enum lagged the core's),
// is the status of that number. A number beyond it stays an unknown status.
var enumOrder = []string{
	"Initialized", "ReadyForPublish", "Published", "Fetched", "Read", "Replied", "Confirmed",
	"PurgedByRecipient", "PurgedByAltinn", "Archived", "Reserved", "Failed",
	"AttachmentsDownloaded", "Forwarded",
}

// looseStatus reads a status as looseString does, a JSON number as the
// status of that number (enumOrder).
type looseStatus string

// UnmarshalJSON implements json.Unmarshaler.
func (s *looseStatus) UnmarshalJSON(b []byte) error {
	var v looseString
	if err := v.UnmarshalJSON(b); err != nil {
		return err
	}
	*s = looseStatus(v)
	var n int
	if json.Unmarshal(bytes.TrimSpace(b), &n) == nil && n >= 0 && n < len(enumOrder) {
		*s = looseStatus(enumOrder[n])
	}
	return nil
}
