package spreadsheet

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

	"postvakt/internal/i18n"
)

// Encodings a CSV file may be read in.
const (
	EncodingAuto        = "auto"         // UTF-8, or Windows-1252 when the file's start is not UTF-8
	EncodingUTF8        = "utf-8"        // UTF-8 only (a UTF-8 byte-order mark is skipped)
	EncodingWindows1252 = "windows-1252" // Excel's "CSV (comma delimited)" on Norwegian and Danish Windows
)

// DefaultMaxLine is the longest line (in bytes) Open lets through by
// default: a row of the files people bring (letters, contacts, units) is
// far shorter, so a longer line is the wrong file or a broken quote.
const DefaultMaxLine = 64 << 10

// sniff is how much of the file's start decides its encoding and
// separator.
const sniff = 64 << 10

// ErrUTF8 is the cause of the FileError for a file read as Windows-1252
// whose bytes are UTF-8 with letters outside ASCII: read so, "æ" would
// become "Ã¦".
var ErrUTF8 = errors.New("the file is UTF-8, not Windows-1252")

// FileError is a problem with the raw file (its encoding, a line too
// long) at a line. Open returns one for a file it cannot read, and the
// reader it returns fails with one where the problem is.
type FileError struct {
	Line    int
	Message string      // in English: Reason's
	Reason  i18n.Phrase // the problem as a catalogue phrase (keys problem.file_*)
	Err     error       // the cause, when it has a name (ErrUTF8), else nil
}

func fileError(line int, cause error, key string, args ...any) *FileError {
	r := i18n.P(key, args...)
	return &FileError{Line: line, Message: r.English(), Reason: r, Err: cause}
}

func (e *FileError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Message) }

func (e *FileError) Unwrap() error { return e.Err }

// Input is a CSV file as Open prepared it.
type Input struct {
	// Reader gives the file's text in UTF-8, without a byte-order mark.
	io.Reader
	Encoding  string // the encoding it is read in: EncodingUTF8 or EncodingWindows1252
	Separator rune   // the field separator (Separator)
}

// CheckEncoding is nil for an encoding name Open takes, or the error
// naming the ones it takes: a command can refuse a wrong --encoding before
// it opens anything.
func CheckEncoding(encoding string) error {
	_, err := Open(strings.NewReader(""), encoding, 0)
	return err
}

// Open prepares r for a CSV reader: it decides the encoding (see the
// Encoding constants; "" is EncodingAuto) and the field separator
// (Separator), drops a UTF-8 byte-order mark, decodes Windows-1252 to
// UTF-8, and bounds line length to maxLine bytes (DefaultMaxLine when 0 or
// less). A file it cannot read is a *FileError naming the encoding; an
// unknown encoding name and a failing reader are other errors.
func Open(r io.Reader, encoding string, maxLine int) (Input, error) {
	if maxLine <= 0 {
		maxLine = DefaultMaxLine
	}
	br := bufio.NewReaderSize(r, sniff+utf8.UTFMax)
	head, err := br.Peek(sniff)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return Input{}, fmt.Errorf("read the file's start: %w", err)
	}
	refuse := func(line int, cause error, key string, args ...any) (Input, error) {
		return Input{}, fileError(line, cause, key, args...)
	}
	if bytes.HasPrefix(head, []byte("PK\x03\x04")) || bytes.HasPrefix(head, []byte{0xD0, 0xCF, 0x11, 0xE0}) {
		// An .xlsx is a ZIP archive, an .xls an OLE file: read as text,
		// their bytes would be a wall of problems about control characters.
		return refuse(1, nil, "problem.file_workbook")
	}
	if bytes.HasPrefix(head, []byte{0xFF, 0xFE}) || bytes.HasPrefix(head, []byte{0xFE, 0xFF}) || utf16Text(head) {
		return refuse(1, nil, "problem.file_utf16")
	}
	if len(head) == sniff {
		// The file may go on past head: a character cut at the window's
		// edge is read whole, so that its first byte alone (a
		// Windows-1252 æ, 0xE6, as byte 65,536) is no sign of UTF-8.
		head = wholeTail(br, head)
	}
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "", EncodingAuto:
		if utf8.Valid(head) {
			encoding = EncodingUTF8
			break
		}
		if EncodingOf(head) == EncodingUTF8 {
			// UTF-8 beside bytes that are not: neither, refused at the
			// first of those, not read as Windows-1252 (the UTF-8 æ would
			// become "Ã¦").
			i := firstInvalidUTF8(head)
			return refuse(1+bytes.Count(head[:i], []byte{'\n'}), nil, "problem.file_encoding", "Byte", fmt.Sprintf("%02X", head[i]), "At", i+1)
		}
		for i, b := range head {
			if undefined1252(b) {
				return refuse(1+bytes.Count(head[:i], []byte{'\n'}), nil, "problem.file_encoding", "Byte", fmt.Sprintf("%02X", b), "At", i+1)
			}
		}
		encoding = EncodingWindows1252
	case EncodingUTF8, "utf8":
		encoding = EncodingUTF8
	case EncodingWindows1252, "cp1252", "1252":
		encoding = EncodingWindows1252
		if utf8.Valid(head) {
			// Text in Windows-1252 whose bytes with the high bit set all
			// form UTF-8 sequences ("Ã¦" for "æ") is not what anyone
			// writes: this is a UTF-8 file.
			if i := bytes.IndexFunc(head, func(r rune) bool { return r >= utf8.RuneSelf }); i >= 0 {
				r, _ := utf8.DecodeRune(head[i:])
				line := 1 + bytes.Count(head[:i], []byte{'\n'})
				if r == '\uFEFF' {
					return refuse(line, ErrUTF8, "problem.file_utf8_bom")
				}
				return refuse(line, ErrUTF8, "problem.file_utf8", "Char", fmt.Sprintf("%q", string(r)), "Line", line)
			}
		}
	default:
		return Input{}, fmt.Errorf("unknown encoding %q (known: %s, %s, %s)", encoding, EncodingAuto, EncodingUTF8, EncodingWindows1252)
	}
	for bom := []byte("\xEF\xBB\xBF"); encoding == EncodingUTF8 && bytes.HasPrefix(head, bom); {
		// Out of the stream, not only out of the first cell's text: a
		// quoted first cell must start with its quote. Every one: a tool
		// that adds a byte-order mark may add it to a file that has one.
		_, _ = br.Discard(len(bom))
		head = head[len(bom):]
	}
	sep, hinted := sepLine(head)
	if hinted {
		// Excel's separator hint, "sep=;" on the first line: no header.
		// Its line stays, empty (the CSV reader skips it), so that the
		// lines after it keep their numbers.
		_, _ = br.Discard(len("sep=;"))
	} else {
		sep = Separator(head)
	}
	lr := &lineReader{r: br, max: maxLine, maxRecord: recordLines * maxLine, line: 1, start: 1, check1252: encoding == EncodingWindows1252}
	if encoding == EncodingWindows1252 {
		return Input{Reader: transform.NewReader(lr, charmap.Windows1252.NewDecoder()), Encoding: encoding, Separator: sep}, nil
	}
	return Input{Reader: lr, Encoding: encoding, Separator: sep}, nil
}

