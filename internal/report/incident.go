package report

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"

	"postvakt/internal/model"
	"postvakt/internal/store"
)

// IncidentSource streams an incident's letters and counts them
// (*store.Store; IncidentFor reads it in one snapshot when it can).
type IncidentSource = store.IncidentReader

// IncidentHeader is the header of an incident report's letters.
var IncidentHeader = []string{"sender_org", "sender_unit", "sender_system", "id", "channel", "channel_id", "recipient_kind", "recipient",
	"class", "confidential", "sent_at", "state", "state_changed_at", "channel_status", "available_at", "stage",
	"followup", "followup_deadline", "reminders_sent", "last_reminded_at", "print_state"}

// IncidentCells renders one letter; a person id is masked, there is no title.
func IncidentCells(r *store.IncidentRow) []string {
	t := func(p *time.Time) string {
		if p == nil {
			return ""
		}
		return p.UTC().Format(time.RFC3339)
	}
	fu, ps := "", ""
	if r.FollowUp != nil {
		fu = *r.FollowUp
	}
	if r.PrintState != nil {
		ps = *r.PrintState
	}
	return []string{r.SenderOrg, r.SenderUnit, r.SenderSystem, r.ID, r.Channel, r.ChannelID, r.RecipientKind,
		model.MaskRecipient(r.RecipientKind, r.RecipientID), r.Class, strconv.FormatBool(r.Confidential),
		r.SentAt.UTC().Format(time.RFC3339), string(r.State), r.StateChangedAt.UTC().Format(time.RFC3339),
		r.ChannelStatus, t(r.AvailableAt), string(r.Stage), fu, t(r.Deadline),
		strconv.Itoa(r.RemindersSent), t(r.LastRemindedAt), ps}
}

// UnitSummary is one sending unit's letters in an incident, per state.
type UnitSummary struct {
	SenderOrg string         `json:"sender_org"`
	Unit      string         `json:"sender_unit"`
	States    map[string]int `json:"states"`
	Total     int            `json:"total"`
}

// Summarise groups the per-unit, per-state counts per unit, in unit order.
func Summarise(counts []store.UnitCount) []UnitSummary {
	var out []UnitSummary
	for _, c := range counts {
		if n := len(out); n == 0 || out[n-1].SenderOrg != c.SenderOrg || out[n-1].Unit != c.Unit {
			out = append(out, UnitSummary{SenderOrg: c.SenderOrg, Unit: c.Unit, States: map[string]int{}})
		}
		u := &out[len(out)-1]
		u.States[string(c.State)] += c.N
		u.Total += c.N
	}
	return out
}

// summaryHeader and summaryCells are the summary sheet: one row per unit,
// a column per state.
func summaryHeader() []string {
	h := []string{"sender_org", "sender_unit", "total"}
	for _, s := range model.States {
		h = append(h, string(s))
	}
	return h
}

func summaryCells(u UnitSummary) []string {
	c := []string{u.SenderOrg, u.Unit, strconv.Itoa(u.Total)}
	for _, s := range model.States {
		c = append(c, strconv.Itoa(u.States[string(s)]))
	}
	return c
}

// Incident writes an incident report to w: every letter the filter selects
// with its state and evidence, grouped per sending unit, and the count per
// state of each unit. CSV holds the letters (grouped per unit); XLSX a
// summary sheet and a letters sheet; JSON {"summary": [...], "letters":
// [...]}. It streams the letters and returns how many it wrote and the
// summary.
func Incident(ctx context.Context, src IncidentSource, f store.IncidentFilter, format Format, w io.Writer) (int, []UnitSummary, error) {
	return IncidentFor(ctx, src, f, format, w, XLSXOptions{})
}

// IncidentFor is Incident with an XLSX made as o says: told for people by
// o.Labels (see Labels: the sheets, headers and codes in the reader's
// language, times as date cells, counts as numbers), of at most o.MaxRows
// letters; for CSV and JSON it is Incident.
func IncidentFor(ctx context.Context, src IncidentSource, f store.IncidentFilter, format Format, w io.Writer, o XLSXOptions) (int, []UnitSummary, error) {
	if snap, ok := src.(snapshotter); ok {
		// The counts and the letters as of one moment: a file whose summary
		// says 30 lists 30 letters, though a 31st is registered meanwhile.
		var n int
		var sum []UnitSummary
		err := snap.IncidentSnapshot(ctx, func(r store.IncidentReader) error {
			var err error
			n, sum, err = incidentFor(ctx, r, f, format, w, o)
			return err
		})
		return n, sum, err
	}
	return incidentFor(ctx, src, f, format, w, o)
}

