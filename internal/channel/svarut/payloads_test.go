package svarut

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"postvakt/internal/model"
)

const payloads = "../../../testdata/payloads/svarut/"

func payload(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(payloads + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestRealPayloads runs the adapter on SvarUt answers as they were
// published (testdata/payloads): a v1 status answer with epoch
// milliseconds, and a v1 history whose texts, SvarUt's own, name the
// recipient and the reader by national id, which the evidence keeps
// masked.
func TestRealPayloads(t *testing.T) {
	const id = "d24658e8-d65d-4c3e-b201-564b5e880cde"
	// SvarUt's history texts of one letter (SOAP v9's hendelsesLogg), in
	// the REST v1 answer's shape.
	var soap struct {
		Logg []json.RawMessage `json:"hendelsesLogg"`
	}
	if err := json.Unmarshal(payload(t, "soapv9-historikk-print-then-read.json"), &soap); err != nil || len(soap.Logg) == 0 {
		t.Fatalf("the SOAP history: %v", err)
	}
	v1History, _ := json.Marshal(map[string]any{"hendelsesLogger": soap.Logg})
	answers := map[string][]byte{"statuser": payload(t, "v1-statuser-epochms.json"), "historikk": v1History}
	f := newFake(t)
	f.override = func(w http.ResponseWriter, r *http.Request, _ int) bool {
		for suffix, body := range answers {
			if strings.HasSuffix(r.URL.Path, "/"+suffix) {
				spectestSkip(w)
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write(body)
				return true
			}
		}
		return false
	}
	c := newAdapter(t, f, setup{api: APIv1})
	obs, err := c.Status(context.Background(), []string{id})
	if err != nil || len(obs) != 1 {
		t.Fatalf("status: %v", err)
	}
	if o := obs[0]; o.Err != nil || o.Status != "SENDT_PRINT" || o.State != model.StateAvailable || !o.ChangedAt.Equal(time.UnixMilli(1571379874246)) {
		t.Errorf("the v1 status answer read as %s %s at %s (%v)", o.Status, o.State, o.ChangedAt, o.Err)
	}
	h, err := c.History(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"01029400470", "11111111111"} {
		if bytes.Contains(h, []byte(id)) {
			t.Errorf("the national id %s is kept in the evidence: %s", id, h)
		}
	}
	if !bytes.Contains(h, []byte("Mottaker 010294***** er registert")) || !bytes.Contains(h, []byte("av 111111***** hos avsender")) ||
		!bytes.Contains(h, []byte("Sendt til manuell print")) || !json.Valid(h) {
		t.Errorf("the history lost more than the ids: %s", h)
	}
	// A history that is not what it should be is an error whose excerpt
	// keeps no national id either.
	answers["historikk"] = []byte(`{"hendelser":"Lest eksternt av 01029400470"}`)
	if _, err := c.History(context.Background(), id); err == nil || strings.Contains(err.Error(), "01029400470") {
		t.Errorf("a bad history: %v, want an error without the national id", err)
	}
	answers["historikk"] = payload(t, "v1-historikk-trimmed.json")
	if h, err := c.History(context.Background(), id); err != nil || !bytes.Contains(h, []byte("Metadata er validert OK")) {
		t.Errorf("the published v1 history: %s %v", h, err)
	}
}
