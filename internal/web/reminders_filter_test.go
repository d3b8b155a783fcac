package web_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// The organisation field of /reminders takes the number as people write
// it, as the search form does: "910 859 897" (the letter's and the
// register's way), spaces around it, finds that organisation's reminder;
// the field shows it as stored. Before, only the bare digits found it, and
// the rest said "Nothing to settle." of an organisation that waited.
func TestRemindersOrgFilterAsWritten(t *testing.T) {
	_, off := waitingForAddress(t)
	for _, typed := range []string{"910859897", "910 859 897", " 910859897 ", "910\u00a0859\u00a0897"} {
		t.Run(typed, func(t *testing.T) {
			_, page := off.get("/reminders?" + url.Values{"org": {typed}}.Encode())
			if n := strings.Count(page, `<tr class="reminder no_address">`); n != 1 {
				t.Errorf("org=%q: %d rows, want 910859897's one", typed, n)
			}
			if !strings.Contains(page, `name="org" value="910859897"`) {
				t.Errorf("org=%q: the field does not show 910859897", typed)
			}
		})
	}
}

// formFields are the hidden fields of the first form on page whose action
// begins with action.
func formFields(t *testing.T, page, action string) url.Values {
	t.Helper()
	i := strings.Index(page, `action="`+action)
	if i < 0 {
		t.Fatalf("no form to %s on the page", action)
	}
	form := page[i:]
	form = form[:strings.Index(form, "</form>")]
	v := url.Values{}
	for _, m := range regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`).FindAllStringSubmatch(form, -1) {
		v.Add(m[1], html.UnescapeString(m[2]))
	}
	return v
}

// An officer who narrowed /reminders to one organisation (?org=) and
// adds it an address, releases or confirms one of its reminders comes back
// to that organisation's reminders (POST, redirect, GET), not to the whole
// list of 500 to narrow again.
func TestRemindersFormsKeepTheOrgFilter(t *testing.T) {
	e, off := waitingForAddress(t)
	const org = "910859897"
	_, page := off.get("/reminders?org=" + org)
	form := formFields(t, page, "/contacts")
	form.Set("email", "post@mottaker.example")
	code, loc, body := off.post("/contacts", form)
	if code != http.StatusSeeOther {
		t.Fatalf("add an address: %d %.300s", code, body)
	}
	if u, err := url.Parse(loc); err != nil || u.Query().Get("org") != org || u.Query().Get("added") != org {
		t.Errorf("after adding an address: back to %q, want org=%s kept (and added=%s)", loc, org, org)
	}
	for _, action := range []string{"release", "confirm"} {
		t.Run(action, func(t *testing.T) {
			e.st.DB().MustExec(`UPDATE notifications SET status = 'unknown'`)
			_, page := off.get("/reminders?org=" + org)
			i := strings.Index(page, `/`+action+`"`)
			if i < 0 {
				t.Fatalf("no %s form", action)
			}
			path := page[strings.LastIndex(page[:i], `"`)+1 : i+len(action)+1]
			code, loc, body := off.post(path, formFields(t, page, path))
			if code != http.StatusSeeOther {
				t.Fatalf("%s: %d %.300s", path, code, body)
			}
			if u, err := url.Parse(loc); err != nil || u.Path != "/reminders" || u.Query().Get("org") != org {
				t.Errorf("after %s: back to %q, want /reminders?org=%s", action, loc, org)
			}
		})
	}
}
