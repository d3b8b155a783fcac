package importer

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/transform"

	"postvakt/internal/spreadsheet"
)

// Encodings a CSV file may be read in.
const (
	EncodingAuto        = "auto"         // UTF-8, or Windows-1252 when the file's start is not UTF-8
	EncodingUTF8        = "utf-8"        // UTF-8 only (a UTF-8 byte-order mark is skipped)
	EncodingWindows1252 = "windows-1252" // Excel's "CSV (comma delimited)" on Norwegian and Danish Windows
)

// Input limits.
const (
	// DefaultMaxLine is the longest line (in bytes) a file may have: a
	// row of ten fields within their limits is far shorter, so a longer
	// line is the wrong file or a broken quote.
	DefaultMaxLine = 64 << 10
	// DefaultMaxErrs is how many problems an import keeps; the rest are
	// counted (InvalidError.More).
	DefaultMaxErrs = 1000
	// sniff is how much of the file's start decides its encoding.
	sniff = 64 << 10
)

// undefined1252 are the bytes Windows-1252 has no character for.
func undefined1252(b byte) bool {
	switch b {
	case 0x81, 0x8D, 0x8F, 0x90, 0x9D:
		return true
	}
	return false
}

// open prepares r for the CSV reader: it decides the encoding (see the
// Encoding constants) and the field separator (spreadsheet.Separator),
// decodes Windows-1252 to UTF-8, and bounds line length. A file it cannot
// read is an *InvalidError naming the encoding.
func open(r io.Reader, encoding string, maxLine int) (io.Reader, string, rune, error) {
	br := bufio.NewReaderSize(r, sniff)
	head, err := br.Peek(sniff)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, "", 0, fmt.Errorf("read CSV: %w", err)
	}
	refuse := func(format string, args ...any) (io.Reader, string, rune, error) {
		return nil, "", 0, &InvalidError{Rows: []RowError{{Line: 1, Message: fmt.Sprintf(format, args...)}}}
	}
	sep := spreadsheet.Separator(head)
	if bytes.HasPrefix(head, []byte{0xFF, 0xFE}) || bytes.HasPrefix(head, []byte{0xFE, 0xFF}) {
		return refuse(`the file is UTF-16 (Excel's "Unicode text"); save it as "CSV UTF-8 (comma delimited)" and import that`)
	}
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "", EncodingAuto:
		if validUTF8Start(head, len(head) == sniff) {
			encoding = EncodingUTF8
			break
		}
		for i, b := range head {
			if undefined1252(b) {
				return refuse("the file is neither UTF-8 nor Windows-1252 (byte 0x%02X at byte %d); save it as \"CSV UTF-8 (comma delimited)\"", b, i+1)
			}
		}
		encoding = EncodingWindows1252
	case EncodingUTF8, "utf8":
		encoding = EncodingUTF8
	case EncodingWindows1252, "cp1252", "1252":
		encoding = EncodingWindows1252
	default:
		return nil, "", 0, fmt.Errorf("unknown encoding %q (known: %s, %s, %s)", encoding, EncodingAuto, EncodingUTF8, EncodingWindows1252)
	}
	lr := &lineReader{r: br, max: maxLine, line: 1, check1252: encoding == EncodingWindows1252}
	if encoding == EncodingWindows1252 {
		return transform.NewReader(lr, charmap.Windows1252.NewDecoder()), encoding, sep, nil
	}
	return lr, encoding, sep, nil
}

// validUTF8Start reports whether b is UTF-8; when b may have been cut from
// a longer file, a rune cut at its end does not count.
func validUTF8Start(b []byte, cut bool) bool {
	if utf8.Valid(b) {
		return true
	}
	if !cut {
		return false
	}
	for i := 1; i < utf8.UTFMax && i < len(b); i++ {
		if utf8.Valid(b[:len(b)-i]) && !utf8.FullRune(b[len(b)-i:]) {
			return true
		}
	}
	return false
}

// inputError is a problem with the raw file that stops the import.
type inputError struct {
	line int
	msg  string
}

func (e *inputError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.msg) }

// lineReader passes bytes through and stops with an *inputError at a line
// longer than max bytes, or, for Windows-1252, at a byte that encoding
// does not define.
type lineReader struct {
	r         io.Reader
	max       int
	check1252 bool
	line, col int
	err       error
}

func (l *lineReader) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	n, err := l.r.Read(p)
	for i := 0; i < n; i++ {
		switch b := p[i]; {
		case b == '\n':
			l.line, l.col = l.line+1, 0
			continue
		case l.check1252 && undefined1252(b):
			l.err = &inputError{l.line, fmt.Sprintf("byte 0x%02X is no Windows-1252 character; is the file in another encoding?", b)}
		default:
			l.col++
			if l.col <= l.max {
				continue
			}
			l.err = &inputError{l.line, fmt.Sprintf("longer than %d bytes; is this a CSV file of shipments (or is a quote not closed)?", l.max)}
		}
		return i, nil // the bytes before the problem; the next Read reports it
	}
	return n, err
}
