package digitalpost

// The notes list metaProperties.recalled among an event's fields: a letter
// its sender recalled says so on the entry, whatever the entry's tag (one
// of the 129 the adapter does not know, a later tag of the letter). A
// recalled letter is closed (the table's recall row): it must not be
// reminded or printed.

import (
	"context"
	"strings"
	"testing"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/model"
)

func dkRecalledEvent(n int, tag, letter, recalled string, at time.Time) nfEvent {
	e := dkRawEvent(n, tag, letter, "DIGITALPOST", at)
	if recalled != "" {
		e.raw = strings.Replace(e.raw, `"messageId": "sag-17",`, `"messageId": "sag-17", "recalled": `+recalled+`,`, 1)
	}
	return e
}

func TestNotesFakeRecalledMeta(t *testing.T) {
	cases := []struct {
		name     string
		tag      string
		recalled string
		want     channel.Disposition
		state    model.State
	}{
		{"an unknown tag of a recalled letter", "MEMO_SEND_RECALL_COMPLETED", "true", channel.DispositionClosed, model.StateAccepted},
		{"recalled as text", "MEMO_SEND_RECALL_COMPLETED", `"TRUE"`, channel.DispositionClosed, model.StateAccepted},
		{"a known tag of a recalled letter", "MEMO_AVAILABLE_TO_RECIPIENT", "true", channel.DispositionClosed, model.StateAvailable},
		{"not recalled", "MEMO_AVAILABLE_TO_RECIPIENT", "false", channel.DispositionNone, model.StateAvailable},
		{"no recalled field", "MEMO_SEND_RECALL_COMPLETED", "", channel.DispositionNone, model.StateAccepted},
		{"recalled null", "MEMO_SEND_RECALL_COMPLETED", "null", channel.DispositionNone, model.StateAccepted},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := newNFLog(t)
			letter := nfLetter(950 + i)
			l.events = append(l.events, dkRecalledEvent(1, "MEMO_SEND_RECEIVED", letter, "", nfT0),
				dkRecalledEvent(2, tc.tag, letter, tc.recalled, nfT0.Add(time.Hour)))
			obs, err := nfAdapter(t, l).Status(context.Background(), []string{letter})
			if err != nil {
				t.Fatal(err)
			}
			o := obs[0]
			if o.Err != nil || o.State != tc.state || o.Disposition != tc.want {
				t.Fatalf("state %q disposition %q (err %v), want %q %q", o.State, o.Disposition, o.Err, tc.state, tc.want)
			}
			last := string(o.Events[len(o.Events)-1].Payload)
			if kept := strings.Contains(last, `"recalled":true`); kept != (tc.want == channel.DispositionClosed) {
				t.Errorf("evidence %s: recalled kept %v, want %v", last, kept, !kept)
			}
		})
	}
}
