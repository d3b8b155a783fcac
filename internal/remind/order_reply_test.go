package remind

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/remind/mailpittest"
	"postvakt/internal/store"
)

// A reminder of one sender's letters that goes as an e-mail and, beside
// it, as an Altinn Notifications order: the e-mail, sent with the sender's
// contact as Reply-To, says a reply reaches it; the order's e-mail, which
// Altinn sends from its own no-reply address (no Reply-To can be given),
// still says not to reply and to contact the sender: "a reply goes to the
// sender" there would lose the business's answer. Read back from the SMTP
// server and from the order request the simulator was given.
func TestOrderEmailSaysDoNotReply(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const contact = "postmottak@bergen.kommune.no"
	st, g := fixture(t, 2)
	for i := range g.Shipments {
		g.Shipments[i].SenderOrgName, g.Shipments[i].SenderContact = "Bergen kommune", model.Contact{Email: contact}
	}
	a := newAltinnSim(t)
	mp := mailpittest.Start(t)
	if _, err := st.ReplaceContacts(ctx, []store.Contact{{Org: firma, Email: "post@firma.no"}}, "test"); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	r := newReminder(st, mp.SMTPAddr, &logs)
	r.Orders = &Orders{Log: st, Notifier: a.notifier(t)}
	out, err := r.Deliver(ctx, g, time.Date(2026, 11, 18, 9, 0, 0, 0, time.UTC), false)
	if err != nil || out.Status != StatusSent || out.OrderID == "" || out.OrderErr != nil {
		t.Fatalf("deliver: %+v %v", out, err)
	}
	replies := []string{"Svarer du på den, går svaret til avsenderens kontaktadresse, " + contact + ".",
		"A reply to it goes to the sender's contact address, " + contact + "."}
	noReply := []string{"Ikke svar på den; ta kontakt med avsenderen hvis noe er uklart.",
		"Please do not reply to it; contact the sender if anything is unclear."}

	msgs := mp.Messages(t)
	if len(msgs) != 1 {
		t.Fatalf("%d messages, want 1", len(msgs))
	}
	text := mailpittest.Reflowed(msgs[0].Text)
	for _, want := range replies {
		if !says(text, want) {
			t.Errorf("the e-mail lacks %q:\n%s", want, text)
		}
	}

	var raw []byte
	if err := st.DB().Get(&raw, `SELECT order_request FROM notifications WHERE id = $1`, out.NotificationID); err != nil {
		t.Fatal(err)
	}
	var req struct {
		Recipient struct {
			RecipientOrganization struct {
				EmailSettings struct{ Body string } `json:"emailSettings"`
			} `json:"recipientOrganization"`
		} `json:"recipient"`
	}
	if err := json.Unmarshal(raw, &req); err != nil {
		t.Fatal(err)
	}
	body := req.Recipient.RecipientOrganization.EmailSettings.Body
	if !strings.Contains(body, g.Shipments[0].ChannelID) {
		t.Fatalf("the order's e-mail is not the reminder:\n%s", body)
	}
	if !strings.Contains(a.Bodies(), g.Shipments[0].ChannelID) {
		t.Fatal("the simulator was given no order")
	}
	for _, want := range noReply {
		if !says(body, want) {
			t.Errorf("the order's e-mail lacks %q:\n%s", want, body)
		}
	}
	for _, never := range replies {
		if says(body, never) {
			t.Errorf("the order's e-mail, sent from Altinn's no-reply address, says %q:\n%s", never, body)
		}
	}
}