// sepLine is the separator a file starting with head names on its first
// line, as exports meant for Excel write it ("sep=;" or "sep=,", in any
// case, the line holding nothing else), and ok; else ok is false.
func sepLine(head []byte) (sep rune, ok bool) {
	const n = len("sep=;")
	if len(head) < n || !bytes.EqualFold(head[:4], []byte("sep=")) || (head[4] != ';' && head[4] != ',') {
		return 0, false
	}
	if rest := head[n:]; len(rest) > 0 && !bytes.HasPrefix(rest, []byte("\n")) && !bytes.HasPrefix(rest, []byte("\r\n")) {
		return 0, false
	}
	return rune(head[4]), true
}

// Blank says whether a record has nothing but spaces in its fields: what
// Excel writes, as separators alone (";;;;"), for an empty row in a sheet's
// used range. It is no row, as an empty line is none.
func Blank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// utf16Text says whether head, a file's start, is UTF-16 text without a
// byte-order mark (SQL Server's bcp -w, .NET's Encoding.Unicode written
// without its preamble): a zero byte in one half of most of its first
// pairs of bytes and in next to none of the other, as ASCII letters are
// in either byte order. Read as UTF-8, its zero bytes would be NULs and
// its header a row of unknown columns; a CSV file in UTF-8 or
// Windows-1252 has no NUL.
func utf16Text(head []byte) bool {
	pairs := min(len(head), 512) / 2
	if pairs < 2 {
		return false
	}
	var zero [2]int // pairs whose first, whose second byte is zero
	for i := 0; i < pairs; i++ {
		for j := range zero {
			if head[2*i+j] == 0 {
				zero[j]++
			}
		}
	}
	most, few := pairs/2, pairs/10
	return zero[0] > most && zero[1] <= few || zero[1] > most && zero[0] <= few
}

// undefined1252 are the bytes Windows-1252 has no character for.
func undefined1252(b byte) bool {
	switch b {
	case 0x81, 0x8D, 0x8F, 0x90, 0x9D:
		return true
	}
	return false
}

