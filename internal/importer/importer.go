// Package importer registers shipments from a CSV file: every row is
// validated, good rows are streamed into the database with COPY inside one
// transaction, and a single bad row means nothing is stored.
package importer

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"postvakt/internal/i18n"
	"postvakt/internal/model"
	"postvakt/internal/spreadsheet"
	"postvakt/internal/store"
)

// Columns is the CSV header, in the order postvakt writes it. A file may
// order its columns differently, but must have all of them, and no others
// than Optional.
var Columns = []string{"channel", "channel_id", "sender_org", "sender_unit", "recipient_kind",
	"recipient_id", "title", "confidential", "class", "sent_at"}

// Optional are the columns a file may add to Columns: sender_system (the
// system that registered the letter; Options.System when absent or empty).
var Optional = []string{"sender_system"}

// Registrar opens registration transactions (the store).
type Registrar interface {
	BeginRegistration(ctx context.Context) (*store.Registration, error)
}

// RowError is one problem in the file (spreadsheet.LineError): Message in
// English (what `postvakt import` prints), Reason the same problem as a
// catalogue phrase (keys problem.*), for a page in its reader's language.
type RowError = spreadsheet.LineError

// InvalidError is returned when the file has bad rows; nothing was stored.
// Rows holds the first problems (Options.MaxErrs); More counts the rest.
type InvalidError struct {
	Rows []RowError
	More int
}

func (e *InvalidError) Error() string {
	return fmt.Sprintf("%d problem(s) in the file; nothing was imported", len(e.Rows)+e.More)
}

// Result says what an import did.
type Result struct {
	Rows    int // data rows read
	Created int // new shipments
	// Repeated counts the rows naming a letter an earlier row of the
	// file names (dropped as duplicates); the rest, Rows-Created-Repeated,
	// name letters registered before.
	Repeated int
	Encoding string // the encoding the file was read in (see EncodingAuto)
	// Separator is the field separator the file was read with: a comma,
	// or the semicolon of a Norwegian or Danish Excel (spreadsheet.Separator).
	Separator rune
	// Stored says whether the rows were stored, as the commit answered:
	// what a failed or interrupted import may say it did.
	Stored Stored
	// Kept are the rows (at most Options.MaxErrs) naming a letter
	// registered before with another confidentiality, class or sent time:
	// the letter stands as registered (store.Registration.Kept). KeptMore
	// counts those not listed.
	Kept     []RowError
	KeptMore int
	// UnitsLike are the units the import made written otherwise than
	// another of their organisation (letter case, spaces:
	// store.Registration.UnitsLike): each is a unit of its own, its
	// letters without the other's addresses, policy and unit users.
	UnitsLike []store.UnitLike
}

// Stored is whether an import stored its rows.
type Stored int

const (
	// StoredNone: nothing was stored (the import failed or was
	// interrupted before its commit, or the commit did not go through).
	StoredNone Stored = iota
	// StoredAll: the transaction committed; every row is registered.
	StoredAll
	// StoredUnknown: the commit was sent and its answer lost
	// (store.ErrCommitUnknown): the rows may or may not be stored.
	// Importing the file again is safe: rows already registered are
	// skipped.
	StoredUnknown
)

