package policy

import (
	"strings"
	"testing"
)

// channel_silent's error_share of 0 is no share of failed calls at all:
// any min_calls calls, none failed, would be "0 of 5 calls failed" and a
// critical alert at every evaluation. It is refused at its line.
func TestChannelSilentErrorShareZero(t *testing.T) {
	for _, v := range []string{"0", "0.0"} {
		h, problems := ParseHealth("h.yaml", []byte("rules:\n  channel_silent:\n    error_share: "+v+"\n"))
		if h != nil || len(problems) != 1 || problems[0].Line != 3 || !strings.Contains(problems[0].Message, "error_share: must be more than 0") {
			t.Errorf("error_share: %s: %v", v, problems)
		}
	}
	if _, problems := ParseHealth("h.yaml", []byte("rules:\n  channel_silent:\n    error_share: 1\n")); len(problems) > 0 {
		t.Errorf("error_share: 1 (every call failed): %v", problems)
	}
}
