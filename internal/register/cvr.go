package register

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-resty/resty/v2"

	"postvakt/internal/httpclient"
	"postvakt/internal/model"
	"postvakt/internal/store"
)

// CVR asks the Danish CVR through Erhvervsstyrelsen's system-to-system
// access ("System-til-system adgang til CVR-data"): an Elasticsearch index
// searched with POST {base}/virksomhed/_search and HTTP Basic credentials
// issued by Erhvervsstyrelsen (cvrselvbetjening@erst.dk). HTTP's base URL is
// POSTVAKT_CVR_URL, e.g. http://distribution.virk.dk/cvr-permanent.
//
// One search asks for several companies at once: a terms query on
// Vrvirksomhed.cvrNummer, size set to the number asked (Elasticsearch returns
// 10 hits unless told otherwise), _source limited to the number, the newest
// name (Vrvirksomhed.virksomhedMetadata.nyesteNavn.navn) and the status.
type CVR struct {
	HTTP     Doer
	User     string // POSTVAKT_CVR_USER
	Password string // POSTVAKT_CVR_PASSWORD
}

// MaxCVRBatch bounds the CVR numbers of one search (far below the index's
// result window of 3000).
const MaxCVRBatch = 100

// cvrSource is what a search asks each hit's _source to hold.
var cvrSource = []string{
	"Vrvirksomhed.cvrNummer",
	"Vrvirksomhed.virksomhedMetadata.nyesteNavn",
	"Vrvirksomhed.virksomhedMetadata.sammensatStatus",
}

// cvrSearch is the request body of a search.
type cvrSearch struct {
	Source []string       `json:"_source"`
	Query  map[string]any `json:"query"`
	Size   int            `json:"size"`
}

// cvrResult is the part of a search answer postvakt reads.
type cvrResult struct {
	TimedOut bool `json:"timed_out"`
	Shards   *struct {
		Failed int `json:"failed"`
	} `json:"_shards"`
	Hits *struct {
		// Total is how many hits the search found: a number (Elasticsearch
		// 6, the CVR's) or {"value": n, ...} (Elasticsearch 7 and later).
		Total json.RawMessage   `json:"total"`
		Hits  []json.RawMessage `json:"hits"` // read one by one
	} `json:"hits"`
}

// hitsTotal reads a search answer's hits.total; false when it has none
// that can be read.
func hitsTotal(raw json.RawMessage) (int, bool) {
	var n int
	if err := json.Unmarshal(raw, &n); err == nil {
		return n, true
	}
	var v struct {
		Value *int `json:"value"`
	}
	if err := json.Unmarshal(raw, &v); err == nil && v.Value != nil {
		return *v.Value, true
	}
	return 0, false
}

// cvrCompany is the part of a hit's _source postvakt reads.
type cvrCompany struct {
	Vrvirksomhed *struct {
		CVRNummer          json.Number `json:"cvrNummer"`
		VirksomhedMetadata struct {
			NyesteNavn *struct {
				Navn string `json:"navn"`
			} `json:"nyesteNavn"`
		} `json:"virksomhedMetadata"`
	} `json:"Vrvirksomhed"`
}