// Options tune an import.
type Options struct {
	Source   string         // event source, default "import"
	Actor    string         // who imported
	System   string         // sender system of rows without one, default model.SystemImport
	Now      time.Time      // clock for "sent time not in the future"; zero = time.Now()
	Progress func(rows int) // called every Every rows
	Every    int            // progress interval, default 100,000
	Applying func(rows int) // called when every row is read and valid, before the set-based insert
	// Encoding is the file's encoding: EncodingAuto (default),
	// EncodingUTF8 or EncodingWindows1252.
	Encoding string
	// WholeFile says Encoding was decided from the whole file
	// (spreadsheet.EncodingOf: the UI's upload, which has no --encoding).
	// A byte that is not UTF-8 in a file decided UTF-8 is then one of a
	// file mixing the two, and its problem does not suggest
	// --encoding windows-1252, which would refuse the file's UTF-8.
	WholeFile bool
	// MaxErrs is how many problems are kept (default DefaultMaxErrs); the
	// file is still read to the end to count the rest.
	MaxErrs int
	// MaxLine bounds a line's length in bytes (default DefaultMaxLine).
	MaxLine int
	// Scope is whose letters the importer may register: a row of another
	// sender organisation (Scope.SenderOrg set) or another sending unit
	// (Scope.SenderUnit set) is a problem of its line, and so, with a unit,
	// is a row naming a letter registered for another unit, as the API
	// refuses them to a scoped token. The zero Scope takes any row (the
	// CLI).
	Scope store.Scope
	// Channels are the channels this deployment has on
	// (channel.Configured): a row of another channel is a problem of its
	// line (model.NewShipment.Validate). Nil takes every registered one.
	Channels []string
}

