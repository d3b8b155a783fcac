package report

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"postvakt/internal/model"
	"postvakt/internal/store"
)

// Labels make an XLSX export read for the people who open it in a
// spreadsheet (the web UI's exports, in the reader's language): the column
// headers and the codes (channel, recipient kind, state, stage, yes/no) as
// the catalogue says them, the times as date cells on the clock of Zone,
// the age and the reminders as numbers. The columns are ShipmentHeader's,
// in its order (and NextStepHeader's after them, the step's code told as
// "export.step." + it says, then DecisionHeader's and HistoryHeader's, the
// print order's state as "export.print_state." + it says). CSV and JSON
// are for programs: the same column names, codes
// and UTC times in every language.
type Labels struct {
	// Text is the catalogue's text of a key in the reader's language, with
	// the values args names ("ID", "12"), or "" when it has none (then a
	// code is written as it is).
	Text func(id string, args ...any) string
	// Zone is the clock the times are told on (calendar.Oslo).
	Zone *time.Location
}

// dateFormat is how a time cell shows: unambiguous in every language, and
// sorted as a date.
const dateFormat = "yyyy-mm-dd hh:mm"

// code is a code's text ("state." + "opened"), or the code.
func (l *Labels) code(prefix, c string) string {
	if t := l.Text(prefix + c); t != "" {
		return t
	}
	return c
}

// reason is a follow-up's reason in the reader's language, as the
// follow-ups page says it: one opened from an alert's incident report
// ("alert 12") as "followup.reason.alert" says it with the alert's id.
func (l *Labels) reason(r string) string {
	if id, ok := strings.CutPrefix(r, "alert "); ok && l.Text("followup.reason."+r) == "" {
		if t := l.Text("followup.reason.alert", "ID", id); t != "" {
			return t
		}
	}
	return l.code("followup.reason.", r)
}

// yes is a yes or a no in the reader's language.
func (l *Labels) yes(b bool) string {
	if b {
		return l.code("", "export.yes")
	}
	return l.code("", "export.no")
}

// newSheet starts the sheet sheet (a code: "audit", a list's name) with
// the translated header, both named by the catalogue: the sheet as
// l.sheet says, each column as "export.col." + its name in the CSV's
// header; it holds at most maxRows data rows.
func (l *Labels) newSheet(w io.Writer, sheet string, columns []string, maxRows int) (*xlsxWriter, error) {
	x, err := newXLSX(w, l.sheet(sheet), l.header(columns), maxRows)
	if err != nil {
		return nil, err
	}
	if err := x.dateStyle(); err != nil {
		x.f.Close()
		return nil, err
	}
	return x, nil
}

// sheet is the sheet code's name in the reader's language, "export.sheet."
// + the code in the catalogue, as Excel takes it (sheetName).
func (l *Labels) sheet(code string) string {
	return sheetName(l.code("export.sheet.", code))
}

// sheetName is name as Excel takes a worksheet's name: without the
// characters it forbids (\ / ? * : [ ]), at most 31 characters, no
// apostrophe at either end; "postvakt" when nothing is left. The
// catalogue's names are already so (TestSheetNamesInCatalogues); this
// keeps a translation that is not from failing the export.
func sheetName(name string) string {
	name = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`\/?*:[]`, r) {
			return -1
		}
		return r
	}, name)
	if r := []rune(name); len(r) > maxSheetName {
		name = string(r[:maxSheetName])
	}
	if name = strings.Trim(name, "' "); name == "" {
		return "postvakt"
	}
	return name
}

// maxSheetName is how many characters Excel allows in a sheet's name.
const maxSheetName = 31

// header is columns (the CSV's names) as the catalogue names them,
// "export.col." + the name.
func (l *Labels) header(columns []string) []string {
	header := make([]string, len(columns))
	for i, h := range columns {
		header[i] = l.code("export.col.", h)
	}
	return header
}

// dateStyle makes the style of the time cells (dateFormat).
func (x *xlsxWriter) dateStyle() error {
	var err error
	if x.date, err = x.f.NewStyle(&excelize.Style{CustomNumFmt: ptr(dateFormat)}); err != nil {
		return fmt.Errorf("start XLSX: %w", err)
	}
	return nil
}

// at is a time cell on the reader's clock, or an empty cell.
func (l *Labels) at(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.In(l.Zone)
}

func ptr[T any](v T) *T { return &v }

// shipmentValues are ShipmentCells for people: the same columns, told in
// the reader's language and zone (a person id masked, no title).
func (l *Labels) shipmentValues(r *store.ListRow, now time.Time) []any {
	at := func(t *time.Time) any {
		if t == nil {
			return nil
		}
		return t.In(l.Zone)
	}
	return []any{r.ID, model.ChannelDisplay(r.Channel), r.ChannelID, r.SenderOrg, r.SenderUnit,
		l.code("kind.", r.RecipientKind), model.MaskRecipient(r.RecipientKind, r.RecipientID), r.RecipientName, r.Class,
		l.yes(r.Confidential), at(&r.SentAt), ageDays(now, r.SentAt), l.code("state.", string(r.State)),
		at(&r.StateChangedAt), l.code("stage.", string(r.Stage)), r.RemindersSent, at(r.LastReminded),
		at(r.UnknownToChannelSince)}
}

// values writes one row of typed cells: a text as Row writes it, a time as
// a date cell (dateFormat), a number as a number, nil as an empty cell.
func (x *xlsxWriter) values(cells []any) error {
	if err := x.full(); err != nil {
		return err
	}
	x.buf = x.buf[:0]
	for _, c := range cells {
		switch v := c.(type) {
		case string:
			x.buf = append(x.buf, x.textCell(v))
		case time.Time:
			x.buf = append(x.buf, excelize.Cell{StyleID: x.date, Value: v})
		default:
			x.buf = append(x.buf, v)
		}
	}
	return x.put(x.buf)
}
