// Package report writes postvakt's lists as CSV, XLSX or JSON, streamed row
// by row: the web UI's exports and `postvakt report` share it. Person ids
// are masked; titles of letters are never written.
//
// Cells come from outside (unit and recipient names, channel ids, classes),
// so none may become a formula when the file is opened in a spreadsheet: in
// CSV a text cell that starts with =, +, -, @, a tab or a carriage return
// (and is not a plain number) gets a leading apostrophe, and so does each
// such part after a semicolon or a line break within it (spreadsheet.CSVCell);
// in XLSX every text cell is an inline string, and such a cell is also
// formatted as text ("@") (a sheet for people, Labels, has its times and
// numbers as typed cells).
package report

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"

	"postvakt/internal/model"
	"postvakt/internal/spreadsheet"
	"postvakt/internal/store"
)

// Format is an export format.
type Format string

// The formats.
const (
	CSV  Format = "csv"
	XLSX Format = "xlsx"
	JSON Format = "json"
)

// ParseFormat accepts csv, xlsx or json.
func ParseFormat(s string) (Format, error) {
	switch f := Format(s); f {
	case CSV, XLSX, JSON:
		return f, nil
	}
	return "", fmt.Errorf("unknown format %q (csv, xlsx or json)", s)
}

// ContentType is the MIME type of the format.
func (f Format) ContentType() string {
	switch f {
	case XLSX:
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	case JSON:
		return "application/json"
	}
	return "text/csv; charset=utf-8"
}

// Writer writes one table.
type Writer interface {
	// Row writes one row, with as many cells as the header has.
	Row(cells []string) error
	// Close finishes the document (an XLSX is assembled here).
	Close() error
}

// NewWriter starts a table with the given header in format f on w; sheet
// names the XLSX worksheet, which holds at most MaxXLSXRows rows.
func NewWriter(f Format, w io.Writer, sheet string, header []string) (Writer, error) {
	return newWriter(f, w, sheet, header, MaxXLSXRows)
}

// newWriter is NewWriter with an XLSX of at most maxRows data rows.
func newWriter(f Format, w io.Writer, sheet string, header []string, maxRows int) (Writer, error) {
	switch f {
	case CSV:
		cw := csv.NewWriter(w)
		if err := cw.Write(header); err != nil {
			return nil, fmt.Errorf("write CSV header: %w", err)
		}
		return &csvWriter{w: cw}, nil
	case XLSX:
		return newXLSX(w, sheet, header, maxRows)
	case JSON:
		return &jsonWriter{w: w, header: header}, nil
	}
	return nil, fmt.Errorf("unknown format %q", f)
}

type csvWriter struct {
	w   *csv.Writer
	buf []string
}

func (c *csvWriter) Row(cells []string) error {
	c.buf = c.buf[:0]
	for _, cell := range cells {
		c.buf = append(c.buf, spreadsheet.CSVCell(cell))
	}
	if err := c.w.Write(c.buf); err != nil {
		return fmt.Errorf("write CSV row: %w", err)
	}
	return nil
}

func (c *csvWriter) Close() error {
	c.w.Flush()
	if err := c.w.Error(); err != nil {
		return fmt.Errorf("write CSV: %w", err)
	}
	return nil
}

// jsonWriter writes an array of objects, its opening bracket with the
// first row (or on Close): until then nothing is written, so an export
// whose query fails before its first row can still be answered with an
// error (a 503 for a statement the database ended), as a CSV's buffered
// header allows.
type jsonWriter struct {
	w      io.Writer
	header []string
	n      int
}

func (j *jsonWriter) Row(cells []string) error {
	obj := make(map[string]string, len(cells))
	for i, h := range j.header {
		if i < len(cells) {
			obj[h] = cells[i]
		}
	}
	b, err := json.Marshal(obj)
	if err != nil {
		return fmt.Errorf("encode JSON row: %w", err)
	}
	sep := ",\n"
	if j.n == 0 {
		sep = "[\n"
	}
	j.n++
	if _, err := io.WriteString(j.w, sep); err != nil {
		return fmt.Errorf("write JSON: %w", err)
	}
	if _, err := j.w.Write(b); err != nil {
		return fmt.Errorf("write JSON: %w", err)
	}
	return nil
}

