package web_test

import (
	"bytes"
	"fmt"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
)

// The letters import in the UI (/import): the file `postvakt import`
// takes, registered by importer.Import all or nothing, within the user's
// scope.

const importHeader = "channel,channel_id,sender_org,sender_unit,recipient_kind,recipient_id,title,confidential,class,sent_at\n"

// importRow is a valid row of a letters file: letter i of unit, to the
// organisation 974760673.
func importRow(i int, unit string) string {
	return fmt.Sprintf("svarut,00000000-0000-4000-8000-%012d,964338531,%s,org,974760673,\"Vedtak, nr %d\",true,taushetsbelagt,2026-11-20T10:00:00+01:00\n", i, unit, i)
}

// uploadLetters posts content as the import form's file (a browser set to
// lang: nb, da or en) and returns the status and the page unescaped.
func (b *browser) uploadLetters(lang, csrfToken string, content []byte) (int, string) {
	b.e.t.Helper()
	return b.uploadIn(lang, "/import", csrfToken, content)
}

// uploadIn posts content as the file of the form at path (a browser set
// to lang) and returns the status and the page unescaped.
func (b *browser) uploadIn(lang, path, csrfToken string, content []byte) (int, string) {
	b.e.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if csrfToken != "" {
		_ = mw.WriteField("csrf", csrfToken)
	}
	fw, _ := mw.CreateFormFile("file", "file.csv")
	_, _ = fw.Write(content)
	_ = mw.Close()
	req, _ := http.NewRequest(http.MethodPost, b.e.srv.URL+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Accept-Language", languages[lang])
	resp, err := b.c.Do(req)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	page, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, html.UnescapeString(string(page))
}

// letters counts the registered letters.
func (e *env) letters() int {
	e.t.Helper()
	var n int
	if err := e.st.DB().Get(&n, `SELECT count(*) FROM shipments`); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// A compliance officer's good file registers every row, as the user's
// sender system, the evidence naming them, and says how many were new; the
// same file again registers nothing new and says so. Both are audited with
// the counts, never a title. The menu leads to the page.
func TestImportLettersInUI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.loggedIn("officer", "compliance", "964338531", "")
	code, page := b.get("/import")
	if code != http.StatusOK || !strings.Contains(page, `href="/import" class="on" aria-current="page"`) {
		t.Fatalf("GET /import: %d, want 200 with the menu's link marked:\n%.2000s", code, page)
	}
	file := []byte(importHeader + importRow(1, "NAV") + importRow(2, "NAV") + importRow(3, "Barnevernstjenesten"))
	code, page = b.uploadLetters("en", csrf(page), file)
	if code != http.StatusOK || !strings.Contains(page, "Imported 3 rows (new letters: 3, already registered: 0).") {
		t.Fatalf("first upload: %d, want 200 and the counts:\n%.3000s", code, page)
	}
	if n := e.letters(); n != 3 {
		t.Fatalf("%d letters registered, want 3", n)
	}
	var systems, actors []string
	if err := e.st.DB().Select(&systems, `SELECT DISTINCT sender_system FROM shipments`); err != nil {
		t.Fatal(err)
	}
	if err := e.st.DB().Select(&actors, `SELECT DISTINCT source || ' ' || actor FROM shipment_events`); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(systems) != "[user:officer]" || fmt.Sprint(actors) != "[import user:officer]" {
		t.Errorf("sender systems %v, events %v: want the user's (user:officer), by a CSV import", systems, actors)
	}
	code, page = b.uploadLetters("nb", csrf(page), file)
	if code != http.StatusOK || !strings.Contains(page, "Importerte 3 rader (nye brev: 0, registrert fra før: 3).") {
		t.Fatalf("second upload: %d, want 200, nothing new:\n%.3000s", code, page)
	}
	// A row naming a letter registered with another class: it stands,
	// and the page says so under the counts.
	if _, page := b.uploadLetters("nb", csrf(page), []byte(importHeader+strings.Replace(importRow(1, "NAV"), "taushetsbelagt", "barnevern", 1))); !strings.Contains(page,
		`<ul id="import-kept"><li>linje 2: class: brevet "00000000-0000-4000-8000-000000000001" er allerede registrert med en annen verdi for klasse, som står`) {
		t.Errorf("a row with another class than registered: not told:\n%.3000s", page)
	}
	if n := e.letters(); n != 3 {
		t.Fatalf("%d letters after the second upload, want 3", n)
	}
	// Excel's CSV on Norwegian Windows: Windows-1252, semicolons. The page
	// says how it was read, as the CLI does.
	excel := strings.ReplaceAll(importHeader+importRow(4, "Bærum"), ",", ";")
	excel = strings.Replace(excel, `"Vedtak; nr 4"`, "Vedtak", 1)
	code, page = b.uploadLetters("en", csrf(page), []byte(strings.ReplaceAll(excel, "æ", "\xe6")))
	if code != http.StatusOK || !strings.Contains(page, "Imported 1 row (new letters: 1, already registered: 0).") ||
		!strings.Contains(page, "it was read as Windows-1252") || !strings.Contains(page, "separated by semicolons") {
		t.Fatalf("Excel's CSV: %d, want 200 saying how it was read:\n%.3000s", code, page)
	}
	var unit string
	if err := e.st.DB().Get(&unit, `SELECT u.name FROM shipments s JOIN sender_units u ON u.id = s.sender_unit_id
		WHERE s.channel_id = '00000000-0000-4000-8000-000000000004'`); err != nil || unit != "Bærum" {
		t.Errorf("unit %q %v, want Bærum", unit, err)
	}
	if !e.audited("user:officer", "letters_import", "letters") {
		t.Error("the import is not in the audit log")
	}
	entries, err := e.st.AuditEntries(t.Context(), "", 100)
	if err != nil {
		t.Fatal(err)
	}
	var details []string
	for _, a := range entries {
		if a.Action == "letters_import" {
			details = append(details, a.Detail)
		}
	}
	if d := strings.Join(details, " | "); !strings.Contains(d, "3 rows: 3 new, 0 already registered") ||
		!strings.Contains(d, "3 rows: 0 new, 3 already registered") || strings.Contains(d, "Vedtak") {
		t.Errorf("audit details %q, want both imports' counts and no title", d)
	}
	// Operations imports nothing and has no link to it.
	ops := e.loggedIn("ops", "operations", "", "")
	if _, page := ops.get("/ops"); strings.Contains(page, `href="/import"`) {
		t.Error("the operations menu links to the import")
	}
}

// A file with one bad row registers nothing: the page names every problem
// as "line N: column: message", in the reader's language around the
// importer's message, announced and tied to the file field; past the
// listed problems it says how many more there are.
func TestImportLettersBadRowRegistersNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.loggedIn("officer", "compliance", "", "")
	_, page := b.get("/import")
	bad := strings.Replace(importRow(3, "NAV"), "974760673", "974760674", 1)
	code, page := b.uploadLetters("nb", csrf(page), []byte(importHeader+importRow(1, "NAV")+importRow(2, "NAV")+bad))
	if code != http.StatusBadRequest {
		t.Fatalf("bad row: %d, want 400:\n%.3000s", code, page)
	}
	doc := parse(t, page)
	f := formWithAction(doc, "/import")
	if f == nil {
		t.Fatal("no import form on the page")
	}
	for _, s := range errorTied(f, "import-err", "file") {
		t.Errorf("refused file: %s (WCAG 3.3.1)", s)
	}
	said := errorText(f, "import-err")
	for _, want := range []string{"CSV-fil: 1 feil i filen; ingenting ble importert.", "linje 4: recipient_id: "} {
		if !strings.Contains(said, want) {
			t.Errorf("the problem says %q, want %q", said, want)
		}
	}
	if n := e.letters(); n != 0 {
		t.Errorf("%d letters registered from a file with a bad row, want none", n)
	}
	// More problems than the page lists: the first 100, and the count.
	var many strings.Builder
	many.WriteString(importHeader)
	for i := 0; i < 105; i++ {
		many.WriteString(strings.Replace(importRow(i, "NAV"), "true", "maybe", 1))
	}
	code, page = b.uploadLetters("en", csrf(page), []byte(many.String()))
	if code != http.StatusBadRequest || strings.Count(page, "is not true or false") != 100 || !strings.Contains(page, "… and 5 more problems not shown.") ||
		!strings.Contains(page, "CSV file: 105 problems in the file; nothing was imported.") {
		t.Errorf("105 bad rows: %d, want 400, 100 listed and 5 more:\n%.1000s", code, page)
	}
	if n := e.letters(); n != 0 {
		t.Errorf("%d letters registered, want none", n)
	}
}

