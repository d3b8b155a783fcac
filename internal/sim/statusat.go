package sim

import (
	"strings"
	"time"
)

// StatusAt returns a shipment's channel status at the simulated time t: what
// a status request arriving then was answered (the request log's Time). A
// crash test compares it with what postvakt recorded.
func (s *Sim) StatusAt(channelID string, t time.Time) (status string, ok bool) {
	sh, found := s.w.byID[strings.ToLower(channelID)]
	if !found {
		return "", false
	}
	e, ok := sh.statusAt(t)
	return e.status, ok
}
