package svarut

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"postvakt/internal/channel"
)

// TestBadAnswerKeptAsReceived: a broken status answer in ISO-8859-1 (a
// Java server's) is kept as the length and SHA-256 of the bytes SvarUt
// sent, with their charset, not of postvakt's UTF-8 reading of them: the
// hash must match the channel's copy.
func TestBadAnswerKeptAsReceived(t *testing.T) {
	body := []byte(`{"statuser":[{"id":"` + idA + `","status":"LEST","tekst":"Lest p` + "\xe5" + ` Altinn"`)
	sum := sha256.Sum256(body)
	f := newFake(t)
	f.override = func(w http.ResponseWriter, _ *http.Request, _ int) bool {
		spectestSkip(w)
		w.Header().Set("Content-Type", "application/json; charset=ISO-8859-1")
		_, _ = w.Write(body)
		return true
	}
	c := newAdapter(t, f, setup{})
	_, err := c.Status(context.Background(), []string{idA})
	var bad *channel.BadResponseError
	if !errors.As(err, &bad) {
		t.Fatalf("err %v, want a *channel.BadResponseError", err)
	}
	for _, want := range []string{fmt.Sprintf(`"bytes":%d`, len(body)), `"sha256":"` + hex.EncodeToString(sum[:]) + `"`, `"charset":"iso-8859-1"`} {
		if !strings.Contains(bad.Raw(), want) {
			t.Errorf("kept %s, want %s", bad.Raw(), want)
		}
	}
}