// snapshotter reads an incident in one snapshot (*store.Store).
type snapshotter interface {
	IncidentSnapshot(ctx context.Context, fn func(store.IncidentReader) error) error
}

// incidentFor is IncidentFor reading src as it is.
func incidentFor(ctx context.Context, src IncidentSource, f store.IncidentFilter, format Format, w io.Writer, o XLSXOptions) (int, []UnitSummary, error) {
	counts, err := src.IncidentSummary(ctx, f)
	if err != nil {
		return 0, nil, err
	}
	sum := Summarise(counts)
	switch format {
	case CSV:
		n, err := incidentRows(ctx, src, f, format, w)
		return n, sum, err
	case JSON:
		head, err := json.Marshal(sum)
		if err != nil {
			return 0, sum, fmt.Errorf("encode incident summary: %w", err)
		}
		if sum == nil {
			head = []byte("[]")
		}
		// The summary goes out with the letters' first bytes: a listing
		// the database ends before its first letter can still be answered
		// with an error (a 503), nothing written.
		hw := &headFirst{w: w, head: fmt.Appendf(nil, "{\"summary\": %s,\n\"letters\": ", head)}
		n, err := incidentRows(ctx, src, f, format, hw)
		if err != nil {
			return n, sum, err
		}
		if _, err := io.WriteString(w, "}\n"); err != nil {
			return n, sum, fmt.Errorf("write incident report: %w", err)
		}
		return n, sum, nil
	case XLSX:
		n, err := incidentXLSX(ctx, src, f, sum, w, o)
		return n, sum, err
	}
	return 0, sum, fmt.Errorf("unknown format %q", format)
}

// headFirst writes head before the first bytes written through it.
type headFirst struct {
	w    io.Writer
	head []byte
}

func (h *headFirst) Write(p []byte) (int, error) {
	if h.head != nil {
		if _, err := h.w.Write(h.head); err != nil {
			return 0, fmt.Errorf("write incident report: %w", err)
		}
		h.head = nil
	}
	return h.w.Write(p)
}

func incidentRows(ctx context.Context, src IncidentSource, f store.IncidentFilter, format Format, w io.Writer) (int, error) {
	tw, err := NewWriter(format, w, "letters", IncidentHeader)
	if err != nil {
		return 0, err
	}
	n := 0
	err = src.EachIncidentLetter(ctx, f, func(r *store.IncidentRow) error {
		n++
		return tw.Row(IncidentCells(r))
	})
	if err != nil {
		return n, err
	}
	return n, tw.Close()
}

// incidentXLSX writes the summary sheet, then streams the letters sheet;
// with labels, for people (incidentSheets).
func incidentXLSX(ctx context.Context, src IncidentSource, f store.IncidentFilter, sum []UnitSummary, w io.Writer, o XLSXOptions) (int, error) {
	sh := incidentSheets(o.Labels)
	x, err := newXLSX(w, sh.summary, sh.summaryHeader, o.maxRows())
	if err != nil {
		return 0, err
	}
	defer x.f.Close()
	if o.Labels != nil {
		if err := x.dateStyle(); err != nil {
			return 0, err
		}
	}
	for _, u := range sum {
		if err := sh.summaryRow(x, u); err != nil {
			return 0, err
		}
	}
	if err := x.sw.Flush(); err != nil {
		return 0, fmt.Errorf("write XLSX summary: %w", err)
	}
	if _, err := x.f.NewSheet(sh.letters); err != nil {
		return 0, fmt.Errorf("start XLSX letters sheet: %w", err)
	}
	if x.sw, err = x.f.NewStreamWriter(sh.letters); err != nil {
		return 0, fmt.Errorf("start XLSX letters sheet: %w", err)
	}
	x.row = 0
	bold, err := x.f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return 0, fmt.Errorf("start XLSX letters sheet: %w", err)
	}
	head := make([]any, len(sh.lettersHeader))
	for i, h := range sh.lettersHeader {
		head[i] = excelize.Cell{StyleID: bold, Value: h}
	}
	if err := x.put(head); err != nil {
		return 0, err
	}
	n := 0
	if err := src.EachIncidentLetter(ctx, f, func(r *store.IncidentRow) error {
		n++
		return sh.letterRow(x, r)
	}); err != nil {
		return n, err
	}
	if err := x.sw.Flush(); err != nil {
		return n, fmt.Errorf("finish XLSX: %w", err)
	}
	if err := x.f.Write(x.w); err != nil {
		return n, fmt.Errorf("write XLSX: %w", err)
	}
	return n, nil
}

