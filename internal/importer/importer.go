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
	"strings"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
)

// Columns is the CSV header, in the order postvakt writes it. A file may
// order its columns differently, but must have all of them and no others.
var Columns = []string{"channel", "channel_id", "sender_org", "sender_unit", "recipient_kind",
	"recipient_id", "title", "confidential", "class", "sent_at"}

// Registrar opens registration transactions (the store).
type Registrar interface {
	BeginRegistration(ctx context.Context) (*store.Registration, error)
}

// RowError is one problem in the file.
type RowError struct {
	Line    int
	Column  string
	Message string
}

func (e RowError) Error() string {
	if e.Column == "" {
		return fmt.Sprintf("line %d: %s", e.Line, e.Message)
	}
	return fmt.Sprintf("line %d, column %s: %s", e.Line, e.Column, e.Message)
}

// InvalidError is returned when the file has bad rows; nothing was stored.
type InvalidError struct{ Rows []RowError }

func (e *InvalidError) Error() string {
	return fmt.Sprintf("%d problem(s) in the file; nothing was imported", len(e.Rows))
}

// Result says what an import did.
type Result struct {
	Rows    int // data rows read
	Created int // new shipments (the rest existed already)
}

// Options tune an import.
type Options struct {
	Source   string         // event source, default "import"
	Actor    string         // who imported
	Now      time.Time      // clock for "sent time not in the future"; zero = time.Now()
	Progress func(rows int) // called every Every rows
	Every    int            // progress interval, default 100,000
	Applying func(rows int) // called when every row is read and valid, before the set-based insert
	MaxErrs  int            // stop collecting after this many problems (0 = all)
}

// Import reads CSV from r and registers every row, or nothing.
func Import(ctx context.Context, reg Registrar, r io.Reader, opt Options) (Result, error) {
	if opt.Source == "" {
		opt.Source = store.SourceImport
	}
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	if opt.Every <= 0 {
		opt.Every = 100000
	}
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return Result{}, &InvalidError{Rows: []RowError{{Line: 1, Message: "empty file: expected the header " + strings.Join(Columns, ",")}}}
	}
	if err != nil {
		return Result{}, &InvalidError{Rows: []RowError{{Line: 1, Message: err.Error()}}}
	}
	idx, herrs := mapHeader(header)
	if len(herrs) > 0 {
		return Result{}, &InvalidError{Rows: herrs}
	}
	tx, err := reg.BeginRegistration(ctx)
	if err != nil {
		return Result{}, err
	}
	defer tx.Rollback()

	var res Result
	var problems []RowError
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				problems = append(problems, RowError{Line: pe.Line, Message: pe.Err.Error()})
				if pe.Err == csv.ErrQuote || pe.Err == csv.ErrBareQuote {
					// The reader cannot resynchronise reliably after a quote error.
					break
				}
				continue
			}
			return res, fmt.Errorf("read CSV: %w", err)
		}
		res.Rows++
		if res.Rows%opt.Every == 0 && opt.Progress != nil {
			opt.Progress(res.Rows)
		}
		if len(rec) != len(Columns) {
			problems = append(problems, RowError{Line: line, Message: fmt.Sprintf("%d fields, want %d", len(rec), len(Columns))})
			continue
		}
		ns, errs := parseRow(rec, idx, opt.Now)
		for _, e := range errs {
			problems = append(problems, RowError{Line: line, Column: e.Field, Message: e.Message})
		}
		if opt.MaxErrs > 0 && len(problems) >= opt.MaxErrs {
			break
		}
		if len(problems) > 0 {
			continue // nothing will be stored; keep reading only to report
		}
		if err := tx.Add(ctx, ns); err != nil {
			return res, err
		}
	}
	if len(problems) > 0 {
		return res, &InvalidError{Rows: problems}
	}
	if res.Rows == 0 {
		return res, &InvalidError{Rows: []RowError{{Line: 2, Message: "no data rows after the header"}}}
	}
	if opt.Applying != nil {
		opt.Applying(res.Rows)
	}
	created, err := tx.Apply(ctx, opt.Source, opt.Actor)
	if err != nil {
		return res, err
	}
	if err := tx.Commit(); err != nil {
		return res, err
	}
	res.Created = created
	return res, nil
}

// mapHeader returns, for each of Columns, its index in the file's header.
func mapHeader(header []string) ([]int, []RowError) {
	pos := map[string]int{}
	var errs []RowError
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		if _, dup := pos[h]; dup {
			errs = append(errs, RowError{Line: 1, Column: h, Message: "column appears twice in the header"})
		}
		pos[h] = i
	}
	idx := make([]int, len(Columns))
	known := map[string]bool{}
	for i, c := range Columns {
		known[c] = true
		p, ok := pos[c]
		if !ok {
			errs = append(errs, RowError{Line: 1, Column: c, Message: "missing from the header"})
		}
		idx[i] = p
	}
	for h := range pos {
		if !known[h] {
			errs = append(errs, RowError{Line: 1, Column: h, Message: "unknown column (expected " + strings.Join(Columns, ",") + ")"})
		}
	}
	return idx, errs
}

// parseRow turns one record into a registration and lists its problems,
// named by the CSV column.
func parseRow(rec []string, idx []int, now time.Time) (model.NewShipment, []model.FieldError) {
	get := func(i int) string { return strings.TrimSpace(rec[idx[i]]) }
	ns := model.NewShipment{
		Channel: get(0), ChannelID: get(1), SenderOrg: get(2), SenderUnit: get(3),
		RecipientKind: get(4), RecipientID: get(5), Title: get(6), Class: get(8),
	}
	var errs []model.FieldError
	switch strings.ToLower(get(7)) {
	case "true", "1", "yes", "ja":
		ns.Confidential = true
	case "false", "0", "no", "nei":
	default:
		errs = append(errs, model.FieldError{Field: "confidential", Message: fmt.Sprintf("%q is not true or false", get(7))})
	}
	badTime := false
	if s := get(9); s != "" {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			badTime = true
			errs = append(errs, model.FieldError{Field: "sent_at", Message: fmt.Sprintf("%q is not an RFC 3339 time", s)})
		}
		ns.SentAt = t
	}
	for _, e := range ns.Validate(now) {
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
	return ns, errs
}
