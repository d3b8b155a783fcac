package web

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"postvakt/internal/i18n"
	"postvakt/internal/importer"
	"postvakt/internal/spreadsheet"
	"postvakt/internal/store"
)

// maxImportForm bounds the body of the letters import's form (the CSV file
// and the CSRF token): some 100,000 letters, stored within a request's
// statement timeout (POSTVAKT_STATEMENT_TIMEOUT, 1 minute by default) with
// room to spare: 36 s in all on a loaded 2-core machine (load 13), the
// longest part the set-based insert. A larger file is for `postvakt
// import`, whose connection has no statement timeout.
const maxImportForm = 16 << 20

// maxImportProblems is how many problems of a refused file the page lists;
// the importer counts the rest.
const maxImportProblems = 100

// importData is the letters import page: the form, and what the last
// upload did (Done) or why nothing was imported (the problem, tied to the
// file field, and the file's problems by line).
type importData struct {
	Done     *importDone
	Problems []string // the file's problems, by line, in the reader's language
	More     int      // problems not listed
	MaxMiB   int
	Columns  string // the header a file must have
	Optional string // the columns it may add
	fieldProblem
}

// importDone is what an upload registered, as `postvakt import` says it.
type importDone struct {
	Rows, Created, Known    int
	Windows1252, Semicolons bool
	// Kept: rows naming a letter registered before with other facts, which
	// stand (importer.Result.Kept), in the reader's words; KeptMore not shown.
	Kept     []string
	KeptMore int
	// UnitsLike: the units the upload made written otherwise than another
	// of their organisation (importer.Result.UnitsLike), in the reader's
	// words.
	UnitsLike []string
}

// importPage shows the letters import's form.
func (s *Server) importPage(w http.ResponseWriter, r *http.Request) {
	s.renderImport(w, r, http.StatusOK, importData{})
}

func (s *Server) renderImport(w http.ResponseWriter, r *http.Request, status int, d importData) {
	d.MaxMiB = maxImportForm >> 20
	d.Columns = strings.Join(importer.Columns, ",")
	d.Optional = strings.Join(importer.Optional, ",")
	s.render(w, r, status, "import", "title.import", d)
}

// importLetters registers the letters of an uploaded CSV file with
// importer.Import, as `postvakt import` does: all or nothing, a letter
// registered before skipped. The user's scope bounds the rows (a scoped
// officer's organisation, a unit's own unit: importer.Options.Scope); a
// row without a sender_system is the user's (senderSystem), as a token's
// are through the API. Audited with the counts, never a title.
func (s *Server) importLetters(w http.ResponseWriter, r *http.Request) {
	p, l := principal(r.Context()), s.loc(r)
	f, _, err := r.FormFile("file")
	if err != nil {
		s.renderImport(w, r, http.StatusBadRequest, importData{fieldProblem: fieldProblem{
			Problem: l.T("import.err_no_file"), ProblemField: "file"}})
		return
	}
	defer f.Close()
	// The whole upload decides its encoding (bounded by maxImportForm):
	// a Windows-1252 file whose first æ comes late is read as such.
	data, err := io.ReadAll(f)
	if err != nil {
		s.internalError(w, r, "read the uploaded file", err)
		return
	}
	res, err := importer.Import(r.Context(), s.store, bytes.NewReader(data), importer.Options{Actor: p.Actor(), System: senderSystem(p),
		Now: s.now(), MaxErrs: maxImportProblems, Scope: p.Scope(), Channels: s.channels, Encoding: spreadsheet.EncodingOf(data), WholeFile: true})
	var inv *importer.InvalidError
	if errors.As(err, &inv) {
		n := len(inv.Rows) + inv.More
		s.log.Info("letters import refused", "actor", p.Actor(), "rows", res.Rows, "problems", n)
		s.audit(r.Context(), store.ActLettersImport, "letters", fmt.Sprintf("refused: %d problem(s) in %d rows; nothing imported", n, res.Rows))
		d := importData{More: inv.More, fieldProblem: fieldProblem{
			Problem: l.T("import.err_refused", "Count", n), ProblemField: "file"}}
		for _, pr := range inv.Rows {
			d.Problems = append(d.Problems, lineProblem(l, pr, "import.problem", "import.problem_line"))
		}
		s.renderImport(w, r, http.StatusBadRequest, d)
		return
	}
	if err != nil && res.Stored == importer.StoredUnknown {
		s.log.Error("letters import: whether the rows were stored is unknown", "actor", p.Actor(), "rows", res.Rows, "error", err)
		s.audit(r.Context(), store.ActLettersImport, "letters", fmt.Sprintf("%d rows; whether they were stored is unknown", res.Rows))
		s.renderError(w, r, http.StatusServiceUnavailable, "import.err_unknown")
		return
	}
	if err != nil {
		s.internalError(w, r, "import letters", err)
		return
	}
	known := res.Rows - res.Created - res.Repeated // a line repeating an earlier one is no letter registered before
	s.log.Info("letters imported", "actor", p.Actor(), "rows", res.Rows, "new", res.Created)
	s.audit(r.Context(), store.ActLettersImport, "letters", fmt.Sprintf("%d rows: %d new, %d already registered", res.Rows, res.Created, known))
	done := &importDone{Rows: res.Rows, Created: res.Created, Known: known,
		Windows1252: res.Encoding == importer.EncodingWindows1252, Semicolons: res.Separator == ';', KeptMore: res.KeptMore}
	for _, k := range res.Kept {
		done.Kept = append(done.Kept, lineProblem(l, k, "import.problem", "import.problem_line"))
	}
	for _, u := range res.UnitsLike {
		done.UnitsLike = append(done.UnitsLike, l.T("import.unit_like", "Org", u.SenderOrg, "Unit", u.Name, "Like", u.Like))
	}
	s.renderImport(w, r, http.StatusOK, importData{Done: done})
}

// lineProblem is one problem of a file people bring (letters, units), its
// line and column and the problem itself in l's language (the reader's
// Reason; its English Message, as the command line prints it, when l's
// catalogue lacks it), in the page's words: cell's key for a problem of a
// column, line's for one of the line as a whole.
func lineProblem(l *i18n.Localizer, pr spreadsheet.LineError, cell, line string) string {
	msg := l.Say(pr.Reason, pr.Message)
	if pr.Column == "" {
		return l.T(line, "Line", pr.Line, "Message", msg)
	}
	return l.T(cell, "Line", pr.Line, "Column", pr.Column, "Message", msg)
}
