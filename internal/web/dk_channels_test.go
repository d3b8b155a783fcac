package web_test

import (
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"postvakt/internal/web"
)

// postDa posts a form as a browser set to Danish.
func (b *browser) postDa(path string, form url.Values) (int, string) {
	b.e.t.Helper()
	req, _ := http.NewRequest("POST", b.e.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept-Language", "da-DK,da;q=0.9")
	resp, err := b.c.Do(req)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, html.UnescapeString(string(body))
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
			b := e.browser()
			b.login("kari", e.user("kari", "compliance", "64942212", ""))
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
