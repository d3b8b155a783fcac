// Package i18n holds postvakt's texts in Norwegian bokmål, Danish and
// English: message catalogues embedded from catalogue/*.yaml, read with
// go-i18n (CLDR plural rules, Go template placeholders such as {{.Count}}).
// The web UI and the e-mails (reminders, follow-up and escalation notices,
// health alerts: keys mail.*) take their texts from here, never from
// templates or code; so do the problems of a registration and a CSV
// import (keys problem.*, kept as a Phrase), whose English the command
// line and the API print. It does no I/O beyond the embedded files.
package i18n

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
	"gopkg.in/yaml.v3"
)

//go:embed catalogue/*.yaml
var files embed.FS

// Languages are the languages postvakt speaks, in the order a language
// chooser offers them.
var Languages = []string{"nb", "da", "en"}

// Default is the language of a request that asks for none of Languages.
const Default = "en"

var (
	bundle *goi18n.Bundle
	keys   = map[string][]string{}
	// plural holds, by language, the ids of the texts with plural forms
	// (one:, other: …); a text with one form is said the same for any
	// count.
	plural  = map[string]map[string]bool{}
	matcher language.Matcher
)

func init() {
	bundle = goi18n.NewBundle(language.English)
	bundle.RegisterUnmarshalFunc("yaml", yaml.Unmarshal)
	names, err := fs.Glob(files, "catalogue/*.yaml")
	if err != nil {
		panic(err)
	}
	for _, n := range names {
		mf, err := bundle.LoadMessageFileFS(files, n)
		if err != nil {
			panic(fmt.Sprintf("i18n: catalogue %s: %v", n, err))
		}
		lang := strings.TrimSuffix(path.Base(n), ".yaml")
		plural[lang] = map[string]bool{}
		for _, m := range mf.Messages {
			keys[lang] = append(keys[lang], m.ID)
			if m.Zero != "" || m.One != "" || m.Two != "" || m.Few != "" || m.Many != "" {
				plural[lang][m.ID] = true
			}
		}
		sort.Strings(keys[lang])
	}
	tags := make([]language.Tag, len(Languages))
	for i, l := range Languages {
		tags[i] = language.Make(l)
	}
	// English first: it is what a browser asking for none of them gets.
	matcher = language.NewMatcher(append([]language.Tag{language.English}, tags...))
	english = For("en", nil)
	english.plain = true
}

// Keys returns the message ids of a language's catalogue, sorted.
func Keys(lang string) []string { return append([]string(nil), keys[lang]...) }

// Supported says whether lang is one of Languages.
func Supported(lang string) bool {
	for _, l := range Languages {
		if l == lang {
			return true
		}
	}
	return false
}

// Match returns the language of Languages that best fits an Accept-Language
// header ("nb-NO,nb;q=0.9,en;q=0.8"); Norwegian "no" and nynorsk get bokmål,
// in the place the header gives them: the matcher alone took a nynorsk
// browser's "nn-NO,nn;q=0.9,en;q=0.8" for English, an exact English
// weighing more than bokmål for nynorsk.
func Match(acceptLanguage string) string {
	if acceptLanguage == "" {
		return Default
	}
	var tag language.Tag
	if tags, _, err := language.ParseAcceptLanguage(acceptLanguage); err == nil {
		for i, t := range tags {
			if b, _ := t.Base(); b.String() == "nn" || b.String() == "no" {
				tags[i] = language.Make("nb")
			}
		}
		tag, _, _ = matcher.Match(tags...)
	} else {
		tag, _ = language.MatchStrings(matcher, acceptLanguage)
	}
	base, _ := tag.Base()
	switch base.String() {
	case "nb", "no", "nn":
		return "nb"
	case "da":
		return "da"
	}
	return Default
}

// Localizer gives the texts of one language.
type Localizer struct {
	lang    string
	l       *goi18n.Localizer
	missing func(lang, id string)
	// plain writes counts without grouping their digits: the English of
	// a Phrase, which the API and the command line print.
	plain bool
	// only is the one country all the letters are of (Only), "" for
	// none.
	only string
}

