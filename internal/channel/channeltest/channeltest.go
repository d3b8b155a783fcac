// Package channeltest checks, in tests, what every channel adapter
// promises its poller, whatever the channel answered.
package channeltest

import (
	"testing"

	"postvakt/internal/channel"
)

// CheckStatus fails tb unless obs answers ids as a Status call promises:
// one observation per id asked, in order, each with a state, a status kept
// as it is (KeepState), or its own error. answer, the channel's answer, is
// quoted in the failure.
func CheckStatus(tb testing.TB, answer []byte, ids []string, obs []channel.Observation) {
	tb.Helper()
	if len(obs) != len(ids) {
		tb.Fatalf("%q: %d observations for %d letters", answer, len(obs), len(ids))
	}
	for i, o := range obs {
		switch {
		case o.ChannelID != ids[i]:
			tb.Fatalf("%q: observation %d is of %s, asked %s", answer, i, o.ChannelID, ids[i])
		case o.Err == nil && !o.State.Valid() && !o.KeepState:
			tb.Fatalf("%q: %s has neither a state nor an error: %+v", answer, o.ChannelID, o)
		}
	}
}
