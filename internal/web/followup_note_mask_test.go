package web_test

import (
	"archive/zip"
	"bytes"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"testing"
)

// TestFollowUpNoteNationalIDsMasked: a case worker types a citizen's CPR
// number into a follow-up's note (two ways of writing it). The note goes
// out in the follow-ups' exports (CSV, JSON, XLSX), the API, the letter's
// page and its evidence JSON: the number is masked in every one
// (010180****), as recipients' ids are, not shown as typed.
func TestFollowUpNoteNationalIDsMasked(t *testing.T) {
	e := newEnv(t)
	got := danishLetters(t, e)
	b := e.loggedIn("mette", "compliance", "64942212", "")
	const note = "Borgeren 010180-1234 ringede; CPR 0202801234 er samme husstand"
	_, page := b.getDa("/shipments/" + got[1].ID)
	code, body := b.postDa("/shipments/"+got[1].ID+"/followup", url.Values{"csrf": {csrf(page)}, "decision": {"consequences_assessed"},
		"note": {note}})
	if code != http.StatusSeeOther && code != http.StatusOK {
		t.Fatalf("follow-up: %d %.400s", code, body)
	}
	full := regexp.MustCompile(`010180.?1234|0202801234`)
	for _, path := range []string{"/followups?all=true", "/followups/export?format=csv&all=1", "/followups/export?format=json&all=1",
		"/shipments/" + got[1].ID, "/shipments/" + got[1].ID + "/evidence.json"} {
		resp, raw := b.request("GET", path, nil, http.Header{"Accept-Language": {"da-DK"}})
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: %d", path, resp.StatusCode)
			continue
		}
		if m := full.FindString(string(raw)); m != "" {
			t.Errorf("%s shows the CPR number unmasked: %q", path, m)
		}
	}
	resp, raw := b.request("GET", "/followups/export?format=xlsx&all=1", nil, nil)
	if resp.StatusCode == http.StatusOK {
		zr, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range zr.File {
			rc, _ := f.Open()
			x, _ := io.ReadAll(rc)
			rc.Close()
			if m := full.FindString(string(x)); m != "" {
				t.Errorf("followups xlsx %s shows the CPR number unmasked: %q", f.Name, m)
			}
		}
	}
	tok := e.token("compliance", "64942212", "")
	for _, path := range []string{"/api/v1/followups?all=true", "/api/v1/shipments/" + got[1].ID + "/followup"} {
		req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if m := full.FindString(string(raw)); m != "" {
			t.Errorf("%s (%d) shows the CPR number unmasked: %q", path, resp.StatusCode, m)
		}
	}
	entries, err := e.st.AuditEntries(t.Context(), "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range entries {
		if m := full.FindString(a.Object + " " + a.Detail); m != "" {
			t.Errorf("audit entry shows the CPR number: %q", m)
		}
	}
}
