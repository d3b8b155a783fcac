package altinn

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"sync/atomic"
	"testing"

	"postvakt/internal/channel/channeltest"
	"postvakt/internal/httpfake"
	"postvakt/internal/model"
)

// FuzzDetailsEvidence: whatever a details answer holds, its evidence is
// JSON holding the status facts alone (reducing it again changes nothing)
// with no national id left unmasked, or the answer's fingerprint.
func FuzzDetailsEvidence(f *testing.F) {
	for _, seed := range []string{
		hostileDoc("a1a1a1a1-0000-4000-8000-000000000007", ""),
		hostileDoc("ID", `,"statusHistory":[{"status":"Read","statusText":"av 01029400470","partyUuid":{"x":"01017012345"}},"t"],"sender":1010180123`),
		`{"Status":"Read","STATUSCHANGED":{"t":1},"content":{"messageTitle":"Vedtak"}}`, `[]`, `{"status":`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		ev := statusEvidence(body, nil)
		if !evidenceFacts.Holds(ev) {
			t.Fatalf("evidence of %q holds more than the status facts: %s", body, ev)
		}
		if leaksID(ev) {
			t.Fatalf("evidence of %q holds a national id: %s", body, ev)
		}
	})
}

// FuzzDetailsAnswer: whatever Altinn answers a details request with, over
// HTTP, the adapter gives one observation per letter asked, each with a
// state, a status kept as it is, or its own error — or fails the call as
// a whole; never a panic. What it keeps is status facts (the history's
// entries their four) with no national id.
func FuzzDetailsAnswer(f *testing.F) {
	for _, seed := range []string{
		hostileDoc("ID", ""),
		hostileDoc("ID", `,"statusHistory":[{"status":"Read","statusChanged":1029400470,"partyUuid":"01017012345"}],"status":{"t":1}`),
		hostileDoc("ID", `,"statusHistory":{"status":"Read"},"read":"2026-03-02","published":"0001-01-01T00:00:00"`),
		`{"correspondenceId":"ID","status":"Published"}`, `{"correspondenceId":"ID"}`, `<html>`, `null`, `[]`,
	} {
		f.Add([]byte(seed))
	}
	var body atomic.Value
	fake := &nfAltinn{srv: httpfake.New(f, httpfake.Bearer(nfBearer))}
	fake.srv.Handle("GET "+basePath+"/{id}/details", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(bytes.ReplaceAll(body.Load().([]byte), []byte(`"ID"`), []byte(`"`+r.PathValue("id")+`"`)))
	})
	c := nfAdapter(f, fake)
	ids := []string{nfID(1), nfID(2)}
	f.Fuzz(func(t *testing.T, answer []byte) {
		body.Store(answer)
		obs, err := c.Status(context.Background(), ids)
		if err != nil {
			return
		}
		channeltest.CheckStatus(t, answer, ids, obs)
		for _, o := range obs {
			switch {
			case o.Payload != nil && (!evidenceFacts.Holds(o.Payload) || leaksID(o.Payload)):
				t.Fatalf("%q: %s's evidence %s holds more than the status facts", answer, o.ChannelID, o.Payload)
			case o.History != nil && (!statusEventFacts.Holds(o.History) || model.HoldsNationalID(string(o.History))):
				t.Fatalf("%q: %s's history %s holds more than its entries' facts", answer, o.ChannelID, o.History)
			}
		}
	})
}

// leaksID says whether evidence holds a national id unmasked: anywhere in
// the facts kept; in a fingerprint, in the fields it kept (its hash is no
// id), by the rule of an unreadable time (model.MaskTime).
func leaksID(ev []byte) bool {
	var fp struct {
		Unreadable bool
		Fields     map[string]json.RawMessage
	}
	if json.Unmarshal(ev, &fp) != nil || !fp.Unreadable {
		return model.HoldsNationalID(string(ev))
	}
	for _, v := range fp.Fields {
		text := string(v)
		_ = json.Unmarshal(v, &text)
		if model.MaskTime(text) != text {
			return true
		}
	}
	return false
}