func (j *jsonWriter) Close() error {
	end := "\n]\n"
	if j.n == 0 {
		end = "[\n]\n"
	}
	if _, err := io.WriteString(j.w, end); err != nil {
		return fmt.Errorf("write JSON: %w", err)
	}
	return nil
}

// MaxXLSXRows is how many data rows an XLSX sheet may have: excelize
// builds the whole workbook in memory before its first byte goes out (at
// 1,000,000 rows a minute and 320 MB), and Excel opens at most 1,048,575.
// A larger export is refused before anything is written (ErrTooManyRows);
// CSV and JSON stream any size.
const MaxXLSXRows = 100_000

// ErrTooManyRows: the rows would pass the sheet's limit (MaxXLSXRows, or
// XLSXOptions.MaxRows); nothing was written. The error returned wraps it
// and names the limit.
var ErrTooManyRows = errors.New("too many for a spreadsheet export; narrow the filter, or export CSV")

// XLSXOptions say how an XLSX export is made; CSV and JSON take no notice
// of them.
type XLSXOptions struct {
	// Labels tell it for the people who open it (see Labels); nil: in the
	// CSV's form (names, codes, UTC times), for programs.
	Labels *Labels
	// MaxRows bounds the data rows of a sheet (ErrTooManyRows); 0 or less
	// is MaxXLSXRows. A server lowers it for its tests.
	MaxRows int
}

// maxRows is the sheet's limit the options set.
func (o XLSXOptions) maxRows() int {
	if o.MaxRows <= 0 {
		return MaxXLSXRows
	}
	return o.MaxRows
}

// xlsxWriter streams rows through excelize's StreamWriter, which keeps
// them in a temporary file, and writes the workbook to w on Close (the
// zip is built in memory then: MaxXLSXRows).
type xlsxWriter struct {
	w    io.Writer
	f    *excelize.File
	sw   *excelize.StreamWriter
	row  int
	max  int // data rows a sheet may hold (ErrTooManyRows)
	buf  []any
	text int // style: number format "@" (text), for formula-like cells
	date int // style: dateFormat, for the time cells of a labelled sheet
}

func newXLSX(w io.Writer, sheet string, header []string, maxRows int) (*xlsxWriter, error) {
	if sheet == "" {
		sheet = "postvakt"
	}
	f := excelize.NewFile()
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		f.Close()
		return nil, fmt.Errorf("start XLSX: %w", err)
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("start XLSX: %w", err)
	}
	x := &xlsxWriter{w: w, f: f, sw: sw, max: maxRows}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("start XLSX: %w", err)
	}
	if x.text, err = f.NewStyle(&excelize.Style{NumFmt: 49}); err != nil { // "@"
		f.Close()
		return nil, fmt.Errorf("start XLSX: %w", err)
	}
	cells := make([]any, len(header))
	for i, h := range header {
		cells[i] = excelize.Cell{StyleID: bold, Value: h}
	}
	if err := x.put(cells); err != nil {
		f.Close()
		return nil, err
	}
	return x, nil
}

func (x *xlsxWriter) put(cells []any) error {
	x.row++
	cell, err := excelize.CoordinatesToCellName(1, x.row)
	if err != nil {
		return fmt.Errorf("write XLSX row %d: %w", x.row, err)
	}
	if err := x.sw.SetRow(cell, cells); err != nil {
		return fmt.Errorf("write XLSX row %d: %w", x.row, err)
	}
	return nil
}

// Row writes every cell as an inline string, never as a formula; a
// formula-like one is formatted as text too, so that editing it in the
// spreadsheet does not turn it into one.
func (x *xlsxWriter) Row(cells []string) error {
	if err := x.full(); err != nil {
		return err
	}
	x.buf = x.buf[:0]
	for _, c := range cells {
		x.buf = append(x.buf, x.textCell(c))
	}
	return x.put(x.buf)
}

// full is ErrTooManyRows, wrapped with the limit, once the sheet holds
// as many data rows as it may.
func (x *xlsxWriter) full() error {
	if x.row > x.max { // the header is row 1
		return fmt.Errorf("more than %d rows: %w", x.max, ErrTooManyRows)
	}
	return nil
}

// textCell is a text cell, formatted as text when it looks like a formula.
func (x *xlsxWriter) textCell(c string) any {
	if spreadsheet.FormulaLike(c) {
		return excelize.Cell{StyleID: x.text, Value: c}
	}
	return c
}