// Import reads CSV from r and registers every row, or nothing. Every
// problem is reported by line and column: bad values, bytes that are not
// UTF-8 (or not Windows-1252), NUL and other control characters, values
// over their length limit, lines over Options.MaxLine.
func Import(ctx context.Context, reg Registrar, r io.Reader, opt Options) (Result, error) {
	if opt.Source == "" {
		opt.Source = store.SourceImport
	}
	if opt.System = strings.TrimSpace(opt.System); opt.System == "" {
		opt.System = model.SystemImport
	}
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	if opt.Every <= 0 {
		opt.Every = 100000
	}
	if opt.MaxErrs <= 0 {
		opt.MaxErrs = DefaultMaxErrs
	}
	if opt.MaxLine <= 0 {
		opt.MaxLine = DefaultMaxLine
	}
	in, err := open(r, opt.Encoding, opt.MaxLine)
	if err != nil {
		return Result{}, err
	}
	encoding := in.Encoding
	res := Result{Encoding: encoding, Separator: in.Separator}
	cr := csv.NewReader(in)
	cr.Comma = in.Separator
	cr.ReuseRecord = true
	cr.FieldsPerRecord = -1
	var header []string
	for {
		header, err = cr.Read()
		if err != nil || !spreadsheet.Blank(header) {
			break // a blank line before the header (Excel's empty first row) is none
		}
	}
	if errors.Is(err, io.EOF) {
		return res, &InvalidError{Rows: []RowError{spreadsheet.NewLineError(1, "", i18n.P("problem.empty_file", "Header", strings.Join(Columns, ",")))}}
	}
	if err != nil {
		return res, &InvalidError{Rows: []RowError{readProblem(err)}}
	}
	headerLine, _ := cr.FieldPos(0)
	header = slices.Clone(header) // the reader reuses its record
	idx, herrs := mapHeader(header, headerLine)
	if len(herrs) > 0 {
		return res, &InvalidError{Rows: herrs}
	}
	tx, err := reg.BeginRegistration(ctx)
	if err != nil {
		return res, err
	}
	defer tx.Rollback()

	var problems []RowError
	more := 0
	var lines []int32 // each staged row's line, for problems found once all are staged
	add := func(e RowError) {
		if len(problems) < opt.MaxErrs {
			problems = append(problems, e)
		} else {
			more++
		}
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			var fe *spreadsheet.FileError
			if !errors.As(err, &fe) && !errors.As(err, &pe) {
				return res, fmt.Errorf("read CSV: %w", err)
			}
			add(readProblem(err))
			if pe != nil && pe.Err != csv.ErrQuote {
				// A bare quote (in a cell not quoted) is found in a line the
				// reader has taken whole: the next row begins on the next.
				continue
			}
			break // the reader cannot resynchronise reliably after a quoted field's error or an input error
		}
		if spreadsheet.Blank(rec) {
			continue // separators alone: Excel's empty row, no row (as an empty line is none)
		}
		line, _ := cr.FieldPos(0) // only after a good read: a quote error in the first field leaves no position
		res.Rows++
		if res.Rows%opt.Every == 0 && opt.Progress != nil {
			opt.Progress(res.Rows)
		}
		if spreadsheet.HeaderAgain(rec, append(Columns[:len(Columns):len(Columns)], Optional...)) {
			add(spreadsheet.NewLineError(line, "", i18n.P("problem.header_again")))
			continue
		}
		if len(rec) != len(header) {
			add(spreadsheet.NewLineError(line, "", i18n.P("problem.fields", "Got", len(rec), "Want", len(header))))
			continue
		}
		ns, errs := parseRow(rec, idx, opt.Now, opt.System, opt.Channels)
		errs = append(errs, outside(ns, opt.Scope)...)
		for _, e := range errs {
			if e.Reason.Key == "problem.text_utf8" && encoding == EncodingUTF8 && !opt.WholeFile {
				e = model.NewFieldError(e.Field, i18n.P("problem.text_utf8_hint", "Problem", e.Reason))
			}
			add(RowError{Line: line, Column: e.Field, Message: e.Message, Reason: e.Reason})
		}
		if len(problems) > 0 {
			continue // nothing will be stored; keep reading only to report
		}
		if err := tx.Add(ctx, ns); err != nil {
			return res, err
		}
		lines = append(lines, int32(line))
	}
	if len(problems) > 0 {
		return res, &InvalidError{Rows: problems, More: more}
	}
	if res.Rows == 0 {
		return res, &InvalidError{Rows: []RowError{spreadsheet.NewLineError(headerLine+1, "", i18n.P("problem.no_rows"))}}
	}
	if opt.Applying != nil {
		opt.Applying(res.Rows)
	}
	created, err := tx.Apply(ctx, opt.Source, opt.Actor)
	if err != nil {
		return res, err
	}
	// Another organisation's letter, or another recipient's, is not this
	// one; nor is another line's about the same letter with other facts.
	// One of the same organisation's filed under another unit (a
	// back-fill's discover, an earlier import) stays as it is, already
	// registered.
	if opt.Scope.SenderUnit != "" {
		// A unit must not reach another unit's letter by naming it: as
		// "already registered" it would learn that the letter exists.
		foreign, err := tx.Foreign(ctx, opt.MaxErrs, true)
		if err != nil {
			return res, err
		}
		if len(foreign) > 0 {
			for _, f := range foreign {
				add(spreadsheet.NewLineError(int(lines[f.Ord]), "channel_id", i18n.P("problem.not_your_letter", "ID", model.Quote(f.ChannelID))))
			}
			return res, &InvalidError{Rows: problems, More: foreign[0].Of - len(foreign)}
		}
	}
	contra, err := tx.Contradictions(ctx, opt.MaxErrs)
	if err != nil {
		return res, err
	}
	if len(contra) > 0 {
		for _, c := range contra {
			add(contradiction(c, lines))
		}
		return res, &InvalidError{Rows: problems, More: contra[0].Of - len(contra)}
	}
	repeated, err := tx.Repeated(ctx)
	if err != nil {
		return res, err
	}
	kept, err := tx.Kept(ctx, opt.MaxErrs)
	if err != nil {
		return res, err
	}
	for _, k := range kept {
		res.Kept = append(res.Kept, spreadsheet.NewLineError(int(lines[k.Ord]), k.Field,
			i18n.P("problem.kept_as_registered", "ID", model.Quote(k.ChannelID), "Fact", k.FactPhrase())))
		res.KeptMore = k.Of - len(kept)
	}
	like, err := tx.UnitsLike(ctx)
	if err != nil {
		return res, err
	}
	if err := tx.Commit(); err != nil {
		if errors.Is(err, store.ErrCommitUnknown) {
			res.Stored = StoredUnknown
		}
		return res, err
	}
	res.Stored = StoredAll
	res.UnitsLike = like
	res.Created = created
	res.Repeated = repeated
	return res, nil
}

