package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"postvakt/internal/store"
)

// A resend named by the letter's own channel id written in upper case (as
// a case system built on SQL Server shows a UUID) is the letter itself,
// which postvakt stores in lower case: it is refused as the id written as
// registered is, not recorded as the letter "sent again" as itself, its
// escalation ended and nothing new watched.
func TestFollowUpResendOwnIDUpperCase(t *testing.T) {
	e := newEnv(t)
	got := e.seed(2)
	nav := e.token("unit", "964338531", "NAV")
	path := "/api/v1/shipments/" + got[1].ID + "/followup"
	own := strings.ToUpper(got[1].ChannelID)
	if own == got[1].ChannelID {
		t.Fatalf("seed's channel id %q has no letters in it", own)
	}
	code, out := e.do("POST", path, nav, `{"decision":"resent","new_channel":"svarut","new_channel_id":"`+own+`"}`)
	if msg, _ := out["error"].(string); code != http.StatusBadRequest || !strings.Contains(msg, "new channel id") {
		t.Errorf("resend under the letter's own id in upper case: %d %v, want 400 saying it needs a new channel id", code, out)
	}
	if _, err := e.st.FollowUp(context.Background(), got[1].ID, store.Scope{}); err == nil {
		t.Error("a follow-up was recorded for the refused resend")
	}
}

// A resend named by the channel id of another of the unit's letters, to
// another recipient (a mistyped or mixed-up id), is not that letter sent
// again: linked, the letter's case ended as resent while its recipient got
// nothing, the other recipient's letter taken for its resend. It is
// refused (409), nothing recorded, as registration refuses a letter named
// with another recipient.
func TestFollowUpResendOtherRecipientsLetter(t *testing.T) {
	e := newEnv(t)
	got := e.seed(3) // 0 and 2 Barnevernstjenesten: 0 to an organisation, 2 to a person
	bv := e.token("unit", "964338531", "Barnevernstjenesten")
	if got[0].Recipient == got[2].Recipient {
		t.Fatal("seed's letters 0 and 2 have one recipient")
	}
	code, out := e.do("POST", "/api/v1/shipments/"+got[0].ID+"/followup", bv,
		`{"decision":"resent","new_channel":"svarut","new_channel_id":"`+got[2].ChannelID+`"}`)
	if msg, _ := out["error"].(string); code != http.StatusConflict || !strings.Contains(msg, "another recipient") {
		t.Errorf("resend under the id of a letter to another recipient: %d %v, want 409 saying it is a letter to another recipient", code, out)
	}
	if _, err := e.st.FollowUp(context.Background(), got[0].ID, store.Scope{}); err == nil {
		t.Error("a follow-up was recorded for the refused resend")
	}
}
