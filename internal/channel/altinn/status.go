package altinn

import (
	"maps"

	"postvakt/internal/channel"
	"postvakt/internal/model"
)

// statuses maps every Altinn 3 Correspondence status to postvakt's state,
// per the table in testdata/specs/README.md.
//
// Reserved means the recipient has reserved against digital post: the
// letter will never be read in Altinn, so it maps to failed and needs paper
// at once, whatever the policy's windows say. Failed is Altinn's own
// failure to publish.
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

// Statuses returns a copy of the Altinn status table.
func Statuses() channel.StatusTable { return maps.Clone(statuses) }
