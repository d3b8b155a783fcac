package spreadsheet

import (
	"encoding/csv"
	"errors"
	"fmt"

	"postvakt/internal/i18n"
)

// LineError is one problem of a file people bring (letters, contacts,
// units) at a line and, when it is one cell's, a column: Message in
// English (what the command line prints), Reason the same problem as a
// catalogue phrase (keys problem.*), for a page in its reader's language.
// A problem without a Reason (an error the reader names in English only)
// has its Message. The letters import (importer.RowError) and the
// contacts and units files (remind.ContactError) report it.
type LineError struct {
	Line    int
	Column  string // the column's name in the header, or "" for the line as a whole
	Message string
	Reason  i18n.Phrase
}

// NewLineError is the problem reason at line and column, its Message the
// reason's English.
func NewLineError(line int, column string, reason i18n.Phrase) LineError {
	return LineError{Line: line, Column: column, Message: reason.English(), Reason: reason}
}

func (e LineError) Error() string {
	if e.Column == "" {
		return fmt.Sprintf("line %d: %s", e.Line, e.Message)
	}
	return fmt.Sprintf("line %d, column %s: %s", e.Line, e.Column, e.Message)
}

// LineError is the file's problem as a problem of its line.
func (e *FileError) LineError() LineError {
	return LineError{Line: e.Line, Message: e.Message, Reason: e.Reason}
}

// ReadProblem is where and what the problem of a CSV reader's error over
// a file Open prepared is, when it is the file's (ok false for another
// error): a FileError's, or a csv.ParseError's (a quote error said by its
// key, as the csv package words it), at the line a quoted field that went
// on over lines opened on (an unclosed quote swallows what follows, and
// the reader notices at the file's end). The letters, contacts and units
// files report it.
func ReadProblem(err error) (p LineError, ok bool) {
	var fe *FileError
	var pe *csv.ParseError
	switch {
	case errors.As(err, &fe):
		return fe.LineError(), true
	case errors.As(err, &pe):
		var what any = pe.Err.Error()
		if k, ok := csvProblems[pe.Err]; ok {
			what = i18n.P(k)
		}
		if pe.StartLine > 0 && pe.StartLine < pe.Line {
			return NewLineError(pe.StartLine, "", i18n.P("problem.csv_quote_open", "Line", pe.Line, "Problem", what)), true
		}
		return NewLineError(pe.Line, "", i18n.P("problem.csv_at", "At", pe.Column, "Problem", what)), true
	}
	return LineError{}, false
}

// csvProblems are the keys of the CSV reader's errors, whose English is
// encoding/csv's.
var csvProblems = map[error]string{
	csv.ErrBareQuote: "problem.csv_bare_quote",
	csv.ErrQuote:     "problem.csv_quote",
}
