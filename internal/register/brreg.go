// Package register asks the business registers about organisations:
// Enhetsregisteret (Brønnøysund, Norwegian organisation numbers: 9 digits)
// and the Danish CVR (Erhvervsstyrelsen's system-to-system access, CVR
// numbers: 8 digits). The two kinds of number cannot collide, so their
// answers share one cache, register_cache, keyed by the number.
//
// The print fallback (internal/printing) reads postal addresses from the
// Enhetsregisteret answers; the names job (Namer) looks up every receiving
// and sending organisation without a name, or whose cached answer has gone
// stale, and copies the names beside the numbers the UI shows. Only
// organisation numbers are ever sent to a register, never a person's id.
package register

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/go-resty/resty/v2"

	"postvakt/internal/httpclient"
	"postvakt/internal/model"
	"postvakt/internal/store"
)

// Doer sends one request with retries; *httpclient.Client is one.
type Doer interface {
	Do(ctx context.Context, req httpclient.Request) (*httpclient.Response, error)
}

// Answer is a register's answer about one organisation, as cached.
type Answer struct {
	OrgNr string
	// Kind is store.RegisterEnhet, store.RegisterUnderenhet or
	// store.RegisterCVR: what answered.
	Kind string
	// Status is the HTTP status of a Norwegian answer: 200 found, 404
	// unknown, 410 removed, 400 not a valid number. A CVR answer is 200
	// (found) or 404 (the search found no such company).
	Status int
	// Body is the answer as given (for the CVR: the search hit's _source);
	// nil for a CVR 404.
	Body []byte
	// Name is the organisation's current name read from Body ("" for none).
	Name string
}

// Entry returns the answer as a register_cache row fetched at the given time.
func (a Answer) Entry(fetched time.Time) store.RegisterEntry {
	return store.RegisterEntry{OrgNr: a.OrgNr, Kind: a.Kind, Status: a.Status, Body: a.Body, Name: a.Name, FetchedAt: fetched}
}

// Address is an Enhetsregisteret address.
type Address struct {
	Adresse    []string `json:"adresse"`
	Postnummer string   `json:"postnummer"`
	Poststed   string   `json:"poststed"`
	Land       string   `json:"land"`
	Landkode   string   `json:"landkode"`
}

// Unit is the part of an Enhetsregisteret unit (enhet) or sub-unit
// (underenhet) postvakt reads. A sub-unit has beliggenhetsadresse instead of
// forretningsadresse, nedleggelsesdato when closed, and none of the
// bankruptcy flags (those belong to its main unit, overordnetEnhet).
type Unit struct {
	Organisasjonsnummer  string   `json:"organisasjonsnummer"`
	Navn                 string   `json:"navn"`
	Postadresse          *Address `json:"postadresse"`
	Forretningsadresse   *Address `json:"forretningsadresse"`
	Beliggenhetsadresse  *Address `json:"beliggenhetsadresse"`
	Konkurs              Flag     `json:"konkurs"`
	UnderAvvikling       Flag     `json:"underAvvikling"`
	UnderTvangsavvikling Flag     `json:"underTvangsavviklingEllerTvangsopplosning"`
	Slettedato           string   `json:"slettedato"`
	Nedleggelsesdato     string   `json:"nedleggelsesdato"` // a sub-unit's: closed down
	OverordnetEnhet      string   `json:"overordnetEnhet"`
}

// Flag is a yes/no field of a unit. The API sends JSON booleans; a proxy or
// a copy of the register that writes them as strings ("true", "false", in
// any case) is read the same, since a lookup refused for that would fail
// for ever. null is no; any other value is not the expected JSON.
type Flag bool

// UnmarshalJSON reads true, false, null, or one of them as a string.
func (f *Flag) UnmarshalJSON(b []byte) error {
	v := strings.ToLower(strings.Trim(string(b), `"`))
	switch {
	case string(b) == "null":
		*f = false
	case len(b) > 0 && (v == "true" || v == "false") && (b[0] == '"') == (b[len(b)-1] == '"'):
		*f = v == "true"
	default:
		return fmt.Errorf("a yes/no field is %s, not true or false", shortJSON(b))
	}
	return nil
}

// shortJSON is a JSON value as quoted in an error: its first 20 bytes.
func shortJSON(b []byte) string {
	if len(b) > 20 {
		return string(b[:20]) + "…"
	}
	return string(b)
}