// Only returns l for a deployment whose letters are all of one country
// (its channels': "dk" for Digital Post alone): a text that names either
// country's numbers ("CVR-/organisationsnummer") is said in that
// country's words ("CVR-nummer") where the catalogue has them, under the
// text's id and ".<country>_only" (search.ident.dk_only). "" gives l as it
// is.
func (l *Localizer) Only(country string) *Localizer {
	c := *l
	c.only = country
	return &c
}

// For returns the localizer of lang (Default when lang is not supported).
// missing, if not nil, is called for every id the language's catalogue
// lacks; the text is then the English one, or ⟦id⟧ when English lacks it
// too.
func For(lang string, missing func(lang, id string)) *Localizer {
	if !Supported(lang) {
		lang = Default
	}
	return &Localizer{lang: lang, l: goi18n.NewLocalizer(bundle, lang), missing: missing}
}

// Lang is the localizer's language.
func (l *Localizer) Lang() string { return l.lang }

// Has says whether the localizer's language has a text for id (for codes
// that may or may not have one, such as a register's reason).
func (l *Localizer) Has(id string) bool {
	_, found := slices.BinarySearch(keys[l.lang], id)
	return found
}

// T returns the text of id. args are pairs of placeholder name and value
// ("Count", 3, "Org", "974760673"); a "Count" also chooses the plural form
// of a text that has plural forms (one that has one form is that form).
// An integer "Count" and any Number are written with their digits grouped
// as l's language groups them (FormatInt: nb "1 307"); other values as
// they are.
func (l *Localizer) T(id string, args ...any) string {
	if l.only != "" && l.Has(id+"."+l.only+"_only") {
		id += "." + l.only + "_only"
	}
	key, keep := memoKey(l.lang, l.plain, id, args)
	if keep {
		if msg, ok := memo.get(key); ok {
			return msg
		}
	}
	cfg := &goi18n.LocalizeConfig{MessageID: id}
	if len(args) > 0 {
		// A text of l's catalogue with one form takes a count as any
		// value: go-i18n would look for its plural form, not find it
		// and call it an error.
		oneForm := l.Has(id) && !plural[l.lang][id]
		data := make(map[string]any, len(args)/2)
		for i := 0; i+1 < len(args); i += 2 {
			k, v := fmt.Sprint(args[i]), args[i+1]
			n, isInt := integer(v)
			_, isNumber := v.(Number)
			if k == "Count" && !oneForm {
				cfg.PluralCount = v
				if isInt {
					cfg.PluralCount = n
				}
			}
			if isNumber || (isInt && k == "Count") {
				v = l.Int(n)
			}
			data[k] = v
		}
		cfg.TemplateData = data
	}
	msg, tag, err := l.l.LocalizeWithTag(cfg)
	if err != nil || (tag != language.Und && !sameBase(tag, l.lang)) {
		if l.missing != nil {
			l.missing(l.lang, id)
		}
		if msg == "" {
			return "⟦" + id + "⟧"
		}
		return msg
	}
	if keep {
		memo.put(key, msg)
	}
	return msg
}

// memo keeps the texts T made, by language, id and arguments: the
// catalogues never change while postvakt runs, and a reminder run writes
// the same lines ("sent 12 March, 9 days ago") for thousands of letters —
// executing their templates again was 40 % of a many-due run's CPU. Only
// texts found in the language's own catalogue are kept, so a missing one is
// reported every time, and only texts whose arguments are strings, integers
// and booleans (a time or a pointer may not mean the same text twice).
// Bounded: emptied when full.
var memo = &textMemo{m: map[string]string{}}

const memoMax = 100000

type textMemo struct {
	mu sync.RWMutex
	m  map[string]string
}

func (t *textMemo) get(key string) (string, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	msg, ok := t.m[key]
	return msg, ok
}

func (t *textMemo) put(key, msg string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.m) >= memoMax {
		clear(t.m)
	}
	t.m[key] = msg
}

// memoKey is the memo's key of a text, and whether it may be kept: every
// argument a string (quoted, so no two argument lists share a key), an
// integer, a Number or a boolean.
func memoKey(lang string, plain bool, id string, args []any) (string, bool) {
	b := make([]byte, 0, 64)
	b = strconv.AppendQuote(b, lang)
	b = strconv.AppendBool(b, plain)
	b = strconv.AppendQuote(b, id)
	for _, a := range args {
		switch v := a.(type) {
		case string:
			b = strconv.AppendQuote(append(b, 's'), v)
		case int:
			b = strconv.AppendInt(append(b, 'i'), int64(v), 10)
		case int64:
			b = strconv.AppendInt(append(b, 'l'), v, 10)
		case Number:
			b = strconv.AppendInt(append(b, 'n'), int64(v), 10)
		case bool:
			b = strconv.AppendBool(append(b, 'b'), v)
		default:
			return "", false
		}
	}
	return string(b), true
}