func (x *xlsxWriter) Close() error {
	defer x.f.Close()
	if err := x.sw.Flush(); err != nil {
		return fmt.Errorf("finish XLSX: %w", err)
	}
	if err := x.f.Write(x.w); err != nil {
		return fmt.Errorf("write XLSX: %w", err)
	}
	return nil
}

// ShipmentHeader is the header of a shipment list.
var ShipmentHeader = []string{"id", "channel", "channel_id", "sender_org", "sender_unit", "recipient_kind",
	"recipient", "recipient_name", "class", "confidential", "sent_at", "age_days", "state", "state_changed_at",
	"stage", "reminders_sent", "last_reminded_at", "unknown_to_channel_since"}

// ageDays is a letter's age in the lists and exports: whole days of 24
// hours since it was sent (store.MinAgeBound).
func ageDays(now, sent time.Time) int { return int(now.Sub(sent).Hours() / 24) }

// ShipmentCells renders one list row as of now; a person id is masked.
func ShipmentCells(r *store.ListRow, now time.Time) []string {
	last, unknown := "", ""
	if r.LastReminded != nil {
		last = r.LastReminded.UTC().Format(time.RFC3339)
	}
	if r.UnknownToChannelSince != nil {
		unknown = r.UnknownToChannelSince.UTC().Format(time.RFC3339)
	}
	return []string{r.ID, r.Channel, r.ChannelID, r.SenderOrg, r.SenderUnit, r.RecipientKind,
		model.MaskRecipient(r.RecipientKind, r.RecipientID), r.RecipientName, r.Class,
		strconv.FormatBool(r.Confidential), r.SentAt.UTC().Format(time.RFC3339),
		strconv.Itoa(ageDays(now, r.SentAt)), string(r.State), r.StateChangedAt.UTC().Format(time.RFC3339),
		string(r.Stage), strconv.Itoa(r.RemindersSent), last, unknown}
}

// Source streams a list's rows.
type Source interface {
	EachShipment(ctx context.Context, f store.ListFilter, fn func(*store.ListRow) error) error
}

// ShipmentsFor writes every shipment of the list f selects to w in format
// format, without the next-step columns (ShipmentsNext has them), and
// returns how many rows it wrote; an XLSX is made as o says: told for
// people by o.Labels (see Labels), of at most o.MaxRows letters.
func ShipmentsFor(ctx context.Context, src Source, f store.ListFilter, format Format, w io.Writer, now time.Time, o XLSXOptions) (int, error) {
	each := func(fn func(*store.ListRow, *NextStep) error) error {
		return src.EachShipment(ctx, f, func(r *store.ListRow) error { return fn(r, nil) })
	}
	return shipments(each, false, f.List, format, w, now, o)
}

// shipments writes the rows each streams as ShipmentsFor says, with the
// next-step columns (NextStepHeader), the follow-up decision's
// (DecisionHeader) and the reminder and print history's (HistoryHeader)
// when next.
func shipments(each func(func(*store.ListRow, *NextStep) error) error, next bool, list store.ListName, format Format,
	w io.Writer, now time.Time, o XLSXOptions) (int, error) {
	header := ShipmentHeader
	if next {
		header = slices.Concat(ShipmentHeader, NextStepHeader, DecisionHeader, HistoryHeader)
	}
	var tw Writer
	var err error
	row := func(r *store.ListRow, n *NextStep) error {
		cells := ShipmentCells(r, now)
		if next {
			cells = slices.Concat(cells, nextCells(n), decisionCells(r), historyCells(r))
		}
		return tw.Row(cells)
	}
	if l := o.Labels; format == XLSX && l != nil {
		var x *xlsxWriter
		if x, err = l.newSheet(w, string(list), header, o.maxRows()); err == nil {
			tw = x
			row = func(r *store.ListRow, n *NextStep) error {
				values := l.shipmentValues(r, now)
				if next {
					values = slices.Concat(values, l.nextValues(n), l.decisionValues(r), l.historyValues(r))
				}
				return x.values(values)
			}
		}
	} else {
		tw, err = newWriter(format, w, string(list), header, o.maxRows())
	}
	if err != nil {
		return 0, err
	}
	n := 0
	err = each(func(r *store.ListRow, next *NextStep) error {
		n++
		return row(r, next)
	})
	if err != nil {
		if c, ok := tw.(*xlsxWriter); ok {
			c.f.Close()
		}
		return n, err
	}
	return n, tw.Close()
}
