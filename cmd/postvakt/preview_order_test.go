package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/remind"
)

// `escalate --dry-run --show-messages` for a reminder that goes as an
// Altinn Notifications order alone (the business's addresses are Altinn
// Profile's): the order's e-mail, which Altinn sends from its no-reply
// address, says not to reply and to contact the sender, and the dry run
// shows that text, not the e-mail's "a reply goes to the sender's contact
// address", which would go nowhere.
func TestDryRunShowsTheOrderTextOfAReminderByOrder(t *testing.T) {
	const contact = "postmottak@bergen.kommune.no"
	s := remind.Shipment{ShipmentID: "s1", Reminder: 1, Channel: "svarut", ChannelID: "ch-1", SenderOrg: "964338531",
		SenderOrgName: "Bergen kommune", SenderContact: model.Contact{Email: contact},
		SentAt: time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC), Since: time.Date(2026, 11, 16, 10, 0, 0, 0, time.UTC)}
	sh := []remind.Shipment{s}
	msg := remind.Compose("910000004", "", sh, nil, "postvakt@bergen.kommune.no", "k", time.Date(2026, 11, 18, 9, 0, 0, 0, time.UTC))
	if msg.ReplyTo != contact {
		t.Fatalf("composed with Reply-To %q, want the sender's contact", msg.ReplyTo)
	}
	o := remind.Outcome{Org: "910000004", Status: remind.StatusPreview, Shipments: sh, Message: msg,
		Route: remind.RouteOrder, SMS: remind.SMS("910000004", sh)}
	var out bytes.Buffer
	printPreview(&out, o, true)
	text := strings.Join(strings.Fields(out.String()), " ")
	if strings.Contains(text, "A reply to it goes to the sender's contact address") {
		t.Errorf("the dry run shows a reminder by order saying a reply reaches the sender:\n%s", out.String())
	}
	if !strings.Contains(text, "Please do not reply to it; contact the sender if anything is unclear.") {
		t.Errorf("the dry run lacks the order's 'do not reply':\n%s", out.String())
	}
}
