package storetest

import (
	"context"
	"testing"

	"postvakt/internal/store"
)

// PrintError returns what a letter keeps of its print order's last failure:
// the order's last_error and the messages of the letter's print_error
// events, oldest first.
func PrintError(t testing.TB, st *store.Store, id string) (lastError string, messages []string) {
	t.Helper()
	if err := st.DB().Get(&lastError, `SELECT last_error FROM print_orders WHERE shipment_id = $1`, id); err != nil {
		t.Fatal(err)
	}
	evs, err := st.Events(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range evs {
		if ev.Kind == store.EventPrintError {
			messages = append(messages, ev.Message)
		}
	}
	return lastError, messages
}
