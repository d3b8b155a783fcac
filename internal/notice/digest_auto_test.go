package notice

import (
	"strings"
	"testing"
	"time"

	"postvakt/internal/store"
)

// The compliance digest says, as the follow-up and escalation.to notices
// do, in each of its languages, that postvakt sent it automatically: a
// compliance officer who gets it every morning must not take it for a
// colleague's list to answer.
func TestDigestSaysItIsAutomatic(t *testing.T) {
	now := time.Date(2026, 11, 16, 9, 0, 0, 0, oslo)
	u := store.UnitFollowUps{UnitID: 1, SenderOrg: bergen, Unit: "NAV", FollowUps: []store.FollowUp{
		{ShipmentID: "s1", Channel: "svarut", ChannelID: "c1", Reason: "rejected", Deadline: now.AddDate(0, 0, -1)}}}
	body := digestMessage([]store.UnitFollowUps{u}, now, "https://postvakt.bergen.kommune.no").body
	for _, want := range []string{"Denne e-posten er sendt automatisk av postvakt.", "This e-mail was sent automatically by postvakt."} {
		if !strings.Contains(body, want) {
			t.Errorf("the digest lacks %q:\n%s", want, body)
		}
	}
}
