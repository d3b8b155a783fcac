package spreadsheet

import (
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
