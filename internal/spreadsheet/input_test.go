package spreadsheet

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"unicode/utf8"
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

// TestOpenDecidesOnACharacterAtTheWindowEdge: the encoding is decided on
// the file's first 64 KiB; a character whose first byte is the window's
// last is read whole. A Windows-1252 æ there (one byte, 0xE6) is no sign
// of UTF-8, automatically or with the encoding given; a UTF-8 æ there
// (0xC3 0xA6) still makes the file UTF-8. (Found by an independent review
// of the import: such a file could be imported by no route.)
func TestOpenDecidesOnACharacterAtTheWindowEdge(t *testing.T) {
	const window = 64 << 10
	file := func(char string) []byte {
		b := []byte("a,b\n" + strings.Repeat("x", window-6) + "\n")
		return append(append(b, char...), "rum,2\n"...)
	}
	for _, tc := range []struct {
		name, char, encoding string
		want                 string
	}{
		{"Windows-1252 æ, detected", "\xe6", "", EncodingWindows1252},
		{"Windows-1252 æ, given", "\xe6", EncodingWindows1252, EncodingWindows1252},
		{"Windows-1252 Å, detected", "\xc5", "", EncodingWindows1252},
		{"UTF-8 æ, detected", "æ", "", EncodingUTF8},
		{"UTF-8 € (three bytes), detected", "€", "", EncodingUTF8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := file(tc.char)
			if data[window-1] != tc.char[0] {
				t.Fatalf("byte %d is %02X, want the character's first", window-1, data[window-1])
			}
			in, err := Open(bytes.NewReader(data), tc.encoding, 0)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if in.Encoding != tc.want {
				t.Errorf("encoding %s, want %s", in.Encoding, tc.want)
			}
			text, err := io.ReadAll(in)
			if err != nil || !strings.HasSuffix(string(text), "rum,2\n") || !utf8.Valid(text) {
				t.Errorf("read: %v, %q", err, text[len(text)-12:])
			}
		})
	}
}
