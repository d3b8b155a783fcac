package svarut

import (
	"net/http"
	"os"
	"testing"

	"postvakt/internal/httpclient/spectest"
)

func spectestSkip(w http.ResponseWriter) { spectest.SkipResponse(w) }

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
