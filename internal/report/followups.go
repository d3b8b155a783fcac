package report

import (
	"context"
	"io"
	"strconv"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
)

// FollowUpSource pages through the follow-ups of a scope (*store.Store;
// FollowUps reads its pages in one snapshot when it can).
type FollowUpSource = store.FollowUpPager

// followUpSnapshotter reads follow-ups in one snapshot (*store.Store).
type followUpSnapshotter interface {
	FollowUpsSnapshot(ctx context.Context, fn func(store.FollowUpPager) error) error
}

// FollowUpHeader is the header of a follow-up list: what each sending unit
// decided about its undelivered letters, who decided and when.
var FollowUpHeader = []string{"id", "sender_unit", "channel", "channel_id", "recipient_kind", "recipient", "sent_at",
	"state", "reason", "deadline", "decision", "decided_by", "decided_at", "missed_statutory_deadline",
	"new_shipment_id", "note"}

// followUpValues are one follow-up's cells: times as time.Time (or nil),
// codes through code (prefix, code); a person id masked, no title.
func followUpValues(f *store.FollowUp, code func(prefix, c string) string, at func(*time.Time) any, yes func(bool) string) []any {
	decision, newID := "", ""
	if f.Decision != nil {
		decision = code("decision.", *f.Decision)
	}
	if f.NewShipmentID != nil {
		newID = *f.NewShipmentID
	}
	return []any{f.ShipmentID, f.SenderUnit, code("channel.", f.Channel), f.ChannelID, code("kind.", f.RecipientKind),
		model.MaskRecipient(f.RecipientKind, f.RecipientID), at(&f.SentAt), code("state.", f.State),
		code("followup.reason.", f.Reason), at(&f.Deadline), decision, f.DecidedBy, at(f.DecidedAt),
		yes(f.MissedDeadline), newID, f.Note}
}

// FollowUps writes the follow-ups of scope (open ones only unless all), by
// deadline, to w in format; an XLSX of at most o.MaxRows rows, for people
// with o.Labels (see Labels: the codes and headers in the reader's
// language, times as date cells), else in the CSV's form: codes as stored,
// UTC times. It returns how many rows it wrote. Its pages are read as of
// one moment when src can (store.Store.FollowUpsSnapshot): a follow-up
// whose deadline moves while the file is written is in it once.
func FollowUps(ctx context.Context, src FollowUpSource, scope store.Scope, all bool, format Format, w io.Writer, o XLSXOptions) (int, error) {
	if snap, ok := src.(followUpSnapshotter); ok {
		var n int
		err := snap.FollowUpsSnapshot(ctx, func(p store.FollowUpPager) error {
			var err error
			n, err = followUpsFrom(ctx, p, scope, all, format, w, o)
			return err
		})
		return n, err
	}
	return followUpsFrom(ctx, src, scope, all, format, w, o)
}

// followUpsFrom is FollowUps reading src as it is.
func followUpsFrom(ctx context.Context, src FollowUpSource, scope store.Scope, all bool, format Format, w io.Writer, o XLSXOptions) (int, error) {
	var tw Writer
	var err error
	var row func(f *store.FollowUp) error
	if l := o.Labels; format == XLSX && l != nil {
		var x *xlsxWriter
		if x, err = l.newSheet(w, "followups", FollowUpHeader, o.maxRows()); err == nil {
			tw = x
			code := func(prefix, c string) string {
				switch prefix {
				case "channel.":
					return model.ChannelDisplay(c)
				case "followup.reason.":
					return l.reason(c)
				}
				return l.code(prefix, c)
			}
			at := func(t *time.Time) any {
				if t == nil {
					return nil
				}
				return t.In(l.Zone)
			}
			row = func(f *store.FollowUp) error { return x.values(followUpValues(f, code, at, l.yes)) }
		}
	} else {
		tw, err = newWriter(format, w, "followups", FollowUpHeader, o.maxRows())
		code := func(_, c string) string { return c }
		at := func(t *time.Time) any {
			if t == nil {
				return ""
			}
			return t.UTC().Format(time.RFC3339)
		}
		cells := make([]string, len(FollowUpHeader))
		row = func(f *store.FollowUp) error {
			for i, v := range followUpValues(f, code, at, strconv.FormatBool) {
				cells[i] = v.(string)
			}
			return tw.Row(cells)
		}
	}
	if err != nil {
		return 0, err
	}
	return writePages(tw, func(cursor string) ([]store.FollowUp, string, error) {
		page, err := src.FollowUpsPage(ctx, scope, all, cursor, 1000)
		if err != nil {
			return nil, "", err
		}
		return page.FollowUps, page.NextCursor, nil
	}, row)
}

// writePages writes a row of every item of the pages next returns (from
// the cursor "" on, until a page's next cursor is "") and closes tw. On an
// error it abandons the file (an XLSX's workbook closed, nothing written)
// and returns how many rows it wrote.
func writePages[T any](tw Writer, next func(cursor string) ([]T, string, error), row func(*T) error) (int, error) {
	n, cursor := 0, ""
	for {
		items, nextCursor, err := next(cursor)
		for i := 0; err == nil && i < len(items); i++ {
			if err = row(&items[i]); err == nil {
				n++
			}
		}
		if err != nil {
			if x, ok := tw.(*xlsxWriter); ok {
				x.f.Close()
			}
			return n, err
		}
		if cursor = nextCursor; cursor == "" {
			return n, tw.Close()
		}
	}
}