// Lookup searches the CVR for the given 8-digit numbers (at most
// MaxCVRBatch) and returns one answer per number, in the order asked: 200
// with the hit's _source, or 404 when the search found no such company. A
// failed search stands or falls as a whole: an error (after the client's
// retries), an answer that is not the expected JSON, or a partial answer
// (timed out, a failed shard) answers for none of them. A whole answer is
// read hit by hit: a hit that cannot be read is its number's error, a
// *HitErrors beside the others' answers (see there).
func (c *CVR) Lookup(ctx context.Context, cvrs []string) ([]Answer, error) {
	if c == nil || c.HTTP == nil {
		return nil, errors.New("no CVR access configured (POSTVAKT_CVR_URL)")
	}
	if len(cvrs) == 0 {
		return nil, nil
	}
	if len(cvrs) > MaxCVRBatch {
		return nil, fmt.Errorf("CVR search for %d numbers: at most %d at once", len(cvrs), MaxCVRBatch)
	}
	terms := make([]int64, len(cvrs))
	for i, nr := range cvrs {
		if model.OrgCountry(nr) != "DK" {
			return nil, fmt.Errorf("%q is not a Danish CVR number: not asking the CVR", nr)
		}
		terms[i], _ = strconv.ParseInt(nr, 10, 64)
	}
	body, err := json.Marshal(cvrSearch{Source: cvrSource, Size: len(cvrs),
		Query: map[string]any{"terms": map[string]any{"Vrvirksomhed.cvrNummer": terms}}})
	if err != nil {
		return nil, fmt.Errorf("encode CVR search: %w", err)
	}
	what := strings.Join(cvrs, ", ")
	if len(cvrs) > 3 {
		what = fmt.Sprintf("%d numbers (%s, …)", len(cvrs), strings.Join(cvrs[:3], ", "))
	}
	resp, err := c.HTTP.Do(ctx, httpclient.Request{Op: "search", Method: http.MethodPost, Path: "/virksomhed/_search",
		Prepare: func(_ context.Context, r *resty.Request) error {
			r.SetBasicAuth(c.User, c.Password)
			r.SetHeader("Accept", "application/json")
			r.SetHeader("Content-Type", "application/json")
			r.SetBody(body)
			return nil
		}})
	if err != nil {
		return nil, fmt.Errorf("search the CVR for %s: %w", what, err)
	}
	return readCVRResult(cvrs, resp.Body)
}

// readCVRResult turns a search answer into one answer per number asked.
// An answer that is not UTF-8 (JSON's encoding; one labelled with another
// character set reaches here decoded by httpclient) answers for none:
// decoding would turn a Latin-1 "Nørrebro" into "N\uFFFDrrebro", the name
// cached and shown, as ParseUnit refuses it of Enhetsregisteret.
func readCVRResult(cvrs []string, body []byte) ([]Answer, error) {
	var res cvrResult
	if !utf8.Valid(body) {
		return nil, errors.New("CVR search answer is not UTF-8 (nor labelled with its character set)")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&res); err != nil {
		return nil, fmt.Errorf("CVR search answer is not the expected JSON: %w", err)
	}
	if res.Hits == nil {
		return nil, errors.New("CVR search answer has no hits")
	}
	if res.TimedOut || (res.Shards != nil && res.Shards.Failed > 0) {
		return nil, errors.New("CVR search answer is partial (timed out or a shard failed): not trusted")
	}
	asked := make(map[string]int, len(cvrs))
	out := make([]Answer, len(cvrs))
	for i, nr := range cvrs {
		asked[nr] = i
		out[i] = Answer{OrgNr: nr, Kind: store.RegisterCVR, Status: http.StatusNotFound}
	}
	bad := map[string]error{}
	var stray error // a hit that names no number postvakt can tell
	for _, h := range res.Hits.Hits {
		source, nr, co, err := readCVRHit(h)
		switch {
		case nr == "":
			if stray == nil {
				stray = err
			}
			continue
		case !hasKey(asked, nr):
			continue // not asked for
		case err != nil:
			bad[nr] = err
			continue
		}
		name := ""
		if nn := co.Vrvirksomhed.VirksomhedMetadata.NyesteNavn; nn != nil {
			name = OneLine(nn.Navn)
		}
		i := asked[nr]
		if out[i].Status == http.StatusOK && (out[i].Name != "" || name == "") {
			continue // a second hit: the first one stands, unless only the second has a name
		}
		a := &out[i]
		a.Status, a.Body, a.Name = http.StatusOK, []byte(source), name
	}
	// The search returns at most size hits, one per number asked: when the
	// index holds more (two documents of one company), the hits left out
	// may be a number's that no hit answered.
	if total, ok := hitsTotal(res.Hits.Total); ok && total > len(res.Hits.Hits) && stray == nil {
		stray = fmt.Errorf("CVR search answer holds %d of the %d hits found", len(res.Hits.Hits), total)
	}
	if len(bad) == 0 && stray == nil {
		return out, nil
	}
	he := &HitErrors{Asked: len(cvrs), Numbers: bad, Cause: stray}
	answers := make([]Answer, 0, len(out))
	for _, a := range out {
		switch {
		case bad[a.OrgNr] != nil:
		case stray != nil && a.Status == http.StatusNotFound:
			// Not found, in an answer with a hit that names no number:
			// that hit may be this one's, so "no such company" is not
			// known.
			he.Unsettled = append(he.Unsettled, a.OrgNr)
		default:
			answers = append(answers, a)
		}
	}
	return answers, he
}