// EncodingOf decides the encoding of a whole file held in b, as Open
// decides it from the file's start: EncodingUTF8 when b is UTF-8, and
// also when UTF-8 sequences stand beside bytes that are not (text of both
// kinds is refused by the line of the first bad byte, not read as
// Windows-1252, which would turn the UTF-8 æ into "Ã¦"); else
// EncodingWindows1252 (Excel's "CSV (comma delimited)", whose first æ may
// stand past what Open looks at), or EncodingAuto for a byte Windows-1252
// has no character for (Open refuses the file naming it). The UI's import
// has the whole upload, and no --encoding to offer.
func EncodingOf(b []byte) string {
	if utf8.Valid(b) {
		return EncodingUTF8
	}
	undefined := false
	for i := 0; i < len(b); i++ {
		if b[i] < utf8.RuneSelf {
			continue
		}
		if r, n := utf8.DecodeRune(b[i:]); r != utf8.RuneError || n > 1 {
			return EncodingUTF8
		}
		undefined = undefined || undefined1252(b[i])
	}
	if undefined {
		return EncodingAuto
	}
	return EncodingWindows1252
}

// firstInvalidUTF8 is the index of b's first byte that is not part of
// a UTF-8 sequence (len(b) when there is none).
func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(b)
}

// recordLines is how many times the longest line a record (a row whose
// quoted fields hold line breaks) may be long: an unclosed quote would
// otherwise make the CSV reader gather the rest of the file, every line of
// it short, into one field in memory.
const recordLines = 16

// lineReader passes bytes through and stops with a *FileError at a line
// longer than max bytes, at a record (lines joined by line breaks inside
// quotes) longer than maxRecord bytes, named by the line it starts on, or,
// for Windows-1252, at a byte that encoding does not define or at a UTF-8
// sequence of a letter outside ASCII: a file mixing the two, whose UTF-8
// "æ" would be stored as "Ã¦" (Open sees only the file's start).
type lineReader struct {
	r         io.Reader
	max       int
	maxRecord int
	check1252 bool
	line, col int
	// off is how many bytes were read; seq the bytes since the last
	// that could start a UTF-8 sequence (check1252), while they may.
	off int
	seq []byte
	// start is the line the current record starts on, rec its bytes so
	// far, quoted whether a quote is open (the CSV reader refuses a quote
	// within an unquoted field before this reader could miscount one).
	start, rec int
	quoted     bool
	err        error
}

func (l *lineReader) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	n, err := l.r.Read(p)
	for i := 0; i < n; i++ {
		b := p[i]
		if b == '"' {
			l.quoted = !l.quoted
		}
		l.off++
		if l.check1252 && l.utf8Seq(b) {
			l.err = fileError(l.line, nil, "problem.file_encoding", "Byte", fmt.Sprintf("%02X", l.seq[0]), "At", l.off-len(l.seq)+1)
			return i, nil
		}
		if l.rec++; l.rec > l.maxRecord {
			l.err = fileError(l.start, nil, "problem.file_long_line", "Max", l.maxRecord)
			return i, nil
		}
		switch {
		case b == '\n':
			l.line, l.col = l.line+1, 0
			if !l.quoted {
				l.start, l.rec = l.line, 0
			}
			continue
		case l.check1252 && undefined1252(b):
			l.err = fileError(l.line, nil, "problem.file_byte_1252", "Byte", fmt.Sprintf("%02X", b))
		default:
			l.col++
			if l.col <= l.max {
				continue
			}
			l.err = fileError(l.line, nil, "problem.file_long_line", "Max", l.max)
		}
		return i, nil // the bytes before the problem; the next Read reports it
	}
	return n, err
}

// utf8Seq takes b, the next byte of a file read as Windows-1252, and
// says whether it ends a UTF-8 sequence of a character outside ASCII (the
// sequence is then l.seq).
func (l *lineReader) utf8Seq(b byte) bool {
	if len(l.seq) > 0 && b >= 0x80 && b <= 0xBF { // a continuation byte
		if l.seq = append(l.seq, b); utf8.FullRune(l.seq) {
			r, _ := utf8.DecodeRune(l.seq)
			if r != utf8.RuneError {
				return true
			}
			l.seq = l.seq[:0]
		}
		return false
	}
	l.seq = l.seq[:0]
	if b >= 0xC2 && b <= 0xF4 { // a lead byte of a character past U+007F
		l.seq = append(l.seq, b)
	}
	return false
}

// wholeTail returns head (br's first bytes, peeked) with its last
// character whole: when head ends inside a UTF-8 sequence, the up to
// three bytes after it that complete it, or the one byte that starts it
// when they do not (not UTF-8, then).
func wholeTail(br *bufio.Reader, head []byte) []byte {
	n := len(head)
	for i := 1; i < utf8.UTFMax && i <= n; i++ {
		if !utf8.RuneStart(head[n-i]) {
			continue
		}
		if utf8.FullRune(head[n-i:]) {
			return head
		}
		more, _ := br.Peek(n + utf8.UTFMax - 1)
		_, size := utf8.DecodeRune(more[n-i:])
		return more[:n-i+size]
	}
	return head
}
