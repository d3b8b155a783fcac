package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// TestChannelCallsLongErrorWithNonASCII: a failed call's error (e.g. a
// SvarUt 5xx whose Norwegian message the StatusError quotes with %q, which
// keeps æøå as UTF-8) longer than 500 bytes with a multi-byte character
// across byte 500 is cut before the character, so PostgreSQL takes it and
// the batch's calls, errors and last error are recorded (channel_silent,
// the operations page).
func TestChannelCallsLongErrorWithNonASCII(t *testing.T) {
	st := storetest.Open(t)
	ctx := context.Background()
	prefix := `svarut POST /v2/kontoer/x/forsendelser/status-sok: HTTP 503: "{\"message\":\"Feil på tjenesten: `
	msg := prefix + strings.Repeat("a", 499-len(prefix)) + strings.Repeat("ø", 50) + `\"}"` // "ø" is bytes 499 and 500
	err := st.RecordChannelCalls(ctx, store.ChannelCalls{Channel: "svarut", At: time.Now(), Calls: 1, Errors: 1, LastError: msg})
	if err != nil {
		t.Errorf("recording a failed call was refused: %v", err)
	}
	acts, err := st.ChannelActivities(ctx, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(acts) != 1 || acts[0].Errors != 1 {
		t.Errorf("channel activity %+v, want svarut with its failed call", acts)
	}
}
