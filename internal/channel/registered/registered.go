// Package registered links in every channel postvakt is built with. Each
// import below is a channel's one registration line: the package registers
// itself (channel.Register in its init), and configuration, help, CLI usage,
// registration checks and display names follow from it.
package registered

import (
	_ "postvakt/internal/channel/altinn"      // Altinn 3 Correspondence
	_ "postvakt/internal/channel/digitalpost" // Danish Digital Post
	_ "postvakt/internal/channel/svarut"      // KS SvarUt
)
