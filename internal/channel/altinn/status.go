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
var statuses = channel.StatusTable{
	// accepted
	"Initialized":     {State: model.StateAccepted},
	"ReadyForPublish": {State: model.StateAccepted},
	// available to the recipient
	"Published": {State: model.StateAvailable},
	"Fetched":   {State: model.StateAvailable},
	// opened: any sign the recipient has read or handled it
	"Read":                  {State: model.StateOpened},
	"Confirmed":             {State: model.StateOpened},
	"Replied":               {State: model.StateOpened},
	"AttachmentsDownloaded": {State: model.StateOpened},
	"Forwarded":             {State: model.StateOpened},
	"Archived":              {State: model.StateOpened},
	// failed; Reserved needs paper at once (see above)
	"Failed":   {State: model.StateFailed},
	"Reserved": {State: model.StateFailed},
	// gone: purged by the recipient or by Altinn
	"PurgedByRecipient": {State: model.StateExpired, Disposition: channel.DispositionClosed},
	"PurgedByAltinn":    {State: model.StateExpired, Disposition: channel.DispositionClosed},
}

// Statuses returns a copy of the Altinn status table.
func Statuses() channel.StatusTable { return maps.Clone(statuses) }
