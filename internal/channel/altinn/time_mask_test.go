package altinn

import (
	"errors"
	"strings"
	"testing"

	"postvakt/internal/channel"
)

// TestUnreadableTimeQuotedMasked: a statusChanged postvakt cannot read is
// quoted in the letter's error (its poll error, the poll's log line, the
// UI), and a national id in it (a mis-mapped field) masked there, as the
// house masks one: its date kept, the rest not; one the 40-byte cut would
// split is left out. A number was quoted whole and as it stood; an object
// or an array is named by its kind and size, never quoted (a letter's
// title may be nested in it). Epoch seconds whose first six digits
// are no date (1700000000) cannot be an id and stay readable; those that
// are one (1712345678: 17.12.34) are masked.
func TestUnreadableTimeQuotedMasked(t *testing.T) {
	for _, c := range []struct {
		raw  string
		want string // in the error
		leak string // not in it
	}{
		{raw: `"01029400470"`, want: "010294*****", leak: "9400470"},
		{raw: `1029400470`, want: "10294*****", leak: "9400470"},
		{raw: `{"fnr":"01029400470","tittel":"Vedtak"}`, want: "an object of 39 bytes", leak: "Vedtak"},
		{raw: `["01029400470"]`, want: "an array of 15 bytes", leak: "010294"},
		{raw: `"tidspunkt er ukjent, mottaker: 01029400470"`, want: "mottaker: ", leak: "94004"},
		{raw: `"0101801234"`, want: "010180****", leak: "1801234"},
		{raw: `101801234`, want: "10180****", leak: "1801234"},
		{raw: `"010180-1234"`, want: "010180-****", leak: "-1234"},
		{raw: `1712345678`, want: "171234****", leak: "45678"},
		{raw: `1700000000`, want: "1700000000"},
	} {
		t.Run(c.raw, func(t *testing.T) {
			o, _ := hostileDetails(t, hostileDoc("ID", `,"statusChanged":`+c.raw))
			if !errors.Is(o.Err, channel.ErrBadTimestamp) {
				t.Fatalf("%v; want ErrBadTimestamp", o.Err)
			}
			msg := o.Err.Error()
			if !strings.Contains(msg, c.want) || c.leak != "" && strings.Contains(msg, c.leak) {
				t.Errorf("%q: want %q in it, not %q", msg, c.want, c.leak)
			}
		})
	}
}