func sameBase(tag language.Tag, lang string) bool {
	b, _ := tag.Base()
	return b.String() == lang
}

// Phrase is a text told by its catalogue key and arguments (pairs of
// placeholder name and value, as T takes them), not in words: a problem
// found where no reader is known (a CSV import's row, a field of a
// registration) keeps it, to be said in English to the command line and
// the API and in the reader's language on a page. An argument that is a
// Phrase is said in the same language. The zero Phrase is no text.
type Phrase struct {
	Key  string
	Args []any
}

// Spoken is a phrase's argument that has words of its own in each
// language (a number of business days, a list of codes): Say renders it
// with the reader's localizer.
type Spoken interface {
	SayIn(l *Localizer) string
}

// P returns the phrase of key with args.
func P(key string, args ...any) Phrase { return Phrase{Key: key, Args: args} }

// english is the English localizer: a phrase's English is the English
// catalogue's, so each sentence is written once.
var english *Localizer

// English is the phrase in English, "" for the zero Phrase.
func (p Phrase) English() string { return english.Say(p, "") }

// English is the localizer of the English programs read, a Phrase's
// English (the API's, the command line's): its counts keep plain digits
// (1307), where For("en") writes them for people (1,307). An alert's
// summary, the webhook's and the API's, is written with it.
func English() *Localizer { return english }

// Say is p in l's language, or fallback (the English the phrase was
// given as) when p is the zero Phrase or l's catalogue lacks one of its
// keys: never a key in brackets. Without a fallback ("") it is the English
// catalogue's, as T falls back to English: a rule's term on the rules page
// or a phrase among a List's values is never an empty text.
func (l *Localizer) Say(p Phrase, fallback string) string {
	if !l.hasPhrase(p) {
		if fallback == "" && l != english {
			return english.Say(p, "")
		}
		return fallback
	}
	args := make([]any, len(p.Args))
	for i, a := range p.Args {
		if i%2 == 1 {
			a = l.Value(a)
		}
		args[i] = a
	}
	return l.T(p.Key, args...)
}

// Value is one placeholder's value in l's language: a Phrase or a
// Spoken value in words, anything else as it is.
func (l *Localizer) Value(a any) any {
	switch a := a.(type) {
	case Phrase:
		return l.Say(a, "")
	case Spoken:
		return a.SayIn(l)
	}
	return a
}

// hasPhrase says whether l's catalogue has p's key and those of the
// phrases among its arguments; a key it lacks is told to l's missing, as
// T tells it.
func (l *Localizer) hasPhrase(p Phrase) bool {
	if p.Key == "" {
		return false
	}
	if !l.Has(p.Key) {
		if l.missing != nil {
			l.missing(l.lang, p.Key)
		}
		return false
	}
	for i, a := range p.Args {
		if q, ok := a.(Phrase); ok && i%2 == 1 && !l.hasPhrase(q) {
			return false
		}
	}
	return true
}

// Duration says d for people in l's language: whole days from two days
// on when it is whole days, else hours from an hour on, else minutes, else
// seconds ("3 timer", "45 minutter").
func (l *Localizer) Duration(d time.Duration) string {
	switch {
	case d >= 48*time.Hour && d%(24*time.Hour) == 0:
		return l.T("mail.alert.dur.days", "Count", int(d/(24*time.Hour)))
	case d >= time.Hour:
		return l.T("mail.alert.dur.hours", "Count", int(d.Round(time.Hour)/time.Hour))
	case d >= time.Minute:
		return l.T("mail.alert.dur.minutes", "Count", int(d.Round(time.Minute)/time.Minute))
	case d >= time.Second:
		return l.T("mail.alert.dur.seconds", "Count", int(d.Round(time.Second)/time.Second))
	}
	return l.T("mail.alert.dur.milliseconds", "Count", int(d/time.Millisecond))
}
