package remind

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"postvakt/internal/i18n"
	"postvakt/internal/model"
	"postvakt/internal/spreadsheet"
	"postvakt/internal/store"
)

// ContactColumns is the header of a contacts CSV file, in any order.
var ContactColumns = []string{"orgnr", "email"}

// ContactAliases are other names a contacts file may give a column: a
// Danish sender's file says cvr for the organisation's number.
var ContactAliases = map[string]string{"cvr": "orgnr"}

// ContactError is one problem in a contacts file (or a units file), at a
// line and a column ("orgnr", "email", or "" for the row as a whole): a
// spreadsheet.LineError, as the letters import's.
type ContactError = spreadsheet.LineError

// InvalidContactsError lists every problem of a contacts file; nothing of
// it is to be stored.
type InvalidContactsError struct{ Problems []ContactError }

// Rows returns the problems, by line and column.
func (e *InvalidContactsError) Rows() []ContactError { return e.Problems }

func (e *InvalidContactsError) Error() string {
	return fmt.Sprintf("%d problem(s) in the contacts file; nothing was imported", len(e.Problems))
}

// ParseContacts reads a CSV file with the header orgnr,email (any order,
// no other columns; cvr is orgnr, ContactAliases) and one address per row. Organisation numbers are
// checked (Norwegian mod-11 or Danish CVR), addresses must be plain
// addresses (user@domain); a row repeating an earlier one is dropped.
// Every problem is reported, as an
// *InvalidContactsError; a file with any problem yields no contacts.
func ParseContacts(r io.Reader) ([]store.Contact, error) {
	var out []store.Contact
	seen := map[store.Contact]bool{}
	problems, err := ReadTableAs(r, ContactColumns, ContactAliases, func(line int, get func(string) string, bad func(col string, reason i18n.Phrase)) {
		org, email := get("orgnr"), get("email")
		ok := true
		if org == "" {
			bad("orgnr", i18n.P("problem.required"))
			ok = false
		} else if err := model.CheckOrgNumber(org); err != nil {
			bad("orgnr", model.ReasonOf(err))
			ok = false
		}
		if p := EmailProblem(email); p.Key != "" {
			bad("email", p)
			ok = false
		}
		if c := (store.Contact{Org: org, Email: email}); ok && !seen[c] { // a repeated row is the address once, as stored
			seen[c] = true
			out = append(out, c)
		}
	})
	if err != nil {
		return nil, fmt.Errorf("read contacts CSV: %w", err)
	}
	if len(problems) > 0 {
		return nil, &InvalidContactsError{problems}
	}
	if len(out) == 0 {
		return nil, &InvalidContactsError{[]ContactError{spreadsheet.NewLineError(2, "", i18n.P("problem.no_contacts"))}}
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
// problem (file, header, shape, and what row reported); a row of
// separators alone (Excel's empty row) is none. The error is for a
// failing reader only. Contacts and units files use it.
func ReadTable(r io.Reader, columns []string, row func(line int, get func(string) string, bad func(col string, reason i18n.Phrase))) ([]ContactError, error) {
	return ReadTableAs(r, columns, nil, row)
}

// ReadTableAs is ReadTable where a header may name a column by another
// name: aliases maps such a name (lower case) to the column's. row gets
// the column by its own name; problems name it as the file does.
func ReadTableAs(r io.Reader, columns []string, aliases map[string]string,
	row func(line int, get func(string) string, bad func(col string, reason i18n.Phrase))) ([]ContactError, error) {
	want := strings.Join(columns, ",")
	in, err := spreadsheet.Open(r, spreadsheet.EncodingAuto, 0)
	var fe *spreadsheet.FileError
	if errors.As(err, &fe) {
		return []ContactError{fe.LineError()}, nil
	}
	if err != nil {
		return nil, err
	}
	cr := csv.NewReader(in)
	cr.Comma = in.Separator
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	var problems []ContactError
	bad := func(line int, col, key string, args ...any) {
		problems = append(problems, spreadsheet.NewLineError(line, col, i18n.P(key, args...)))
	}
	var header []string
	for {
		header, err = cr.Read()
		if err != nil || !spreadsheet.Blank(header) {
			break // a blank line before the header is none
		}
	}
	if errors.Is(err, io.EOF) {
		return []ContactError{spreadsheet.NewLineError(1, "", i18n.P("problem.empty_file", "Header", want))}, nil
	}
	if pr, ok := spreadsheet.ReadProblem(err); ok {
		return []ContactError{pr}, nil
	}
	if err != nil {
		return nil, err
	}
	hl, _ := cr.FieldPos(0)
	if strings.Contains(strings.Join(header, ""), "\r") {
		// Lines that end in CR alone (classic Mac OS): the whole file
		// reads as the header, each cell a problem that does not say why.
		return []ContactError{spreadsheet.NewLineError(hl, "", i18n.P("problem.cr_line_ends"))}, nil
	}
	idx := map[string]int{}
	named := map[string]string{} // a column's name in the file
	known := append(columns[:len(columns):len(columns)], slices.Collect(maps.Keys(aliases))...)
	isHeader := false // the line names a column: it is a header, not a row
	for _, h := range header {
		isHeader = isHeader || slices.Contains(known, spreadsheet.ColumnName(h))
	}
	for i, h := range header {
		h = spreadsheet.ColumnName(h)
		c := h
		if a, ok := aliases[h]; ok {
			c = a
		}
		switch {
		case h == "":
			bad(hl, "", "problem.column_no_name", "N", i+1)
		case !slices.Contains(columns, c):
			// A header-less file has a row's values here: a cell is
			// quoted only as a misspelt column name.
			if name, ok := spreadsheet.HeaderCell(h, i, known, isHeader); ok {
				bad(hl, "", "problem.table_column_unknown", "Name", strconv.Quote(name), "Header", want)
			} else {
				bad(hl, name, "problem.table_column_unknown_cell", "Header", want)
			}
		case idx[c] != 0:
			bad(hl, "", "problem.table_column_twice", "Name", strconv.Quote(c))
		default:
			idx[c], named[c] = i+1, h
		}
	}
	for _, c := range columns {
		if idx[c] == 0 {
			bad(hl, "", "problem.table_column_missing", "Name", strconv.Quote(c), "Header", want)
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
		if pr, ok := spreadsheet.ReadProblem(err); ok {
			problems = append(problems, pr)
			var pe *csv.ParseError
			if !errors.As(err, &pe) || errors.Is(pe.Err, csv.ErrQuote) {
				break // the reader cannot resynchronise after a quoted field's error or a file error
			}
			continue // a bare quote's line was taken whole: the next row begins on the next
		}
		if err != nil {
			return nil, err
		}
		if spreadsheet.Blank(rec) {
			continue // separators alone: Excel's empty row, no row (as in a letters file)
		}
		line, _ := cr.FieldPos(0)
		if spreadsheet.HeaderAgain(rec, known) {
			bad(line, "", "problem.header_again")
			continue
		}
		if len(rec) != len(header) {
			bad(line, "", "problem.table_fields", "Got", len(rec), "Want", len(header))
			continue
		}
		get := func(col string) string { return strings.TrimSpace(rec[idx[col]-1]) }
		ok := true
		for _, c := range columns {
			// Not quoted back: the bytes are the problem.
			if p := model.TextProblem(get(c), spreadsheet.DefaultMaxLine); p.Key != "" {
				problems = append(problems, spreadsheet.NewLineError(line, named[c], p))
				ok = false
			}
		}
		if ok {
			row(line, get, func(col string, reason i18n.Phrase) {
				if n, ok := named[col]; ok {
					col = n
				}
				problems = append(problems, spreadsheet.NewLineError(line, col, reason))
			})
		}
	}
	return problems, nil
}

// maxEmail is the longest address a mail server takes (RFC 5321 4.5.3.1:
// a path of 256 octets, its angle brackets included). One longer, in an
// Altinn Profile answer, was stored with the batch's addresses and failed
// that store (an index row holds some 2,700 bytes): every organisation of
// the lookup, and the escalation run, waited on it.
const maxEmail = 254

// CheckEmail returns what is wrong with a plain e-mail address, in
// English (EmailProblem), or "".
func CheckEmail(s string) string { return EmailProblem(s).English() }

// EmailProblem is what is wrong with a plain e-mail address, or the zero
// Phrase. A problem quoting the address masks a national id in it (a
// column mixed up in a file: model.Quote), as a letter's problems do.
func EmailProblem(s string) i18n.Phrase {
	if s == "" {
		return i18n.P("problem.required")
	}
	if len(s) > maxEmail {
		// Before anything quotes it: a problem is no place for 3,000
		// characters, and the store's index takes none so long.
		return i18n.P("problem.email_long", "Len", utf8.RuneCountInString(s))
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return i18n.P("problem.email_plain", "Value", model.Quote(s))
	}
	local, domain, _ := strings.Cut(s, "@")
	if local == "" || !strings.Contains(domain, ".") || strings.ContainsAny(s, " <>,;") {
		return i18n.P("problem.email_plain", "Value", model.Quote(s))
	}
	for _, r := range s {
		if r > unicode.MaxASCII {
			// Only a server that offers SMTPUTF8 takes it (RFC 6531),
			// and most relays do not.
			return i18n.P("problem.email_ascii", "Value", model.Quote(s))
		}
	}
	return i18n.Phrase{}
}