// outside lists a row's problems with scope: a sender organisation or a
// sending unit other than the scope's (an empty value is the validator's
// problem, not a second one here).
func outside(ns model.NewShipment, scope store.Scope) []model.FieldError {
	var errs []model.FieldError
	if scope.SenderOrg != "" && ns.SenderOrg != "" && ns.SenderOrg != scope.SenderOrg {
		errs = append(errs, model.NewFieldError("sender_org", i18n.P("problem.not_your_org",
			"Value", model.Quote(ns.SenderOrg), "Org", scope.SenderOrg)))
	}
	if scope.SenderUnit != "" && ns.SenderUnit != "" && ns.SenderUnit != scope.SenderUnit {
		errs = append(errs, model.NewFieldError("sender_unit", i18n.P("problem.not_your_unit",
			"Value", model.Quote(ns.SenderUnit), "Unit", model.Quote(scope.SenderUnit))))
	}
	return errs
}

// contradiction is the problem of a line that names a stored letter with
// other facts (store.Contradiction); lines holds each staged row's line.
// Neither the stored values nor the line's are quoted: a recipient may be
// a person, and a title is never shown.
func contradiction(c store.Contradiction, lines []int32) RowError {
	id := model.Quote(c.ChannelID)
	line, column := int(lines[c.Ord]), c.Field
	earlier := 0
	if c.Earlier.Valid {
		earlier = int(lines[c.Earlier.Int32])
	}
	var why i18n.Phrase
	switch {
	case c.Field == "sender_org":
		column = "channel_id"
		if earlier > 0 {
			why = i18n.P("problem.other_org_line", "ID", id, "Line", earlier)
		} else {
			why = i18n.P("problem.other_org", "ID", id)
		}
	case earlier > 0 && (c.Field == "recipient_kind" || c.Field == "recipient_id"):
		why = i18n.P("problem.other_recipient_line", "Line", earlier, "ID", id)
	case earlier > 0:
		why = i18n.P("problem.other_fact_line", "Line", earlier, "ID", id, "Fact", c.FactPhrase())
	default:
		why = i18n.P("problem.other_recipient", "ID", id)
	}
	return spreadsheet.NewLineError(line, column, why)
}

// readProblem is where and what the problem of a read error is
// (spreadsheet.ReadProblem), or the error's text on line 1.
func readProblem(err error) RowError {
	if p, ok := spreadsheet.ReadProblem(err); ok {
		return p
	}
	return RowError{Line: 1, Message: err.Error()}
}

// mapHeader returns, for each of Columns and then each of Optional, its
// index in the file's header (-1 for an optional column it lacks). line
// is the header's line in the file.
func mapHeader(header []string, line int) ([]int, []RowError) {
	if strings.Contains(strings.Join(header, ""), "\r") {
		// Lines that end in CR alone (classic Mac OS): the whole file
		// reads as the header, and its cells would be quoted back as
		// column names.
		return nil, []RowError{spreadsheet.NewLineError(line, "", i18n.P("problem.cr_line_ends"))}
	}
	pos := map[string]int{}
	var errs []RowError
	for i, h := range header {
		h = spreadsheet.ColumnName(h)
		if h == "" {
			// Excel writes a separator after the last name when a cell to
			// the right is in the sheet's used range.
			errs = append(errs, spreadsheet.NewLineError(line, "", i18n.P("problem.column_no_name", "N", i+1)))
			continue
		}
		if _, dup := pos[h]; dup {
			errs = append(errs, spreadsheet.NewLineError(line, headerColumn(h, i, true), i18n.P("problem.column_twice")))
		}
		pos[h] = i
	}
	named := false // the line names a column: it is a header, not a letter
	for _, c := range append(Columns[:len(Columns):len(Columns)], Optional...) {
		if _, ok := pos[c]; ok {
			named = true
		}
	}
	idx := make([]int, len(Columns), len(Columns)+len(Optional))
	known := map[string]bool{}
	for i, c := range Columns {
		known[c] = true
		p, ok := pos[c]
		if !ok {
			errs = append(errs, spreadsheet.NewLineError(line, c, i18n.P("problem.column_missing")))
		}
		idx[i] = p
	}
	for _, c := range Optional {
		known[c] = true
		p, ok := pos[c]
		if !ok {
			p = -1
		}
		idx = append(idx, p)
	}
	for i, h := range header { // in the file's order
		h = spreadsheet.ColumnName(h)
		if h != "" && !known[h] && pos[h] == i {
			errs = append(errs, spreadsheet.NewLineError(line, headerColumn(header[i], i, named), i18n.P("problem.column_unknown",
				"Columns", strings.Join(Columns, ","), "Optional", strings.Join(Optional, ","))))
		}
	}
	return idx, errs
}

