package digitalpost

import (
	"net/url"
	"strings"
	"testing"

	"postvakt/internal/channel"
	"postvakt/internal/model"
)

// TestNotesReceiptStatusRejects: the notes list receiptStatus among an
// entry's metaProperties and say a receipt INVALID or NOT_ALLOWED means
// rejected. An entry of the send itself (MEMO_SEND_…, DELAYED_MEMO_SEND_…)
// carrying such a receipt status rejects its letter short of a state past
// acceptance; RECEIVED and COMPLETED move nothing. Rejected is final and
// leads towards print, so an entry of a tag the adapter does not know
// (there are 129) rejects nothing: its receipt status is only evidence.
// The receipt status is kept in the evidence either way: it is the proof
// of the rejection.
func TestNotesReceiptStatusRejects(t *testing.T) {
	for _, c := range []struct {
		tag, receipt string
		want         model.State
	}{
		{"MEMO_SEND_RECEIVED", `"INVALID"`, model.StateRejected},
		{"MEMO_SEND_RECEIVED", `"NOT_ALLOWED"`, model.StateRejected},
		{"MEMO_SEND_VALIDATED", `"invalid"`, model.StateRejected},
		{"A_RECEIPT_TAG_NOT_IN_THE_NOTES", `"NOT_ALLOWED"`, ""},
		{"A_RECEIPT_TAG_NOT_IN_THE_NOTES", `"INVALID"`, ""},
		{"DELAYED_MEMO_SEND_VALIDATED_AWAITING_DELAY", `"INVALID"`, model.StateRejected},
		{"MEMO_SEND_NOT_IN_THE_NOTES", `"INVALID"`, model.StateRejected},
		{"MEMO_SEND_VALIDATION_FAILED", `"INVALID"`, model.StateRejected},
		{"MEMO_SEND_RECEIVED", `"RECEIVED"`, model.StateAccepted},
		{"MEMO_SEND_RECEIVED", `"COMPLETED"`, model.StateAccepted},
		{"A_RECEIPT_TAG_NOT_IN_THE_NOTES", `"COMPLETED"`, ""},
		{"MEMO_SEND_RECEIVED", `null`, model.StateAccepted},
		{"MEMO_SEND_RECEIVED", `{"status":"INVALID"}`, model.StateAccepted},
		// A tag past acceptance wins: a receipt cannot take it back.
		{"MEMO_AVAILABLE_TO_RECIPIENT", `"INVALID"`, model.StateAvailable},
		{"MESSAGE_READ", `"NOT_ALLOWED"`, model.StateOpened},
		{"MEMO_SEND_FAILED", `"INVALID"`, model.StateFailed},
	} {
		t.Run(c.tag+" "+c.receipt, func(t *testing.T) {
			ev := strings.Replace(notesEvent(1, c.tag, `"2025-03-10T08:00:00.000Z"`, `"2025-03-10T08:00:01.000Z"`, "29189919", "COMPANY"),
				`"receiptStatus" : "COMPLETED"`, `"receiptStatus" : `+c.receipt, 1)
			cl, _ := newNotesClient(t, func(url.Values) string { return notesPage([]string{ev}, 0, 1, 1) }, nil)
			got, err := readAll(t, cl)
			if err != nil || len(got) != 1 || got[0].Err != nil {
				t.Fatalf("%v, %d events %+v", err, len(got), got)
			}
			if got[0].State != c.want {
				t.Errorf("state %q, want %q", got[0].State, c.want)
			}
			rs := strings.ToUpper(c.receipt)
			rejecting := rs == `"INVALID"` || rs == `"NOT_ALLOWED"`
			if rejecting && !strings.Contains(strings.ToUpper(string(got[0].Payload)), `"RECEIPTSTATUS":`+rs) {
				t.Errorf("the evidence %s does not keep the receipt status", got[0].Payload)
			}
		})
	}
}

// TestNotesReceiptStatusRejectsAPhysicalLetter: a memo Digital Post is to
// send on paper (messageType PHYSICAL_LETTER) whose send entry carries a
// rejecting receipt status was refused, not printed by the channel: it is
// rejected, with no disposition that ends its follow-up as printed.
func TestNotesReceiptStatusRejectsAPhysicalLetter(t *testing.T) {
	for _, c := range []struct {
		tag, receipt string
		want         model.State
		disposition  channel.Disposition
	}{
		{"MEMO_SEND_RECEIVED", `"INVALID"`, model.StateRejected, channel.DispositionNone},
		{"MEMO_SEND_VALIDATED", `"NOT_ALLOWED"`, model.StateRejected, channel.DispositionNone},
		{"DELAYED_MEMO_SEND_SENT", `"INVALID"`, model.StateRejected, channel.DispositionNone},
		{"MEMO_SEND_RECEIVED", `"COMPLETED"`, model.StateAccepted, channel.DispositionChannelPrint},
		{"MEMO_AVAILABLE_TO_RECIPIENT", `"INVALID"`, model.StateAvailable, channel.DispositionChannelPrint},
	} {
		t.Run(c.tag+" "+c.receipt, func(t *testing.T) {
			ev := strings.Replace(notesEvent(1, c.tag, `"2025-03-10T08:00:00.000Z"`, `"2025-03-10T08:00:01.000Z"`, "0101801234", "CITIZEN"),
				`"receiptStatus" : "COMPLETED"`, `"receiptStatus" : `+c.receipt, 1)
			ev = strings.Replace(ev, `"messageType" : "DIGITALPOST"`, `"messageType" : "PHYSICAL_LETTER"`, 1)
			cl, _ := newNotesClient(t, func(url.Values) string { return notesPage([]string{ev}, 0, 1, 1) }, nil)
			got, err := readAll(t, cl)
			if err != nil || len(got) != 1 || got[0].Err != nil {
				t.Fatalf("%v, %d events %+v", err, len(got), got)
			}
			if got[0].State != c.want || got[0].Disposition != c.disposition {
				t.Errorf("state %q, disposition %q; want %q, %q", got[0].State, got[0].Disposition, c.want, c.disposition)
			}
		})
	}
}
