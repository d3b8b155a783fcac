package digitalpost

import (
	"context"
	"strings"
	"testing"
	"time"

	"postvakt/internal/model"
)

// TestNotesFakeTagCase: an eventTag in another casing, or with blanks
// around it, means what the table's tag means (as the receipt status and
// messageType are read regardless of case); the evidence keeps the tag as
// the log gave it (trimmed).
func TestNotesFakeTagCase(t *testing.T) {
	cases := []struct {
		name string
		tags []string
		want model.State
	}{
		{"lower-case proof of delivery", []string{"MEMO_SEND_RECEIVED", "memo_available_to_recipient"}, model.StateAvailable},
		{"mixed-case read", []string{"Memo_Send_Received", "MEMO_AVAILABLE_TO_RECIPIENT", "Message_Read"}, model.StateOpened},
		{"blank around a rejection", []string{"MEMO_SEND_RECEIVED", " MEMO_SEND_VALIDATION_FAILED "}, model.StateRejected},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := newNFLog(t)
			letter := nfLetter(900 + i)
			for j, tag := range tc.tags {
				l.add(tag, letter, nfT0.Add(time.Duration(j)*time.Minute))
			}
			obs, err := nfAdapter(t, l).Status(context.Background(), []string{letter})
			if err != nil {
				t.Fatal(err)
			}
			if obs[0].Err != nil || obs[0].State != tc.want {
				t.Fatalf("state %q (err %v), want %q", obs[0].State, obs[0].Err, tc.want)
			}
			last := obs[0].Events[len(obs[0].Events)-1]
			if want := `"eventTag":"` + strings.TrimSpace(tc.tags[len(tc.tags)-1]) + `"`; !strings.Contains(string(last.Payload), want) {
				t.Errorf("evidence %s lacks %s", last.Payload, want)
			}
		})
	}
}