// headerColumn names header cell h, the (i+1)th, in a problem: as
// written when it looks like a column name in a header (one naming any of
// the columns) or a misspelt column's name, else by its place
// (spreadsheet.HeaderCell).
func headerColumn(h string, i int, named bool) string {
	name, _ := spreadsheet.HeaderCell(h, i, append(Columns[:len(Columns):len(Columns)], Optional...), named)
	return name
}

// parseRow turns one record into a registration and lists its problems,
// named by the CSV column. system is the sender system of a row without
// one; channels are the configured channels (nil: every registered one).
func parseRow(rec []string, idx []int, now time.Time, system string, channels []string) (model.NewShipment, []model.FieldError) {
	var bad []model.FieldError
	cell := func(i int) string {
		if i < len(Columns) && Columns[i] == "title" {
			return oneLine(rec[idx[i]])
		}
		return rec[idx[i]]
	}
	for i, c := range append(Columns[:len(Columns):len(Columns)], Optional...) {
		if idx[i] < 0 {
			continue
		}
		if p := model.TextProblem(cell(i), DefaultMaxLine); p.Key != "" {
			bad = append(bad, model.NewFieldError(c, p))
		}
	}
	if len(bad) > 0 {
		return model.NewShipment{}, bad // not quoted back: the bytes are the problem
	}
	get := func(i int) string { return strings.TrimSpace(cell(i)) }
	ns := model.NewShipment{
		Channel: get(0), ChannelID: get(1), SenderOrg: get(2), SenderUnit: get(3),
		RecipientKind: get(4), RecipientID: get(5), Title: get(6), Class: get(8), SenderSystem: system,
	}
	if i := len(Columns); idx[i] >= 0 && get(i) != "" {
		ns.SenderSystem = get(i)
	}
	var errs []model.FieldError
	// Beside true/false: the Norwegian and Danish yes and no, and a
	// boolean cell as a Danish (SAND/FALSK) or Norwegian (SANN/USANN)
	// Excel writes it into its CSV.
	switch strings.ToLower(get(7)) {
	case "true", "1", "yes", "ja", "sand", "sann":
		ns.Confidential = true
	case "false", "0", "no", "nei", "nej", "falsk", "usann":
	default:
		errs = append(errs, model.NewFieldError("confidential", i18n.P("problem.not_bool", "Value", model.Quote(get(7)))))
	}
	badTime := false
	if s := get(9); s != "" {
		t, problem, ok := model.ParseSentAt(s)
		if !ok {
			badTime = true
			errs = append(errs, problem)
		}
		ns.SentAt = t
	}
	for _, e := range ns.Validate(now, channels) {
		if e.Field == "sent_at" && badTime {
			continue
		}
		switch e.Field {
		case "recipient.kind":
			e.Field = "recipient_kind"
		case "recipient.id":
			e.Field = "recipient_id"
		}
		errs = append(errs, e)
	}
	// As it will be stored: the scope check compares that (a unit's name
	// from a Mac is decomposed, its user's composed).
	return ns.Normalized(), errs
}

// oneLine is a title's cell with its line breaks (Excel's Alt+Enter in a
// cell, quoted over lines in its CSV) kept as one space each, spaces and
// blank lines around them included: a title never leaves the evidence
// store, and a break in it is one between words. Other columns keep
// theirs, to be refused (in a unit's name it would make another unit).
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	var parts []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == '\r' || r == '\n' }) {
		if p = strings.Trim(p, " "); p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, " ")
}
