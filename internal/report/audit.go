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

// AuditLog writes the entries f selects (its Before and Limit aside),
// newest first, every page of them, to w in format, and returns how many
// it wrote. The entries are as the store reads them: national ids masked.
func AuditLog(ctx context.Context, src AuditSource, f store.AuditFilter, format Format, w io.Writer) (int, error) {
	tw, err := NewWriter(format, w, "audit", AuditHeader)
	if err != nil {
		return 0, err
	}
	f.Before, f.Limit = "", auditExportPage
	cells := make([]string, len(AuditHeader))
	n := 0
	for {
		page, err := src.AuditLog(ctx, f)
		if err == nil {
			for _, e := range page.Entries {
				cells[0], cells[1], cells[2], cells[3] = e.At.UTC().Format(time.RFC3339), e.Actor, e.Role, e.SenderOrg
				cells[4], cells[5], cells[6], cells[7] = e.Action, e.Object, e.Detail, e.SubjectOrg
				if err = tw.Row(cells); err != nil {
					break
				}
				n++
			}
		}
		if err != nil {
			if x, ok := tw.(*xlsxWriter); ok {
				x.f.Close()
			}
			return n, err
		}
		if f.Before = page.NextCursor; f.Before == "" {
			break
		}
	}
	return n, tw.Close()
}
