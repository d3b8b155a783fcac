package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/lib/pq"
)

// commitSent: only a commit that went out and got no answer may have been
// applied; everything answered before sending it, or refused by the
// server, stored nothing.
func TestCommitSent(t *testing.T) {
	for _, c := range []struct {
		err  error
		sent bool
	}{
		{io.ErrUnexpectedEOF, true},                            // the connection broke after COMMIT went out
		{fmt.Errorf("read: %w", io.EOF), true},                 // likewise, wrapped
		{context.Canceled, false},                              // database/sql rolled back, never sent
		{context.DeadlineExceeded, false},                      // likewise
		{sql.ErrTxDone, false},                                 // the transaction had ended
		{pq.ErrInFailedTransaction, false},                     // lib/pq rolled back a failed transaction
		{&pq.Error{Code: "40001"}, false},                      // the server refused the commit
		{fmt.Errorf("x: %w", &pq.Error{Code: "23505"}), false}, // wrapped refusal
	} {
		if got := commitSent(c.err); got != c.sent {
			t.Errorf("commitSent(%v) = %v, want %v", c.err, got, c.sent)
		}
	}
	if commitSent(errors.New("driver: bad connection")) != true {
		t.Error("an unknown driver error must count as possibly sent (the safe answer)")
	}
}