// A unit user imports its own unit's letters only: a row of another unit
// (or organisation), or one naming a letter registered for another unit,
// is a problem of its line and nothing is registered; its own rows are.
// The page says the scope.
func TestImportLettersUnitScope(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	off := e.loggedIn("officer", "compliance", "964338531", "")
	_, page := off.get("/import")
	if code, page := off.uploadLetters("en", csrf(page), []byte(importHeader+importRow(9, "Barnevernstjenesten"))); code != http.StatusOK {
		t.Fatalf("officer's upload: %d:\n%.2000s", code, page)
	}
	u := e.loggedIn("nav", "unit", "964338531", "NAV")
	code, page := u.get("/import")
	if code != http.StatusOK || !strings.Contains(html.UnescapeString(page), "You may import only your sending unit's letters (NAV)") {
		t.Fatalf("unit's GET /import: %d, want 200 saying its scope:\n%.2000s", code, page)
	}
	tok := csrf(page)
	for _, c := range []struct{ name, file, want string }{
		{"another unit", importHeader + importRow(1, "NAV") + importRow(2, "Barnevernstjenesten"),
			`line 3: sender_unit: "Barnevernstjenesten" is not your sending unit`},
		{"another organisation", importHeader + importRow(1, "NAV") + strings.Replace(importRow(2, "NAV"), "964338531", "974760673", 1),
			`line 3: sender_org: "974760673" is not your sender organisation`},
		{"another unit's letter", importHeader + importRow(1, "NAV") + importRow(9, "NAV"),
			`line 3: channel_id: "00000000-0000-4000-8000-000000000009" is already registered for another sender organisation or unit`},
	} {
		code, page := u.uploadLetters("en", tok, []byte(c.file))
		if code != http.StatusBadRequest || !strings.Contains(page, c.want) {
			t.Errorf("%s: %d, want 400 and %q:\n%.2000s", c.name, code, c.want, page)
		}
	}
	if n := e.letters(); n != 1 {
		t.Fatalf("%d letters, want only the officer's", n)
	}
	if code, page := u.uploadLetters("en", tok, []byte(importHeader+importRow(1, "NAV")+importRow(2, "NAV"))); code != http.StatusOK ||
		!strings.Contains(page, "new letters: 2") {
		t.Fatalf("the unit's own letters: %d:\n%.2000s", code, page)
	}
}

