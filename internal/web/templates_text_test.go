package web

import (
	"io/fs"
	"path"
	"regexp"
	"strings"
	"testing"
	"text/template/parse"
	"unicode"
)

// literalOK is what may stay literal in a template, the same in every
// language: the product's name, names of formats, products and headers,
// and paths (/metrics).
var literalOK = regexp.MustCompile(`\b(postvakt|CSV|XLSX|JSON|API|OpenAPI|SVG|Prometheus|Message-ID)\b|(^|[\s(])/[\w./-]*`)

var (
	// tagRE is an HTML tag or comment; attrRE a visible attribute in one.
	tagRE  = regexp.MustCompile(`(?s)<!--.*?-->|<[^>]*>`)
	attrRE = regexp.MustCompile(`\b(title|alt|placeholder|aria-label|label)="([^"]*)"`)
	// skipRE is content that is not prose: code, scripts, styles.
	skipRE   = regexp.MustCompile(`(?s)<code>.*?</code>|<script.*?</script>|<style.*?</style>`)
	entityRE = regexp.MustCompile(`&[#a-zA-Z0-9]+;`)
)

// action stands for a template action in the text a template shows.
const action = "\uE000"

// TestTemplatesHaveNoLiteralText fails on text a page shows that does not
// come from the catalogue: every template is parsed, its actions replaced
// by a marker, and what is left between the tags (and in the attributes a
// reader sees or hears: title, alt, placeholder, aria-label) may hold no
// word but those of literalOK.
func TestTemplatesHaveNoLiteralText(t *testing.T) {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil || len(names) < 10 {
		t.Fatalf("templates: %v %v", names, err)
	}
	for _, n := range names {
		src, err := fs.ReadFile(templateFS, n)
		if err != nil {
			t.Fatal(err)
		}
		for _, word := range literalWords(t, path.Base(n), string(src)) {
			t.Errorf("%s: literal text %q: put it in the catalogue (internal/i18n/catalogue) and use {{.T \"key\"}}", n, word)
		}
	}
}

// literalWords returns the texts with letters a template shows outside its
// actions.
func literalWords(t *testing.T, name, src string) []string {
	t.Helper()
	tr := parse.New(name)
	tr.Mode = parse.SkipFuncCheck
	trees := map[string]*parse.Tree{}
	if _, err := tr.Parse(src, "{{", "}}", trees); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var b strings.Builder
	for _, tr := range trees {
		flatten(&b, tr.Root)
	}
	return prose(b.String())
}

// flatten writes a template's text with every action as the marker, both
// branches of a condition in turn.
func flatten(b *strings.Builder, n parse.Node) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, c := range n.Nodes {
			flatten(b, c)
		}
	case *parse.TextNode:
		b.Write(n.Text)
	case *parse.IfNode:
		b.WriteString(action)
		flatten(b, n.List)
		flatten(b, n.ElseList)
	case *parse.RangeNode:
		b.WriteString(action)
		flatten(b, n.List)
		flatten(b, n.ElseList)
	case *parse.WithNode:
		b.WriteString(action)
		flatten(b, n.List)
		flatten(b, n.ElseList)
	default: // actions, template calls, comments
		b.WriteString(action)
	}
}

// prose returns the runs of text in html that hold letters not allowed
// literally.
func prose(html string) []string {
	html = skipRE.ReplaceAllString(html, action)
	var texts []string
	for _, tag := range tagRE.FindAllString(html, -1) {
		for _, m := range attrRE.FindAllStringSubmatch(tag, -1) {
			texts = append(texts, m[2])
		}
	}
	texts = append(texts, tagRE.Split(html, -1)...)
	var out []string
	for _, s := range texts {
		s = entityRE.ReplaceAllString(s, " ")
		for _, part := range strings.Split(s, action) {
			if hasWord(part) {
				out = append(out, strings.TrimSpace(part))
			}
		}
	}
	return out
}

// hasWord says whether s holds a letter outside what literalOK allows.
func hasWord(s string) bool {
	return strings.IndexFunc(literalOK.ReplaceAllString(s, " "), unicode.IsLetter) >= 0
}

// The check finds literal text, in prose and in attributes, and lets
// actions, codes and punctuation through.
func TestLiteralWords(t *testing.T) {
	for _, tc := range []struct {
		src  string
		want []string
	}{
		{`<h1>{{.T "x"}}</h1><p class="muted">{{.Count}} · {{.T "y"}}</p>`, nil},
		{`<h1>Next escalation run</h1>`, []string{"Next escalation run"}},
		{`<td>{{if .Waiting}}waits for the send window{{end}}</td>`, []string{"waits for the send window"}},
		{`<input placeholder="unit@…" aria-label="{{.T "a"}}">`, []string{"unit@…"}},
		{`<a href="/export?format=csv">CSV</a> <code>sender_org,unit</code> postvakt &middot; 42 – {{.N}}%`, nil},
		{`<a href="/metrics">/metrics</a> (Prometheus) <input placeholder="Message-ID">`, nil},
		{`<input placeholder="YYYY-MM-DD"> postvakter`, []string{"YYYY-MM-DD", "postvakter"}},
		{`{{define "content"}}<p>{{with .X}}ok{{else}}{{.T "none"}}{{end}}</p>{{end}}`, []string{"ok"}},
	} {
		got := literalWords(t, "t", tc.src)
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("%s: %q, want %q", tc.src, got, tc.want)
		}
	}
}
