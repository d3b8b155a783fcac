package remind

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"slices"
	"strings"
	"unicode"

	"postvakt/internal/model"
	"postvakt/internal/spreadsheet"
	"postvakt/internal/store"
)

// ContactColumns is the header of a contacts CSV file, in any order.
var ContactColumns = []string{"orgnr", "email"}

// ContactError is one problem in a contacts file.
type ContactError struct {
	Line    int
	Column  string // "orgnr", "email", or empty for the row as a whole
	Message string
}

func (e ContactError) Error() string {
	if e.Column == "" {
		return fmt.Sprintf("line %d: %s", e.Line, e.Message)
	}
	return fmt.Sprintf("line %d, column %s: %s", e.Line, e.Column, e.Message)
}

// InvalidContactsError lists every problem of a contacts file; nothing of
// it is to be stored.
type InvalidContactsError struct{ Problems []ContactError }

// Rows returns the problems, by line and column.
func (e *InvalidContactsError) Rows() []ContactError { return e.Problems }

func (e *InvalidContactsError) Error() string {
	return fmt.Sprintf("%d problem(s) in the contacts file; nothing was imported", len(e.Problems))
}

// ParseContacts reads a CSV file with the header orgnr,email (any order,
// no other columns) and one address per row. Organisation numbers are
// checked (Norwegian mod-11 or Danish CVR), addresses must be plain
// addresses (user@domain). Every problem is reported, as an
// *InvalidContactsError; a file with any problem yields no contacts.
func ParseContacts(r io.Reader) ([]store.Contact, error) {
	var out []store.Contact
	problems, err := ReadTable(r, ContactColumns, func(line int, get func(string) string, bad func(col, format string, args ...any)) {
		org, email := get("orgnr"), get("email")
		ok := true
		if org == "" {
			bad("orgnr", "required")
			ok = false
		} else if err := model.CheckOrgNumber(org); err != nil {
			bad("orgnr", "%v", err)
			ok = false
		}
		if msg := CheckEmail(email); msg != "" {
			bad("email", "%s", msg)
			ok = false
		}
		if ok {
			out = append(out, store.Contact{Org: org, Email: email})
		}
	})
	if err != nil {
		return nil, fmt.Errorf("read contacts CSV: %w", err)
	}
	if len(problems) > 0 {
		return nil, &InvalidContactsError{problems}
	}
	if len(out) == 0 {
		return nil, &InvalidContactsError{[]ContactError{{Line: 2, Message: "no contacts in the file"}}}
	}
	return out, nil
}

// ReadTable reads a CSV file whose header names exactly columns (in any
// order, case ignored) and calls row for each record with its line, the
// trimmed value of a column, and bad to report a problem in it. The file
// is opened as the letters import opens it (spreadsheet.Open: UTF-8 with
// or without a byte-order mark, or Windows-1252 as Excel writes it; the
// separator; lines of at most spreadsheet.DefaultMaxLine bytes). A value
// with a control character is a problem of its line and column, never
// passed to row. It returns every
// problem (file, header, shape, and what row reported); the error is for a
// failing reader only. Contacts and units files use it.
func ReadTable(r io.Reader, columns []string, row func(line int, get func(string) string, bad func(col, format string, args ...any))) ([]ContactError, error) {
	want := strings.Join(columns, ",")
	in, err := spreadsheet.Open(r, spreadsheet.EncodingAuto, 0)
	var fe *spreadsheet.FileError
	if errors.As(err, &fe) {
		return []ContactError{{Line: fe.Line, Message: fe.Message}}, nil
	}
	if err != nil {
		return nil, err
	}
	cr := csv.NewReader(in)
	cr.Comma = in.Separator
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	var problems []ContactError
	bad := func(line int, col, format string, args ...any) {
		problems = append(problems, ContactError{Line: line, Column: col, Message: fmt.Sprintf(format, args...)})
	}
	var header []string
	for {
		header, err = cr.Read()
		if err != nil || !spreadsheet.Blank(header) {
			break // a blank line before the header is none
		}
	}
	if errors.Is(err, io.EOF) {
		return []ContactError{{Line: 1, Message: "empty file: expected the header " + want}}, nil
	}
	if line, msg, ok := readProblem(err); ok {
		return []ContactError{{Line: line, Message: msg}}, nil
	}
	if err != nil {
		return nil, err
	}
	hl, _ := cr.FieldPos(0)
	idx := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		switch {
		case h == "":
			bad(hl, "", "column %d has no name: name it, or delete it (an empty column after the last?)", i+1)
		case !slices.Contains(columns, h):
			bad(hl, "", "unknown column %q (the header is %s)", h, want)
		case idx[h] != 0:
			bad(hl, "", "column %q twice", h)
		default:
			idx[h] = i + 1
		}
	}
	for _, c := range columns {
		if idx[c] == 0 {
			bad(hl, "", "missing column %q (the header is %s)", c, want)
		}
	}
	if len(problems) > 0 {
		return problems, nil
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if line, msg, ok := readProblem(err); ok {
			bad(line, "", "%s", msg)
			var pe *csv.ParseError
			if !errors.As(err, &pe) || errors.Is(pe.Err, csv.ErrQuote) || errors.Is(pe.Err, csv.ErrBareQuote) {
				break // the reader cannot resynchronise after a quote error or a file error
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != len(header) {
			bad(line, "", "%d fields, the header has %d", len(rec), len(header))
			continue
		}
		get := func(col string) string { return strings.TrimSpace(rec[idx[col]-1]) }
		ok := true
		for _, c := range columns {
			// Not quoted back: the bytes are the problem.
			if msg := model.CheckText(get(c), spreadsheet.DefaultMaxLine); msg != "" {
				bad(line, c, "%s", msg)
				ok = false
			}
		}
		if ok {
			row(line, get, func(col, format string, args ...any) { bad(line, col, format, args...) })
		}
	}
	return problems, nil
}

// readProblem is where and what the problem of a read error is, when it
// is the file's (a CSV or a spreadsheet.FileError); ok is false else.
func readProblem(err error) (line int, msg string, ok bool) {
	var fe *spreadsheet.FileError
	var pe *csv.ParseError
	switch {
	case errors.As(err, &fe):
		return fe.Line, fe.Message, true
	case errors.As(err, &pe):
		return pe.Line, pe.Err.Error(), true
	}
	return 0, "", false
}

// CheckEmail returns what is wrong with a plain e-mail address, or "".
func CheckEmail(s string) string {
	if s == "" {
		return "required"
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return fmt.Sprintf("%q is not a plain e-mail address (user@domain)", s)
	}
	local, domain, _ := strings.Cut(s, "@")
	if local == "" || !strings.Contains(domain, ".") || strings.ContainsAny(s, " <>,;") {
		return fmt.Sprintf("%q is not a plain e-mail address (user@domain)", s)
	}
	for _, r := range s {
		if r > unicode.MaxASCII {
			// Only a server that offers SMTPUTF8 takes it (RFC 6531),
			// and most relays do not.
			return fmt.Sprintf("%q has letters outside ASCII, which most mail servers refuse: give the ASCII form (a domain as xn--…)", s)
		}
	}
	return ""
}