// What is not a letters file gets a clear error and registers nothing:
// bytes that are neither UTF-8 nor Windows-1252, an Excel workbook, no
// file at all, a file over the limit (413, before anything is read). A
// form without the CSRF token is refused (403), the file not read.
func TestImportLettersRefusesWhatIsNotAFile(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.loggedIn("officer", "compliance", "", "")
	_, page := b.get("/import")
	tok := csrf(page)
	good := []byte(importHeader + importRow(1, "NAV"))
	for _, c := range []struct {
		name string
		file []byte
		code int
		want string
	}{
		{"not text", []byte("\x81\x8d\x00\x9d\xff garbled"), http.StatusBadRequest, "line 1: the file is neither UTF-8 nor Windows-1252"},
		{"a workbook", []byte("PK\x03\x04\x14\x00\x06\x00[Content_Types].xml"), http.StatusBadRequest, "line 1: the file is an Excel workbook"},
		{"empty", nil, http.StatusBadRequest, "line 1: empty file"},
		{"too large", bytes.Repeat([]byte("x"), 17<<20), http.StatusRequestEntityTooLarge, "The file is larger than 16 MiB and was not imported."},
	} {
		code, page := b.uploadLetters("en", tok, c.file)
		if code != c.code || !strings.Contains(page, c.want) {
			t.Errorf("%s: %d, want %d and %q:\n%.1500s", c.name, code, c.code, c.want, page)
		}
	}
	if code, _, _ := b.post("/import", nil); code != http.StatusForbidden {
		t.Errorf("a form with no file and no token: %d, want 403", code)
	}
	if code, page := b.uploadLetters("en", "", good); code != http.StatusForbidden {
		t.Errorf("no CSRF token: %d, want 403:\n%.1000s", code, page)
	}
	if n := e.letters(); n != 0 {
		t.Errorf("%d letters registered, want none", n)
	}
	// The same form with its token and no file: the form says to choose one.
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("csrf", tok)
	_ = mw.Close()
	resp, err := b.c.Post(e.srv.URL+"/import", mw.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(got), "CSV file: choose a CSV file to import.") {
		t.Errorf("no file: %d, want 400 asking for one:\n%.1000s", resp.StatusCode, got)
	}
}

// TestImportLettersLateWindows1252: Excel's CSV (Windows-1252) whose first
// letter outside ASCII stands past the first 64 KiB (hundreds of rows of
// units named in ASCII before Bærum) is read as Windows-1252 from the
// browser too: the whole upload decides, as the page has no --encoding to
// offer. A file of UTF-8 with one byte of Windows-1252 in it is refused by
// its line, not read as either.
func TestImportLettersLateWindows1252(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.loggedIn("officer", "compliance", "", "")
	_, page := b.get("/import")
	var file strings.Builder
	file.WriteString(importHeader)
	n := 0
	for file.Len() < 70<<10 {
		n++
		file.WriteString(importRow(n, "NAV"))
	}
	n++
	file.WriteString(importRow(n, "B\xe6rum"))
	code, page := b.uploadLetters("en", csrf(page), []byte(file.String()))
	if code != http.StatusOK || !strings.Contains(page, fmt.Sprintf("Imported %d rows (new letters: %d", n, n)) ||
		!strings.Contains(page, "it was read as Windows-1252") {
		t.Fatalf("late Windows-1252: %d, want %d rows imported, read as Windows-1252:\n%.3000s", code, n, page)
	}
	var unit string
	if err := e.st.DB().Get(&unit, `SELECT u.name FROM shipments s JOIN sender_units u ON u.id = s.sender_unit_id
		WHERE s.channel_id = $1`, fmt.Sprintf("00000000-0000-4000-8000-%012d", n)); err != nil || unit != "Bærum" {
		t.Errorf("unit %q %v, want Bærum", unit, err)
	}
	mixed := importHeader + importRow(n+1, "Bærum") + importRow(n+2, "B\xe6rum")
	if code, page := b.uploadLetters("en", csrf(page), []byte(mixed)); code != http.StatusBadRequest || !strings.Contains(page, "line 3") {
		t.Errorf("UTF-8 with a byte of Windows-1252: %d, want 400 naming line 3:\n%.2000s", code, page)
	}
}
