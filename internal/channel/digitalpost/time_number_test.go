package digitalpost

import (
	"strings"
	"testing"
)

// TestTinyNumberIsNoTime: timeEvidence drops 1e-20000 as it drops
// 1e1000000 (ParseFloat underflows it to 0 without an error), which
// PostgreSQL's jsonb refuses just the same ("value overflows numeric
// format").
func TestTinyNumberIsNoTime(t *testing.T) {
	raw := `{"id":"ev-1","eventId":"e-1","eventTag":"MEMO_AVAILABLE_TO_RECIPIENT","eventTime":1e-20000,"created":"2026-11-20T11:00:00.000Z","metaProperties":{"messageUUID":"0b6d3c5e-1f2a-4b3c-8d4e-00000000000a","senderID":"64942212","recipientID":"12345678","recipientType":"COMPANY"}}`
	fe := parseEvent([]byte(raw))
	t.Logf("err=%v state=%s payload=%s", fe.Err, fe.State, fe.Payload)
	if fe.Err == nil && strings.Contains(string(fe.Payload), "1e-20000") {
		t.Errorf("eventTime 1e-20000 is kept in the evidence; jsonb cannot hold it")
	}
}
