package web

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"

	"postvakt/internal/i18n"
	"postvakt/internal/model"
	"postvakt/internal/report"
	"postvakt/internal/store"
)

// export streams a list as CSV, XLSX or JSON (format=csv|xlsx|json), each
// letter with its next step by the list page's rule (report.PolicyNext);
// the XLSX is in the reader's language (xlsxFor).
func (s *Server) export(w http.ResponseWriter, r *http.Request) {
	p := principal(r.Context())
	if scriptRefused(w, r, exportParams) {
		return
	}
	q := r.URL.Query()
	if !bySession(r) {
		var ok bool
		if q, ok = senderUnitAsUnit(w, q); !ok {
			return
		}
		r.URL.RawQuery = q.Encode()
	}
	format, err := report.ParseFormat(q.Get("format"))
	if err != nil {
		s.renderError(w, r, http.StatusBadRequest, "err.filter.format", "Value", model.Quote(q.Get("format")))
		return
	}
	f, err := s.uiListFilter(r, p)
	if s.badFilter(w, r, err) {
		return
	}
	if !s.mustAuditList(w, r, store.ActExport, describe(f), f, string(format)) {
		return
	}
	s.download(w, r, string(f.List), s.exportFile(string(f.List), format), format, letterRows, func(w io.Writer) (int, error) {
		now := s.now()
		src := report.PolicyNext{Facts: s.store, Policies: s.policies, Now: now, Log: s.log}
		return report.ShipmentsNext(r.Context(), src, f, format, w, now, s.xlsxFor(r))
	})
}

// scriptRefused answers 400 to a script's export (a bearer token) that
// gives a parameter the export does not take (takes), and reports whether
// it did: ignored, a misspelt filter would give the whole export as if
// filtered. A browser's (a session's) keeps what its page's links carry.
func scriptRefused(w http.ResponseWriter, r *http.Request, takes []string) bool {
	return !bySession(r) && refuseUnknownParams(w, r.URL.Query(), takes)
}

// exportParams are the query parameters /export takes: a list's filter,
// sender_unit (unit's older name, as GET /api/v1/shipments takes it) and
// format.
var exportParams = append(slices.Clone(filterParams), "sender_unit", "format")

// exportFile is the file name of a list's export (what names it:
// "unopened", "followups", "audit"): postvakt-<what>-<Oslo date>.<format>.
func (s *Server) exportFile(what string, format report.Format) string {
	return fmt.Sprintf("postvakt-%s-%s.%s", what, s.now().In(zone).Format("2006-01-02"), format)
}

// download streams an export (what names it in the log: "unopened",
// "followups", "incident") as the attachment file. The CSV a browser
// downloads (a session's request) starts with a UTF-8 byte order mark, so
// that Excel, opening it by a double click, reads æøå as UTF-8 and not as
// the Windows code page; fetched with a bearer token (the API, a script)
// it has none, for the programs that read it. An XLSX too large for a
// sheet is refused before anything is sent (tooManyRows, saying what its
// rows are).
func (s *Server) download(w http.ResponseWriter, r *http.Request, what, file string, format report.Format, rows exportRows,
	write func(io.Writer) (int, error)) {
	h := w.Header()
	h.Set("Content-Type", format.ContentType())
	h.Set("Content-Disposition", `attachment; filename="`+file+`"`)
	h.Set("Cache-Control", "no-store")
	sw := &sentWriter{w: w}
	var out io.Writer = sw
	if format == report.CSV && bySession(r) {
		out = &bomWriter{w: sw}
	}
	n, err := write(out)
	if errors.Is(err, report.ErrTooManyRows) { // nothing was written yet
		h.Del("Content-Disposition")
		s.tooManyRows(w, r, rows)
		return
	}
	if err != nil && !sw.sent {
		// Nothing went out (the query failed before its first row): an
		// answer that says why, a 503 for a statement that ran too long.
		h.Del("Content-Disposition")
		s.internalError(w, r, "export "+what, err)
		return
	}
	if err != nil {
		// Headers and part of the file are gone: the transfer is aborted
		// (the chunked answer never ends), so the browser or client reports
		// a failed download instead of a file that looks whole with rows
		// missing; the log says why.
		s.log.Error("export failed", "list", what, "rows", n, "error", err)
		panic(http.ErrAbortHandler)
	}
	s.log.Info("export", "actor", principal(r.Context()).Actor(), "list", what, "format", format, "rows", n)
}

// exportRows is what an export's rows are, as its too-many-rows answer
// says it: the UI's catalogue entry and the API's (English) noun.
type exportRows struct{ key, noun string }

var (
	letterRows   = exportRows{"err.filter.too_many_xlsx", "letters"}                 // the lists, the incident report
	auditRows    = exportRows{"err.filter.too_many_xlsx_audit", "audit log entries"} // the audit log
	followUpRows = exportRows{"err.filter.too_many_xlsx_followups", "follow-ups"}    // the follow-ups
)

// tooManyRows answers an XLSX export of more rows than a sheet may hold
// (s.xlsxRows), naming what they are: 400, the API's with its code
// too_many_rows, the UI's with a page saying so.
func (s *Server) tooManyRows(w http.ResponseWriter, r *http.Request, rows exportRows) {
	if isAPI(r) {
		writeErrorCode(w, http.StatusBadRequest, codeTooManyRows, fmt.Sprintf(
			"more than %d %s: too many for a spreadsheet; narrow the filter, or ask for format=csv or json", s.xlsxRows, rows.noun))
		return
	}
	s.renderError(w, r, http.StatusBadRequest, rows.key, "Max", i18n.Number(s.xlsxRows)) // a count on a page: nb 1 048 575
}

// xlsxFor is how an export's XLSX is made for r: for people (the UI's
// paths) in the reader's language, with the times on the clock of the
// pages (report.Labels; CSV and JSON stay the same for every language);
// for programs (the API) in the CSV's form. Either holds at most
// s.xlsxRows letters.
func (s *Server) xlsxFor(r *http.Request) report.XLSXOptions {
	o := report.XLSXOptions{MaxRows: s.xlsxRows}
	if isAPI(r) {
		return o
	}
	l := s.loc(r)
	o.Labels = &report.Labels{Zone: zone, Text: func(id string, args ...any) string {
		if !l.Has(id) {
			return ""
		}
		return l.T(id, args...)
	}}
	return o
}

// bySession says whether r came with a browser's session (not a bearer
// token).
func bySession(r *http.Request) bool {
	rq := current(r.Context())
	return rq != nil && rq.sessionHash != nil
}

// sentWriter notes whether anything was written through it: until then an
// export that fails can still be answered with a status of its own.
type sentWriter struct {
	w    io.Writer
	sent bool
}

func (s *sentWriter) Write(p []byte) (int, error) {
	if len(p) > 0 {
		s.sent = true
	}
	return s.w.Write(p)
}

// utf8BOM is the UTF-8 byte order mark.
const utf8BOM = "\uFEFF"

// bomWriter puts a UTF-8 byte order mark before the first bytes written
// through it; with nothing written, nothing is sent (an export that fails
// before its first row can still be answered with an error).
type bomWriter struct {
	w       io.Writer
	started bool
}

func (b *bomWriter) Write(p []byte) (int, error) {
	if !b.started && len(p) > 0 {
		b.started = true
		if _, err := io.WriteString(b.w, utf8BOM); err != nil {
			return 0, err
		}
	}
	return b.w.Write(p)
}
