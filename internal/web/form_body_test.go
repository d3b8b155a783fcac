package web_test

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMultipartBodyLeavesNoTempFiles: a large multipart body posted by any
// logged-in user (any role, any CSRF token: those checks read the form
// first) leaves no temporary file behind: the UI caps a form's body, and
// what it parsed is cleaned up with the request.
func TestMultipartBodyLeavesNoTempFiles(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	e := newEnv(t)
	b := e.loggedIn("ops", "operations", "", "")
	for _, token := range []string{"wrong", ""} {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		_ = mw.WriteField("csrf", token)
		fw, _ := mw.CreateFormFile("f", "big.bin")
		_, _ = io.CopyN(fw, zeroReader{}, 40<<20)
		_ = mw.Close()
		req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/settings", &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		resp, err := b.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	left, _ := filepath.Glob(filepath.Join(tmp, "multipart-*"))
	if len(left) > 0 {
		var size int64
		for _, f := range left {
			if st, err := os.Stat(f); err == nil {
				size += st.Size()
			}
		}
		t.Errorf("%d multipart temp file(s), %d MiB, left in TMPDIR after the requests ended", len(left), size>>20)
	}
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// A form over the UI's limit (8 MiB) is answered 413 with a page saying
// so in the reader's language, nothing done; it was a 403 saying the form
// had expired (the CSRF token in it went unread).
func TestFormOverLimitSaysSo(t *testing.T) {
	e := newEnv(t)
	b := e.loggedIn("anna", "compliance", "", "")
	_, page := b.get("/settings")
	form := url.Values{"csrf": {csrf(page)}, "lang": {"nb"}, "pad": {strings.Repeat("x", 9<<20)}}
	code, body := b.doIn("da-DK", "POST", "/settings", form)
	if code != http.StatusRequestEntityTooLarge || !strings.Contains(body, "Formularen er større end 8 MiB og blev ikke sendt: intet blev gemt.") {
		t.Errorf("a 9 MiB form: %d, want 413 saying so:\n%.1500s", code, body)
	}
}
