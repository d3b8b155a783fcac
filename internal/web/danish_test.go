package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/web"
)

// getDa fetches a page as a browser set to Danish.
func (b *browser) getDa(path string) (int, string) { return b.doIn("da-DK,da;q=0.9", "GET", path, nil) }

// postDa posts a form as a browser set to Danish.
func (b *browser) postDa(path string, form url.Values) (int, string) {
	return b.doIn("da-DK,da;q=0.9", "POST", path, form)
}

// copenhagenLetter is a confidential Digital Post letter ("Afgørelse", class
// fortrolig) from Københavns Kommune's Socialforvaltningen (64942212) to
// the citizen or organisation id (kind person or org), sent at sent.
func copenhagenLetter(channelID, kind, id string, sent time.Time) model.NewShipment {
	return model.NewShipment{Channel: "digitalpost", ChannelID: channelID, SenderOrg: "64942212", SenderUnit: "Socialforvaltningen",
		RecipientKind: kind, RecipientID: id, Title: "Afgørelse", Confidential: true, Class: "fortrolig", SentAt: sent}
}

// danishLetters registers Københavns Kommune's Digital Post letters: one
// rejected (with a decided follow-up), one unread (with an open one), one
// under print.via: digitalpost in manual handling.
func danishLetters(t *testing.T, e *env) []store.Shipment {
	ctx := context.Background()
	letter := func(i int, kind, id string) model.NewShipment {
		return copenhagenLetter("0b6d3c5e-1f2a-4b3c-8d4e-00000000000"+string(rune('1'+i)), kind, id, now.Add(-time.Duration(20+i)*24*time.Hour))
	}
	got, _, err := e.st.Register(ctx, []model.NewShipment{letter(0, "person", "0101801234"), letter(1, "org", "14691804"),
		letter(2, "person", "0202801234")}, store.SourceAPI, "test")
	if err != nil {
		t.Fatal(err)
	}
	t0 := now.Add(-19 * 24 * time.Hour)
	if _, err := e.st.ApplyFeed(ctx, store.FeedApply{Channel: "digitalpost", Entries: []store.FeedEntry{
		{ID: "31111111-0000-4000-8000-000000000001", ChannelID: got[0].ChannelID, Tag: "MEMO_SEND_VALIDATION_FAILED", State: model.StateRejected, At: t0,
			Payload: []byte(`{"eventTag":"MEMO_SEND_VALIDATION_FAILED"}`)},
	}}); err != nil {
		t.Fatal(err)
	}
	db := e.st.DB()
	db.MustExec(`INSERT INTO followups (shipment_id, sender_unit_id, reason, deadline, decision, note, decided_by, decided_at)
		SELECT id, sender_unit_id, 'rejected', $2, 'closed', 'sendt med posten', 'user:kari', $2 FROM shipments WHERE id = $1`, got[0].ID, now)
	db.MustExec(`INSERT INTO followups (shipment_id, sender_unit_id, reason, deadline) SELECT id, sender_unit_id, 'unread', $2 FROM shipments WHERE id = $1`,
		got[1].ID, now.Add(48*time.Hour))
	// What internal/printing records for a letter whose policy prints via
	// Digital Post's own physical post.
	db.MustExec(`UPDATE shipments SET stage = 'manual' WHERE id = $1`, got[2].ID)
	db.MustExec(`INSERT INTO print_manual (shipment_id, reason, detail, created_at) VALUES ($1, 'physical_post',
		'the policy''s print is Digital Post''s physical post: the sending unit sends the letter again through Digital Post for physical delivery (fysisk post)', $2)`,
		got[2].ID, now)
	return got
}

// TestDanishPagesShowNoEnglishCodes: a Danish compliance officer's pages
// about Danish letters are in Danish. The follow-up list and the evidence
// report show the follow-up's reason ("afvist", "ikke åbnet"), its decision
// ("lukket") and the letter's final state ("Den blev afvist") in the
// page's language, not as the database's English codes; the
// manual-handling list shows the detail internal/printing recorded for
// print.via: digitalpost in the page's language too.
func TestDanishPagesShowNoEnglishCodes(t *testing.T) {
	e := newEnv(t)
	got := danishLetters(t, e)
	b := e.loggedIn("kari", "compliance", "64942212", "")
	cell := func(s string) *regexp.Regexp { return regexp.MustCompile(`>\s*` + s + `\s*<`) }
	for _, tc := range []struct {
		page    string
		english []*regexp.Regexp
	}{
		{"/followups?all=true", []*regexp.Regexp{cell("rejected"), cell("unread")}},
		{"/shipments/" + got[0].ID, []*regexp.Regexp{
			regexp.MustCompile(`Den blev rejected`),       // ev.final with the raw state
			cell("rejected"),                              // Årsag
			regexp.MustCompile(`>\s*closed af user:kari`), // ev.decided with the raw decision
		}},
		{"/manual", []*regexp.Regexp{regexp.MustCompile(`the sending unit sends the letter again`)}},
	} {
		code, page := b.getDa(tc.page)
		if code != http.StatusOK || !strings.Contains(page, `<html lang="da">`) {
			t.Fatalf("%s: %d, not Danish", tc.page, code)
		}
		main := page[strings.Index(page, "<main"):]
		for _, re := range tc.english {
			if m := re.FindString(main); m != "" {
				t.Errorf("%s in Danish shows English %q", tc.page, m)
			}
		}
	}
}

