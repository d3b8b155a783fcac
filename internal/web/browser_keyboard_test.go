package web_test

import "testing"

// key presses a key (Tab, Enter) as a keyboard does, through the browser's
// input pipeline: focus moves and :focus-visible applies as for a person.
func (c *chrome) key(name string, shift bool) {
	c.t.Helper()
	codes := map[string]int{"Tab": 9, "Enter": 13}
	mods := 0
	if shift {
		mods = 8
	}
	down := map[string]any{"type": "keyDown", "key": name, "code": name, "windowsVirtualKeyCode": codes[name], "modifiers": mods}
	if name == "Enter" {
		down["text"] = "\r"
	}
	c.call(c.session, "Input.dispatchKeyEvent", down, nil)
	c.call(c.session, "Input.dispatchKeyEvent", map[string]any{"type": "keyUp", "key": name, "code": name,
		"windowsVirtualKeyCode": codes[name], "modifiers": mods}, nil)
}

// typed types text into the focused field.
func (c *chrome) typed(s string) {
	c.t.Helper()
	c.call(c.session, "Input.insertText", map[string]any{"text": s}, nil)
}

// focused describes the focused element and how its focus is drawn.
type focused struct {
	Tag, ID, Class, Href, Text string
	Outline                    string  // computed outline-style
	Width                      float64 // computed outline-width in px
	Left, Top                  float64 // bounding box, to see it is on screen
	InHeader                   bool
}

func (c *chrome) focused() focused {
	c.t.Helper()
	var f focused
	c.eval(`(() => { const e = document.activeElement, s = getComputedStyle(e), r = e.getBoundingClientRect();
		return {Tag: e.tagName.toLowerCase(), ID: e.id, Class: e.className, Href: e.getAttribute("href") || "",
			Text: (e.innerText || e.value || "").trim().slice(0, 60), Outline: s.outlineStyle,
			Width: parseFloat(s.outlineWidth) || 0, Left: r.left, Top: r.top, InHeader: !!e.closest("header")}; })()`, &f)
	return f
}

// TestBrowserKeyboard uses postvakt with the keyboard only, in Chromium, as
// someone who cannot use a mouse: log in with Tab and Enter (WCAG 2.1.1);
// the first Tab reaches the skip link, shown on screen, and Enter moves
// focus to the content (2.4.1); every focused element has a visible focus
// ring (2.4.7); Tab goes through the whole page to the footer and Shift+Tab
// back, so nothing traps the focus (2.1.2).
func TestBrowserKeyboard(t *testing.T) {
	e := newEnv(t)
	e.seed(6)
	pw := e.user("kari", "compliance", "964338531", "")
	c := startChrome(t)
	base := e.srv.URL

	// The login page puts the focus in the name field.
	c.navigate(base + "/login")
	if f := c.focused(); f.ID != "name" {
		t.Fatalf("login page: focus on %+v, not the name field", f)
	}
	c.typed("kari")
	c.key("Tab", false)
	if f := c.focused(); f.ID != "password" {
		t.Fatalf("Tab from the name: focus on %+v, not the password", f)
	}
	c.typed(pw)
	c.loads(func() { c.key("Enter", false) })
	if p := c.path(); p != "/" {
		t.Fatalf("keyboard login: at %s:\n%.500s", p, c.text())
	}

	// The first Tab: the skip link, on screen while focused, with a ring.
	c.key("Tab", false)
	f := c.focused()
	if f.Href != "#main" || f.Left < 0 || f.Top < 0 || f.Outline == "none" || f.Width < 2 {
		t.Fatalf("first Tab: %+v, want the skip link to #main, on screen, with a focus ring", f)
	}
	c.key("Enter", false)
	if f := c.focused(); f.Tag != "main" {
		t.Fatalf("Enter on the skip link: focus on %+v, not <main>", f)
	}
	// From the content on, Tab reaches the footer's link; every stop has
	// a focus ring; the header's menu is skipped.
	seen := map[string]bool{}
	reached := false
	for i := 0; i < 200 && !reached; i++ {
		c.key("Tab", false)
		f := c.focused()
		if f.Tag == "body" {
			t.Fatalf("Tab %d left the page before reaching the footer", i+1)
		}
		if f.Outline == "none" || f.Width < 2 {
			t.Errorf("Tab %d: %s %q (%s) has no visible focus ring (outline %s %.1fpx) (WCAG 2.4.7)", i+1, f.Tag, f.Text, f.Class, f.Outline, f.Width)
		}
		if i == 0 && f.InHeader {
			t.Errorf("the first Tab after the skip link is in the header's menu: %+v (WCAG 2.4.1)", f)
		}
		reached = f.Href == "/api/v1/openapi.json"
		seen[f.Tag+f.ID+f.Href+f.Text] = true
	}
	if !reached {
		t.Fatalf("200 Tabs from the content did not reach the footer (%d stops): a keyboard trap (WCAG 2.1.2)", len(seen))
	}
	// And back: Shift+Tab leaves the footer.
	c.key("Tab", true)
	if f := c.focused(); f.Href == "/api/v1/openapi.json" || f.Tag == "body" {
		t.Errorf("Shift+Tab from the footer: focus on %+v (WCAG 2.1.2)", f)
	}
}
