package remind

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// lineWidth is the longest line a reminder's text is filled to, in
// characters: plain text read in any mail client, on a phone too, without
// lines that run on and then stop short.
const lineWidth = 72

// softBreak ends a line that fill broke inside an unindented paragraph: a
// trailing space, as format=flowed (RFC 3676) marks a line the reader may
// join with the next. A phone whose mail client reflows (Apple Mail,
// Thunderbird) then fills the paragraph to its own narrower width instead
// of wrapping each 72-character line into a long and a short one; any
// other client shows the lines as they are. Indented lines (a numbered
// step's continuation, a letter's lines in the list) keep hard breaks:
// their indentation would be joined into the text.
const softBreak = " "

// fill fills a text of the catalogue (or a line built from one) to width:
// the catalogue's own line breaks fall where the English source had them,
// and a name or number put in makes such a line run past the others, then
// stop short. A paragraph's lines are joined and broken again; a line
// ending in ":" ends its paragraph (a heading of a list); a numbered item
// ("  1. Log in …") starts one, its continuation lines indented under its
// text; a line indented deeper than its paragraph continues it. A word
// longer than width (a URL) stands on a line of its own, unbroken. A
// paragraph without indentation is broken with softBreak at the end of
// each line but its last, within width.
func fill(text string, width int) []string {
	var out []string
	var words []string
	first, rest := "", "" // the paragraph's first-line and continuation indents
	flush := func() {
		if len(words) == 0 {
			return
		}
		soft, limit := "", width
		if first == "" && rest == "" {
			soft, limit = softBreak, width-len(softBreak)
		}
		line := first + words[0]
		for _, w := range words[1:] {
			if utf8.RuneCountInString(line)+1+utf8.RuneCountInString(w) > limit {
				out = append(out, line+soft)
				line = rest + w
				continue
			}
			line += " " + w
		}
		out = append(out, line)
		words = nil
	}
	open := false // whether the paragraph being collected may go on
	for _, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimLeftFunc(line, breakable)
		indent := line[:len(line)-len(trimmed)]
		switch {
		case trimmed == "":
			flush()
			out = append(out, "")
			open = false
			continue
		case listMarker(trimmed) != "":
			flush()
			marker := listMarker(trimmed)
			first, rest = indent, indent+strings.Repeat(" ", len(marker))
		case open && len(indent) >= len(rest):
			// continues the paragraph
		default:
			flush()
			first, rest = indent, indent
		}
		words = appendWords(words, strings.FieldsFunc(trimmed, breakable))
		open = !strings.HasSuffix(trimmed, ":")
		if !open {
			flush()
		}
	}
	flush()
	return out
}

// breakable says whether a line may be broken at r: white space but a
// no-break space, which i18n.FormatInt groups a count's digits with in
// Norwegian ("1 307"), so that a number never wraps.
func breakable(r rune) bool {
	return unicode.IsSpace(r) && r != '\u00a0' && r != '\u202f' && r != '\u2007'
}

// appendWords appends ws to words, an organisation number kept on one
// line with its label ("org.nr. 964338531", "CVR-nr. 64942212", "CVR
// no. 64942212").
func appendWords(words, ws []string) []string {
	for _, w := range ws {
		if n := len(words); n > 0 && (strings.HasSuffix(words[n-1], "nr.") || strings.HasSuffix(words[n-1], "no.")) {
			words[n-1] += " " + w
			continue
		}
		words = append(words, w)
	}
	return words
}

// listMarker is the "1. " that starts a numbered item, "" when s starts
// none.
func listMarker(s string) string {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 || i > 3 || !strings.HasPrefix(s[i:], ". ") {
		return ""
	}
	return s[:i+2]
}

// flowLine returns a line written whole rather than filled (a contact's
// e-mail address or phone number under its label, a letter's reference)
// as it is when it fits in width characters; else broken at its last space
// within width, the space kept at the line's end (a soft break, as fill's),
// and the rest on lines of their own at the margin, broken so again. A
// reader that reflows (format=flowed) joins the pieces back into the line
// as written: the rest goes unindented, since an indented continuation
// would put its indentation inside the joined line ("E-post:      post@…").
// A reader that does not reflow shows the rest at the margin, the address
// whole on its line. A word longer than width stays whole, broken after;
// the indentation's spaces are no place to break. Lines fill made never
// pass width but with a single long word, and come back as they are.
func flowLine(line string, width int) []string {
	var out []string
	for utf8.RuneCountInString(line) > width {
		indent := len(line) - len(strings.TrimLeft(line, " "))
		cut, n := -1, 0 // the last space within width, past the indentation
		for i, r := range line {
			if n >= width {
				break
			}
			if r == ' ' && i >= indent {
				cut = i
			}
			n++
		}
		if cut < 0 { // a word longer than width: break after it
			next := strings.IndexByte(line[indent:], ' ')
			if next < 0 {
				break
			}
			cut = indent + next
		}
		if cut == len(line)-1 { // the space ends the line (fill's soft break): nothing to carry
			break
		}
		out = append(out, line[:cut+1])
		line = line[cut+1:]
	}
	return append(out, line)
}