// TestSearchTakesCPRWithHyphen: Danes write a CPR number DDMMÅÅ-XXXX, and a
// CVR number often in pairs ("14 69 18 04"). The search form takes them as
// written and finds the letters to that recipient.
func TestSearchTakesCPRWithHyphen(t *testing.T) {
	e := newEnv(t)
	danishLetters(t, e)
	b := e.loggedIn("kari", "compliance", "64942212", "")
	for _, typed := range []string{"0101801234", "010180-1234", "14691804", "14 69 18 04"} {
		_, page := b.getDa("/search")
		code, loc, body := b.post("/search", url.Values{"csrf": {csrf(page)}, "recipient": {typed}, "from": {"2026-01-01"}, "to": {"2026-12-31"}})
		if code != http.StatusSeeOther || !strings.Contains(loc, "rid=") {
			t.Errorf("search for %q: %d %s, want the letters to that recipient\n%.300s", typed, code, loc, body[strings.Index(body, "<main"):])
		}
	}
}

// TestResendOffersConfiguredChannels: the evidence page's "resent as" form
// offers the deployment's channels (WithChannels) by the names people read,
// with the letter's own channel chosen; a resend by a channel the
// deployment does not use, or one that does not carry the letter (Altinn
// for a Danish sender), is refused in the page's language.
func TestResendOffersConfiguredChannels(t *testing.T) {
	for _, tc := range []struct {
		name     string
		opts     []web.Option
		channel  string
		options  []string // the form's channel options, as shown
		refusal  string
		notShown string
	}{
		{"Danish only", []web.Option{web.WithChannels([]string{"digitalpost"})}, "altinn",
			[]string{`<option value="digitalpost" selected>Digital Post</option>`},
			"Vælg den nye forsendelses kanal: Digital Post.", "altinn"},
		{"every channel", nil, "altinn",
			[]string{`<option value="digitalpost" selected>Digital Post</option>`, `<option value="altinn">`},
			"kan ikke bringe dette brev", "Altinn's senders"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnvWith(t, tc.opts...)
			got := danishLetters(t, e)
			b := e.loggedIn("kari", "compliance", "64942212", "")
			_, page := b.getDa("/shipments/" + got[1].ID)
			sel := regexp.MustCompile(`(?s)<select name="new_channel"[^>]*>.*?</select>`).FindString(page)
			for _, o := range tc.options {
				if !strings.Contains(sel, o) {
					t.Errorf("resend channels %s, want %s", sel, o)
				}
			}
			if tc.opts != nil && strings.Contains(sel, tc.notShown) {
				t.Errorf("resend channels %s offer %s, not configured", sel, tc.notShown)
			}
			code, body := b.postDa("/shipments/"+got[1].ID+"/followup", url.Values{"csrf": {csrf(page)}, "decision": {"resent"},
				"new_channel": {tc.channel}, "new_channel_id": {"0b6d3c5e-1f2a-4b3c-8d4e-0000000000f1"}})
			if code != http.StatusBadRequest || !strings.Contains(body, tc.refusal) || strings.Contains(body, "Altinn's senders") {
				m := regexp.MustCompile(`id="followup-err"[^>]*>[^<]*`).FindString(body)
				t.Errorf("resend by %s: %d %q, want 400 saying %q", tc.channel, code, m, tc.refusal)
			}
		})
	}
}

// TestDanishRoleLabel: a Danish page names the compliance role in Danish
// (the header's "who" line and the users page), not with the English word.
func TestDanishRoleLabel(t *testing.T) {
	e := newEnv(t)
	b := e.loggedIn("admin", "admin", "", "")
	e.user("kari", "compliance", "964338531", "")
	code, page := b.getDa("/admin/users")
	if code != http.StatusOK {
		t.Fatalf("/admin/users: %d", code)
	}
	if !strings.Contains(page, "<td>intern kontrol</td>") || strings.Contains(page, "<td>compliance</td>") {
		t.Error("the Danish users page does not name the compliance role in Danish (intern kontrol)")
	}
	kb := e.loggedIn("kari2", "compliance", "964338531", "")
	_, page = kb.getDa("/manual")
	if !strings.Contains(page, " · intern kontrol") {
		t.Error("the Danish header does not name the compliance role in Danish (intern kontrol)")
	}
}
