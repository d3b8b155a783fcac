package spreadsheet

import (
	"strings"
	"testing"
)

// CheckEncoding takes every name Open takes, and names them for another.
func TestCheckEncoding(t *testing.T) {
	for _, name := range []string{"", "auto", "utf-8", "UTF8", " windows-1252 ", "cp1252"} {
		if err := CheckEncoding(name); err != nil {
			t.Errorf("%q: %v", name, err)
		}
	}
	if err := CheckEncoding("latin1"); err == nil || !strings.Contains(err.Error(), `unknown encoding "latin1" (known: auto, utf-8, windows-1252)`) {
		t.Errorf("latin1: %v", err)
	}
}
