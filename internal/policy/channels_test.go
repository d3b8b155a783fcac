package policy

import "postvakt/internal/model"

// The channels postvakt is built with, as internal/channel/registered
// registers them in the binary (policy cannot import the channels).
func init() {
	for _, c := range []string{"altinn", "digitalpost", "svarut"} {
		model.RegisterChannel(c, model.ChannelRule{})
	}
}
