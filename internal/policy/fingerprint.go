package policy

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"
)

// The years whose days off the fingerprint covers: every letter postvakt
// watches, and more.
const fingerprintFirstYear, fingerprintLastYear = 2000, 2060

// Fingerprint identifies the rules of the set: two sets with the same
// fingerprint decide every shipment alike. The escalation run keeps, per
// shipment, when its next step can come due; those times hold only for the
// rules they were computed under, so the run compares fingerprints and
// looks at every open shipment again after a change. It is a SHA-256 over
// every policy's exported fields (a field added later is included without
// anyone remembering to), its calendar (and the calendar's days off, from
// fingerprintFirstYear to fingerprintLastYear) and send-window zone, in name
// order;
// where a policy is written (file, line) does not count.
func (s *Set) Fingerprint() string {
	h := sha256.New()
	enc := json.NewEncoder(h)
	for _, p := range s.policies {
		c := *p
		c.File, c.Line = "", 0
		zone := ""
		if c.SendWindow != nil && c.SendWindow.Location != nil {
			zone = c.SendWindow.Location.String()
		}
		cal, days := "", []string(nil)
		if c.Calendar != nil {
			cal = c.Calendar.Name()
			// Its days too: a version that changes a calendar (Store
			// bededag abolished) changes when steps come due.
			for y := fingerprintFirstYear; y <= fingerprintLastYear; y++ {
				for _, h := range c.Calendar.Holidays(y) {
					days = append(days, h.Date.Format(time.DateOnly))
				}
			}
		}
		// Encoding a policy cannot fail: it is plain data.
		_ = enc.Encode(struct {
			Policy   Policy
			Calendar string
			Days     []string
			Zone     string
		}{c, cal, days, zone})
	}
	return hex.EncodeToString(h.Sum(nil))
}
