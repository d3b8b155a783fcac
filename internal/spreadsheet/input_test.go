package spreadsheet

import (
	"errors"
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

// A workbook (XLSX, a ZIP archive; XLS, an OLE file) is refused at line 1
// as a workbook, not read as Windows-1252 text into control-character
// problems.
func TestOpenRefusesWorkbooks(t *testing.T) {
	for name, start := range map[string]string{"xlsx": "PK\x03\x04\x14\x00\x06\x00", "xls": "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"} {
		_, err := Open(strings.NewReader(start+"[Content_Types].xml"), EncodingAuto, 0)
		var fe *FileError
		if !errors.As(err, &fe) || fe.Line != 1 || !strings.Contains(fe.Message, "the file is an Excel workbook") {
			t.Errorf("%s: %v, want a workbook refused at line 1", name, err)
		}
	}
}
