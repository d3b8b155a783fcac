package svarut

// Shapes SvarUt's own published material gives its answers, beyond the
// OpenAPI files' examples, served by the notes fake over real HTTP.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"postvakt/internal/channel"
	"postvakt/internal/model"
)

// TestKSV1SchemaShapes: KS's JSON schema of the v1 status
// (svarut-rest-klient json/forsendelseStatus.json) gives sisteStatusEndring
// the type ["number","null"] and spells MOTTATT "MOTTAT" in its enum. A
// record so written is read: accepted, with no time (unknown), and no
// error; the next record of the batch is read as usual.
func TestKSV1SchemaShapes(t *testing.T) {
	f := newNFSvarUt(t)
	f.v1[nfID(1)] = fmt.Sprintf(`{"forsendelsesId":{"id":%q},"sisteStatusEndring":null,"status":"MOTTAT"}`, nfID(1))
	f.v1[nfID(2)] = fmt.Sprintf(`{"forsendelsesId":{"id":%q},"sisteStatusEndring":1571379874246,"status":"LEST"}`, nfID(2))
	obs, err := nfAdapter(t, f, APIv1).Status(context.Background(), []string{nfID(1), nfID(2)})
	if err != nil {
		t.Fatal(err)
	}
	if o := obs[0]; o.Err != nil || o.State != model.StateAccepted || !o.ChangedAt.IsZero() {
		t.Errorf("MOTTAT with a null time: %s at %v (%v), want accepted, no time, no error", o.State, o.ChangedAt, o.Err)
	}
	if o := obs[1]; o.Err != nil || o.State != model.StateOpened || o.ChangedAt.UnixMilli() != 1571379874246 {
		t.Errorf("the record after it: %+v", o)
	}
}

// TestNullStatusRecord: Digdir's eFormidling, which polls SvarUt's
// statuses in production, guards against a null status in the answer's
// list (DpfStatusStrategy: "status was null"). A null among the records
// is about no letter: the others are read, and a letter with no record
// besides is unknown to SvarUt, not a failed call.
func TestNullStatusRecord(t *testing.T) {
	f := newNFSvarUt(t)
	f.rec(nfID(1), "LEST", `"2023-01-01T11:33:55.008+01:00"`)
	f.mu.Lock()
	f.records[strings.ToLower(nfID(2))] = []string{"null"}
	f.records[strings.ToLower(nfID(1))] = append([]string{"null"}, f.records[strings.ToLower(nfID(1))]...)
	f.mu.Unlock()
	obs, err := nfAdapter(t, f, APIv2).Status(context.Background(), []string{nfID(1), nfID(2)})
	if err != nil {
		t.Fatalf("a null record failed the call: %v", err)
	}
	if o := obs[0]; o.Err != nil || o.State != model.StateOpened {
		t.Errorf("the letter after a null record: %+v", o)
	}
	if o := obs[1]; !errors.Is(o.Err, channel.ErrNotKnown) {
		t.Errorf("a letter with only a null record: %+v, want unknown to SvarUt", o)
	}
}