// incidentSheet is how an incident's XLSX is told: its sheets' names and
// headers, and its rows.
type incidentSheet struct {
	summary, letters             string
	summaryHeader, lettersHeader []string
	summaryRow                   func(x *xlsxWriter, u UnitSummary) error
	letterRow                    func(x *xlsxWriter, r *store.IncidentRow) error
}

// incidentSheets is the XLSX in the CSV's form (nil labels: the API's and
// postvakt report's, English names and codes, UTC text times), or for
// people in the reader's language (the UI's): the sheets and the columns
// named by the catalogue (export.sheet.*, export.col.*, a state's column by
// the state), channel, recipient kind, yes/no, state, stage and the
// follow-up's decision as said there, times as date cells on the reader's
// clock, the counts as numbers. The same letters, in the same order.
func incidentSheets(l *Labels) incidentSheet {
	if l == nil {
		return incidentSheet{summary: "summary", letters: "letters", summaryHeader: summaryHeader(), lettersHeader: IncidentHeader,
			summaryRow: func(x *xlsxWriter, u UnitSummary) error { return x.Row(summaryCells(u)) },
			letterRow:  func(x *xlsxWriter, r *store.IncidentRow) error { return x.Row(IncidentCells(r)) }}
	}
	head := l.header([]string{"sender_org", "sender_unit", "total"})
	for _, s := range model.States {
		head = append(head, l.code("state.", string(s)))
	}
	return incidentSheet{summary: l.sheet("summary"), letters: l.sheet("letters"),
		summaryHeader: head, lettersHeader: l.header(IncidentHeader),
		summaryRow: func(x *xlsxWriter, u UnitSummary) error {
			c := []any{u.SenderOrg, u.Unit, u.Total}
			for _, s := range model.States {
				c = append(c, u.States[string(s)])
			}
			return x.values(c)
		},
		letterRow: func(x *xlsxWriter, r *store.IncidentRow) error { return x.values(l.incidentValues(r)) }}
}

// incidentValues are IncidentCells for people (incidentSheets).
func (l *Labels) incidentValues(r *store.IncidentRow) []any {
	fu := ""
	switch {
	case r.FollowUp == nil:
	case *r.FollowUp == "open":
		fu = l.code("", "export.followup_open")
	default:
		fu = l.code("decision.", *r.FollowUp)
	}
	ps := ""
	if r.PrintState != nil {
		ps = l.code("export.print_state.", *r.PrintState)
	}
	return []any{r.SenderOrg, r.SenderUnit, r.SenderSystem, r.ID, model.ChannelDisplay(r.Channel), r.ChannelID,
		l.code("kind.", r.RecipientKind), model.MaskRecipient(r.RecipientKind, r.RecipientID), r.Class, l.yes(r.Confidential),
		l.at(&r.SentAt), l.code("state.", string(r.State)), l.at(&r.StateChangedAt), r.ChannelStatus, l.at(r.AvailableAt),
		l.code("stage.", string(r.Stage)), fu, l.at(r.Deadline), r.RemindersSent, l.at(r.LastRemindedAt), ps}
}

// StateNames lists the states in lifecycle order, for tables of counts.
func StateNames() []string {
	out := make([]string, 0, len(model.States))
	for _, s := range model.States {
		out = append(out, string(s))
	}
	return out
}