// ParseUnit reads a 200 answer of Enhetsregisteret about orgnr; an answer
// that is not the expected JSON, or is about another number or none, is an
// error.
// So is one that is not UTF-8 (JSON's encoding; an answer labelled with
// another character set reaches here decoded by httpclient): ISO-8859-1
// bytes read as UTF-8 would put replacement characters in the name and
// address a letter is printed to.
func ParseUnit(orgnr string, body []byte) (Unit, error) {
	var u Unit
	if !utf8.Valid(body) {
		return u, fmt.Errorf("register answer for %s is not UTF-8 (nor labelled with its character set)", orgnr)
	}
	if err := json.Unmarshal(body, &u); err != nil {
		return u, fmt.Errorf("register answer for %s is not the expected JSON: %w", orgnr, err)
	}
	switch u.Organisasjonsnummer {
	case orgnr:
	case "":
		// Every unit the register answers with (a deleted one's few fields
		// too) names its number: JSON without one ({}, a gateway's
		// {"message": …}) is not about the unit, and read as one it would
		// be a unit without a name or an address, its print held for
		// manual handling (no_address) for the cache's lifetime.
		return u, fmt.Errorf("register answer for %s names no organisation number: not a unit", orgnr)
	default:
		return u, fmt.Errorf("register answered for %s when asked for %s", u.Organisasjonsnummer, orgnr)
	}
	u.Navn = OneLine(u.Navn)
	return u, nil
}

// OneLine is a register's name as postvakt uses it (a reminder's subject
// and greeting, a print order's address, the lists): its white space and
// control characters, line breaks among them, each run one space, none at
// the ends. A name holding a line break would break a mail's subject in
// two in its reader and a printed address over lines. A bidirectional
// embedding, override or isolate control (U+202A–U+202E, U+2066–U+2069,
// those model.BidiProblem refuses in the names postvakt is given) is
// dropped: shown before "(org.nr. 974760673)" in a reminder, U+202E
// would turn the number around.
func OneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if (r >= '\u202A' && r <= '\u202E') || (r >= '\u2066' && r <= '\u2069') {
			return -1
		}
		return r
	}, s)
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }), " ")
}

// Brreg asks Enhetsregisteret. HTTP's base URL is POSTVAKT_REGISTER_URL,
// e.g. https://data.brreg.no/enhetsregisteret/api.
type Brreg struct {
	HTTP Doer
}

// answered reports whether status is an answer about the number rather than
// a failure to be retried: 400 (not a valid number), 404, 410.
func answered(status int) bool {
	return status == http.StatusBadRequest || status == http.StatusNotFound || status == http.StatusGone
}

// Lookup asks /enheter/{orgnr}; when that answers 404 it asks
// /underenheter/{orgnr}, where sub-units live, and keeps that answer when
// it knows the number (200, or 410 for a removed sub-unit); otherwise the
// 404 of /enheter stands. A 200 whose body is not the unit's JSON, a 5xx
// after the client's retries, or a network failure is an error: nothing to
// cache, ask again later (a garbage answer comes back beside the error, as
// evidence).
func (b *Brreg) Lookup(ctx context.Context, orgnr string) (Answer, error) {
	if b == nil || b.HTTP == nil {
		return Answer{}, errors.New("no business register configured (POSTVAKT_REGISTER_URL)")
	}
	if model.OrgCountry(orgnr) != "NO" {
		return Answer{}, fmt.Errorf("%q is not a Norwegian organisation number: not asking Enhetsregisteret", orgnr)
	}
	a, err := b.get(ctx, orgnr, "enhet", "/enheter/", store.RegisterEnhet)
	if err != nil || a.Status != http.StatusNotFound {
		return a, err
	}
	sub, err := b.get(ctx, orgnr, "underenhet", "/underenheter/", store.RegisterUnderenhet)
	switch {
	case err != nil:
		return sub, fmt.Errorf("sub-unit: %w", err)
	case sub.Status == http.StatusOK || sub.Status == http.StatusGone:
		return sub, nil
	}
	return a, nil
}

func (b *Brreg) get(ctx context.Context, orgnr, op, prefix, kind string) (Answer, error) {
	resp, err := b.HTTP.Do(ctx, httpclient.Request{Op: op, Method: http.MethodGet, Path: prefix + orgnr,
		Prepare: func(_ context.Context, r *resty.Request) error {
			r.SetHeader("Accept", "application/json")
			return nil
		}})
	var se *httpclient.StatusError
	switch {
	case err == nil:
	case errors.As(err, &se) && resp != nil && answered(se.StatusCode) && resp.WebPage():
		return Answer{}, fmt.Errorf("ask the business register about %s: HTTP %d with a web page, not Enhetsregisteret's answer "+
			"(a proxy, or POSTVAKT_REGISTER_URL is not the API's address): %w", orgnr, se.StatusCode, err)
	case errors.As(err, &se) && resp != nil && answered(se.StatusCode):
		return Answer{OrgNr: orgnr, Kind: kind, Status: resp.StatusCode, Body: resp.Body}, nil
	default:
		return Answer{}, fmt.Errorf("ask the business register about %s: %w", orgnr, err)
	}
	if resp.StatusCode != http.StatusOK {
		return Answer{}, fmt.Errorf("ask the business register about %s: unexpected HTTP %d", orgnr, resp.StatusCode)
	}
	u, err := ParseUnit(orgnr, resp.Body)
	if err != nil {
		return Answer{OrgNr: orgnr, Kind: kind, Status: resp.StatusCode, Body: resp.Body}, err // the garbage, as evidence; not to be cached
	}
	return Answer{OrgNr: orgnr, Kind: kind, Status: http.StatusOK, Body: resp.Body, Name: u.Navn}, nil
}
