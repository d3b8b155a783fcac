package channel

import (
	"errors"
	"strings"
	"testing"

	"postvakt/internal/httpclient"
)

// TestUnreadableAnswerAsReceived: evidence that keeps an answer's length
// and hash keeps, for an answer httpclient decoded from another character
// set, those of the bytes as received and their charset (what the channel
// sent can be proven against its copy), reading the fields from the
// decoded text; kept text (a proxy's page) ends with them. An answer given
// as it came is fingerprinted as before.
func TestUnreadableAnswerAsReceived(t *testing.T) {
	rec := &httpclient.Received{Charset: "iso-8859-1", Bytes: 41, SHA256: strings.Repeat("ab", 32)}
	decoded := []byte(`{"status":"Lest","tittel":"Vedtak på`)
	ev := string(UnreadableAnswer(decoded, rec, "status"))
	for _, want := range []string{`"bytes":41`, `"sha256":"` + rec.SHA256 + `"`, `"charset":"iso-8859-1"`, `"status":"Lest"`} {
		if !strings.Contains(ev, want) {
			t.Errorf("evidence %s lacks %s", ev, want)
		}
	}
	if ev := string(UnreadableAnswer(decoded, nil, "status")); ev != string(Unreadable(decoded, "status")) || strings.Contains(ev, "charset") {
		t.Errorf("as it came: %s", ev)
	}
	bad := NewBadResponse("altinn", "details", 200, "application/json; charset=iso-8859-1", decoded, rec, errors.New("cut off"))
	if raw := bad.Raw(); !strings.Contains(raw, `"sha256":"`+rec.SHA256+`"`) || !strings.Contains(raw, `"charset":"iso-8859-1"`) || strings.Contains(raw, "Vedtak") {
		t.Errorf("broken JSON kept as %s", raw)
	}
	bad = NewBadResponse("svarut", "status", 502, "text/html; charset=iso-8859-1", []byte("<html>Feil på tjeneren</html>"), rec, errors.New("not JSON"))
	if raw := bad.Raw(); !strings.HasPrefix(raw, "<html>Feil på tjeneren</html>") || !strings.HasSuffix(raw, "["+rec.String()+"]") {
		t.Errorf("page kept as %q", raw)
	}
}
