package remind

import (
	"bufio"
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
// order, case and a BOM ignored) and calls row for each record with its
// line, the trimmed value of a column, and bad to report a problem in it.
// It returns every problem (header, shape, and what row reported); the
// error is for a failing reader only. Contacts and units files use it.
func ReadTable(r io.Reader, columns []string, row func(line int, get func(string) string, bad func(col, format string, args ...any))) ([]ContactError, error) {
	br := bufio.NewReader(r)
	head, _ := br.Peek(br.Size()) // a short file is all there; a failing reader fails the read below
	cr := csv.NewReader(br)
	cr.Comma = spreadsheet.Separator(head)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	var problems []ContactError
	bad := func(line int, col, format string, args ...any) {
		problems = append(problems, ContactError{Line: line, Column: col, Message: fmt.Sprintf(format, args...)})
	}
	want := strings.Join(columns, ",")
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return []ContactError{{Line: 1, Message: "empty file: expected the header " + want}}, nil
	}
	if err != nil {
		return []ContactError{{Line: 1, Message: err.Error()}}, nil
	}
	idx := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		switch {
		case !slices.Contains(columns, h):
			bad(1, "", "unknown column %q (the header is %s)", h, want)
		case idx[h] != 0:
			bad(1, "", "column %q twice", h)
		default:
			idx[h] = i + 1
		}
	}
	for _, c := range columns {
		if idx[c] == 0 {
			bad(1, "", "missing column %q (the header is %s)", c, want)
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
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			bad(pe.Line, "", "%v", pe.Err)
			if errors.Is(pe.Err, csv.ErrQuote) || errors.Is(pe.Err, csv.ErrBareQuote) {
				break // the reader cannot resynchronise after a quote error
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
		row(line, get, func(col, format string, args ...any) { bad(line, col, format, args...) })
	}
	return problems, nil
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