// readCVRHit reads one hit of a search answer: its _source, the number it
// is about ("" when it names none postvakt can read: not an object, not a
// company, no valid cvrNummer; err says which), and the company. With the
// number, err says the hit is not the expected JSON (a name that is not a
// string, say): that number's error.
func readCVRHit(hit json.RawMessage) (source json.RawMessage, nr string, co cvrCompany, err error) {
	var h struct {
		Source json.RawMessage `json:"_source"`
	}
	if err := json.Unmarshal(hit, &h); err != nil {
		return nil, "", co, fmt.Errorf("CVR search hit is not the expected JSON: %s", snippet(hit))
	}
	var head struct {
		Vrvirksomhed *struct {
			CVRNummer json.Number `json:"cvrNummer"`
		} `json:"Vrvirksomhed"`
	}
	if err := json.Unmarshal(h.Source, &head); err != nil {
		return nil, "", co, fmt.Errorf("CVR search hit has no valid cvrNummer: %s", snippet(h.Source))
	}
	if head.Vrvirksomhed == nil {
		return nil, "", co, fmt.Errorf("CVR search hit is not a company (Vrvirksomhed): %s", snippet(h.Source))
	}
	n, err := head.Vrvirksomhed.CVRNummer.Int64()
	if err != nil || n <= 0 || n > 99999999 {
		return nil, "", co, fmt.Errorf("CVR search hit has no valid cvrNummer: %q", head.Vrvirksomhed.CVRNummer)
	}
	nr = fmt.Sprintf("%08d", n)
	if err := json.Unmarshal(h.Source, &co); err != nil {
		return nil, nr, co, fmt.Errorf("CVR search hit for %s is not the expected JSON: %w", nr, err)
	}
	return h.Source, nr, co, nil
}

func hasKey(m map[string]int, k string) bool {
	_, ok := m[k]
	return ok
}

// HitErrors is the error of a CVR search whose answer was whole but had
// hits that could not be read. Numbers are those whose own hit could not
// be read, each with its error; Unsettled, those no readable hit answered
// when a hit named no number, or the answer left hits out (Cause): that
// hit may be theirs, so they are not known to be missing from the CVR. Lookup's answers for the others
// stand (one company's bad hit never holds back another's name).
type HitErrors struct {
	Asked     int
	Numbers   map[string]error
	Unsettled []string
	Cause     error
}

func (e *HitErrors) Error() string {
	nrs := make([]string, 0, len(e.Numbers))
	for nr := range e.Numbers {
		nrs = append(nrs, nr)
	}
	sort.Strings(nrs)
	msg := fmt.Sprintf("CVR search for %d numbers: %d hit(s) could not be read (%s)", e.Asked, len(nrs), strings.Join(nrs, ", "))
	if e.Cause != nil {
		msg += fmt.Sprintf("; %d number(s) not settled: %v", len(e.Unsettled), e.Cause)
	}
	return msg
}

// snippet is the first bytes of b, for an error message.
func snippet(b []byte) string {
	if len(b) > 200 {
		b = b[:200]
	}
	return string(b)
}
