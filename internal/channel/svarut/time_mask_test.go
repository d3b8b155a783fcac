package svarut

import (
	"errors"
	"strings"
	"testing"

	"postvakt/internal/channel"
)

// TestUnreadableTimeQuotedMasked: a sisteStatusEndring postvakt cannot read
// is quoted in the letter's error (its poll error, the poll's log line,
// the UI), and a national id in it (a mis-mapped field) masked there, as
// the house masks one: its date kept, the rest not. A fødselsnummer or a
// CPR number sent as a number has lost its leading zero; the error quoted
// it as the number read, which for "0101801234" showed nine of its ten
// digits. Epoch seconds whose first six digits are no date (1700000000)
// cannot be an id and stay readable, with the time they name; those that
// are one (1712345678: 17.12.34) are masked, and the time they name, which
// gives every digit back, is left out.
func TestUnreadableTimeQuotedMasked(t *testing.T) {
	cases := []struct {
		raw  string
		want []string // in the error
		leak []string // not in it
	}{
		{raw: `"01029400470"`, want: []string{"010294*****"}, leak: []string{"9400470"}},
		{raw: `1029400470`, want: []string{"10294*****", "epoch seconds"}, leak: []string{"9400470", "2002-08-15"}},
		{raw: `"fnr 01029400470"`, want: []string{"010294*****"}, leak: []string{"9400470"}},
		{raw: `"0101801234"`, want: []string{"010180****"}, leak: []string{"1801234"}},
		{raw: `101801234`, want: []string{"10180****"}, leak: []string{"1801234"}},
		{raw: `"010180-1234"`, want: []string{"010180-****"}, leak: []string{"1234"}},
		{raw: `1712345678`, want: []string{"171234****", "epoch seconds"}, leak: []string{"45678", "2024-04-05T19:34:38Z"}},
		{raw: `1700000000`, want: []string{"1700000000", "2023-11-14T22:13:20Z"}},
	}
	var raws []string
	for _, c := range cases {
		raws = append(raws, c.raw)
	}
	for i, o := range lestAt(t, raws) {
		c := cases[i]
		if !errors.Is(o.Err, channel.ErrBadTimestamp) {
			t.Errorf("%s: %v; want ErrBadTimestamp", c.raw, o.Err)
			continue
		}
		msg := o.Err.Error()
		for _, w := range c.want {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: %q, want %q in it", c.raw, msg, w)
			}
		}
		for _, l := range c.leak {
			if strings.Contains(msg, l) {
				t.Errorf("%s: %q shows %q", c.raw, msg, l)
			}
		}
	}
}
