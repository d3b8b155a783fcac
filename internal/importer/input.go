package importer

import (
	"errors"
	"io"

	"postvakt/internal/i18n"
	"postvakt/internal/spreadsheet"
)

// Encodings a CSV file may be read in (spreadsheet.Open).
const (
	EncodingAuto        = spreadsheet.EncodingAuto        // UTF-8, or Windows-1252 when the file's start is not UTF-8
	EncodingUTF8        = spreadsheet.EncodingUTF8        // UTF-8 only (a UTF-8 byte-order mark is skipped)
	EncodingWindows1252 = spreadsheet.EncodingWindows1252 // Excel's "CSV (comma delimited)" on Norwegian and Danish Windows
)

// Input limits.
const (
	// DefaultMaxLine is the longest line (in bytes) a file may have: a
	// row of ten fields within their limits is far shorter, so a longer
	// line is the wrong file or a broken quote.
	DefaultMaxLine = spreadsheet.DefaultMaxLine
	// DefaultMaxErrs is how many problems an import keeps; the rest are
	// counted (InvalidError.More).
	DefaultMaxErrs = 1000
)

// open prepares r for the CSV reader (spreadsheet.Open: encoding,
// byte-order mark, separator, line length). A file it cannot read is an
// *InvalidError naming the encoding.
func open(r io.Reader, encoding string, maxLine int) (spreadsheet.Input, error) {
	in, err := spreadsheet.Open(r, encoding, maxLine)
	var fe *spreadsheet.FileError
	if errors.As(err, &fe) {
		e := fe.LineError()
		if errors.Is(err, spreadsheet.ErrUTF8) {
			e = spreadsheet.NewLineError(fe.Line, "", i18n.P("problem.file_utf8_hint", "Problem", fe.Reason))
		}
		return in, &InvalidError{Rows: []RowError{e}}
	}
	return in, err
}
