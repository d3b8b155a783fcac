package report

import (
	"context"
	"io"
	"time"

	"postvakt/internal/store"
)

// AuditSource pages through the audit log (*store.Store).
type AuditSource interface {
	AuditLog(ctx context.Context, f store.AuditFilter) (*store.AuditPage, error)
}

// AuditHeader is the header of an audit log export: when (UTC), who in
// which role, did what to which object, and whose data it concerned.
var AuditHeader = []string{"at", "actor", "role", "sender_org", "action", "object", "detail", "subject_org"}

// auditExportPage is how many entries one read of an export takes.
const auditExportPage = 1000

// auditValues are one entry's cells: the time through at, the role
// through role.
func auditValues(e *store.AuditEntry, at func(time.Time) any, role func(string) string) []any {
	return []any{at(e.At), e.Actor, role(e.Role), e.SenderOrg, string(e.Action), e.Object, e.Detail, e.SubjectOrg}
}

// AuditLog writes the entries f selects (its Before and Limit aside),
// newest first, every page of them, to w in format, and returns how many
// it wrote. The entries are as the store reads them: national ids masked.
// An XLSX (of at most o.MaxRows entries) with o.Labels is for people (see
// Labels: the headers and the role in the reader's language, the time a
// date cell on the reader's clock); else, and in CSV and JSON, the time is
// UTC text and the role its code. The actions stay codes in every form, as
// the audit page shows them.
func AuditLog(ctx context.Context, src AuditSource, f store.AuditFilter, format Format, w io.Writer, o XLSXOptions) (int, error) {
	var tw Writer
	var err error
	var row func(e *store.AuditEntry) error
	if l := o.Labels; format == XLSX && l != nil {
		var x *xlsxWriter
		if x, err = l.newSheet(w, "audit", AuditHeader, o.maxRows()); err == nil {
			tw = x
			at := func(t time.Time) any { return t.In(l.Zone) }
			role := func(r string) string { return l.code("role.", r) }
			row = func(e *store.AuditEntry) error { return x.values(auditValues(e, at, role)) }
		}
	} else {
		tw, err = newWriter(format, w, "audit", AuditHeader, o.maxRows())
		at := func(t time.Time) any { return t.UTC().Format(time.RFC3339) }
		role := func(r string) string { return r }
		cells := make([]string, len(AuditHeader))
		row = func(e *store.AuditEntry) error {
			for i, v := range auditValues(e, at, role) {
				cells[i] = v.(string)
			}
			return tw.Row(cells)
		}
	}
	if err != nil {
		return 0, err
	}
	f.Limit = auditExportPage
	return writePages(tw, func(cursor string) ([]store.AuditEntry, string, error) {
		f.Before = cursor
		page, err := src.AuditLog(ctx, f)
		if err != nil {
			return nil, "", err
		}
		return page.Entries, page.NextCursor, nil
	}, row)
}
