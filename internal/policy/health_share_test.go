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

// unit_delivery_drop's ratio of 1 is "at most its usual share reached the
// channel": a unit whose last letters all reached it (3 of 3, its usual
// 100%) would be dropped, at every evaluation. It is refused at its line.
func TestUnitDropRatioOne(t *testing.T) {
	h, problems := ParseHealth("h.yaml", []byte("rules:\n  unit_delivery_drop:\n    ratio: 1\n"))
	if h != nil || len(problems) != 1 || problems[0].Line != 3 || !strings.Contains(problems[0].Message, "ratio: must be less than 1") {
		t.Errorf("ratio: 1: %v", problems)
	}
	if _, problems := ParseHealth("h.yaml", []byte("rules:\n  unit_delivery_drop:\n    ratio: 0\n")); len(problems) > 0 {
		t.Errorf("ratio: 0 (none reached it): %v", problems)
	}
}
