package sim

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// cvrBase is the prefix of Erhvervsstyrelsen's CVR system-to-system access
// ("System-til-system adgang til CVR-data", an Elasticsearch alias at
// http://distribution.virk.dk/cvr-permanent) the simulator serves.
const cvrBase = "/cvr-permanent"

// cvrWindow is the index's result window: from + size may not exceed it.
const cvrWindow = 3000

// cvrCompany is a Danish company the simulated CVR knows.
type cvrCompany struct {
	nr, name string
	ceased   bool
}

// isCVR reports whether s is a valid Danish CVR number: 8 digits whose
// weighted sum (2 7 6 5 4 3 2 1) is divisible by 11.
func isCVR(s string) bool {
	if len(s) != 8 || !allDigits(s) || s[0] == '0' {
		return false
	}
	sum := 0
	for i, w := range [8]int{2, 7, 6, 5, 4, 3, 2, 1} {
		sum += int(s[i]-'0') * w
	}
	return sum%11 == 0
}

// genCVR fills the CVR's companies from the scenario; a company listed
// without a name gets one made up from its number.
func (w *world) genCVR(sc *Scenario) {
	for _, c := range sc.CVR.Companies {
		name := c.Name
		if strings.TrimSpace(name) == "" {
			name = danishCompanyName(c.CVR)
		}
		w.addCVR(c.CVR, name, c.Ceased)
	}
}

// Parts of made-up Danish company names.
var (
	danishPlaces = []string{"Nørrebro", "Vesterbro", "Østerbro", "Amager", "Valby", "Frederiksberg", "Christianshavn",
		"Hellerup", "Sydhavn", "Bispebjerg", "Brønshøj", "Vanløse", "Køge", "Roskilde", "Ishøj"}
	danishTrades = []string{"Tømrer", "VVS", "Bageri", "Rådgivning", "Maling", "Transport", "Revision", "Fisk",
		"Blomster", "Kaffe", "Cykler", "Ejendomme", "Tandklinik", "Elektrik", "Rengøring"}
	danishForms = []string{"ApS", "ApS", "ApS", "ApS", "A/S", "A/S", "I/S", "IVS"}
)

// danishCompanyName makes up a company name from a CVR number: the same
// number always gets the same name.
func danishCompanyName(nr string) string {
	h := hashString("cvr-name-" + nr)
	return danishPlaces[h%uint64(len(danishPlaces))] + " " + danishTrades[(h>>16)%uint64(len(danishTrades))] + " " +
		danishForms[(h>>32)%uint64(len(danishForms))]
}

// addCVR makes the CVR know a company (the first name given stands).
func (w *world) addCVR(nr, name string, ceased bool) {
	if _, ok := w.cvr[nr]; !ok {
		w.cvr[nr] = &cvrCompany{nr: nr, name: name, ceased: ceased}
	}
}

func (s *Sim) cvrRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST "+cvrBase+"/virksomhed/_search", s.handleCVRSearch)
	mux.HandleFunc("GET "+cvrBase+"/virksomhed/_search", s.handleCVRSearch)
}

// cvrUnauthorized is the answer of the real access to missing or wrong
// credentials: nginx's page, not JSON.
const cvrUnauthorized = `<html>
<head><title>401 Authorization Required</title></head>
<body>
<center><h1>401 Authorization Required</h1></center>
<hr><center>nginx</center>
</body>
</html>
`

// esError answers an Elasticsearch error.
func esError(w http.ResponseWriter, status int, typ, reason string) {
	cause := map[string]any{"type": typ, "reason": reason}
	writeJSON(w, status, map[string]any{"error": map[string]any{"root_cause": []any{cause}, "type": typ, "reason": reason}, "status": status})
}

// cvrSearchRequest is the part of a search body the simulator reads.
type cvrSearchRequest struct {
	Source json.RawMessage            `json:"_source"`
	Query  map[string]json.RawMessage `json:"query"`
	Size   *int                       `json:"size"`
	From   int                        `json:"from"`
}

// handleCVRSearch answers a search of the company index (virksomhed) with
// HTTP Basic credentials. Queries: none or match_all (every company), term
// or terms on Vrvirksomhed.cvrNummer (numbers or strings); _source as
// false, a path, a list of paths or {"includes": [...]}; size (default 10,
// as Elasticsearch) and from within the result window of 3000. A search
// naming a number in register.failing answers 500.
func (s *Sim) handleCVRSearch(w http.ResponseWriter, r *http.Request) {
	if u, p, ok := r.BasicAuth(); !ok || u != s.opts.CVRUser || p != s.opts.CVRPassword {
		w.Header().Set("WWW-Authenticate", `Basic realm="CVR"`)
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, cvrUnauthorized)
		return
	}
	var req cvrSearchRequest
	if data, err := io.ReadAll(io.LimitReader(r.Body, 1<<20)); err != nil {
		esError(w, http.StatusBadRequest, "parse_exception", "cannot read the request body")
		return
	} else if len(strings.TrimSpace(string(data))) > 0 {
		if err := json.Unmarshal(data, &req); err != nil {
			esError(w, http.StatusBadRequest, "parse_exception", "request body is not valid JSON: "+err.Error())
			return
		}
	}
	nrs, all, err := cvrQueryNumbers(req.Query)
	if err != nil {
		esError(w, http.StatusBadRequest, "parsing_exception", err.Error())
		return
	}
	noteIDs(r, nrs...)
	includes, withSource, err := cvrSourceFilter(req.Source)
	if err != nil {
		esError(w, http.StatusBadRequest, "parsing_exception", err.Error())
		return
	}
	size := 10
	if req.Size != nil {
		size = *req.Size
	}
	if size < 0 || req.From < 0 || req.From+size > cvrWindow {
		esError(w, http.StatusBadRequest, "query_phase_execution_exception",
			fmt.Sprintf("Result window is too large, from + size must be less than or equal to: [%d] but was [%d].", cvrWindow, req.From+size))
		return
	}
	for _, nr := range nrs {
		if s.failingNow(nr) {
			esError(w, http.StatusInternalServerError, "search_phase_execution_exception", "all shards failed")
			return
		}
	}
	var found []*cvrCompany
	if all {
		for _, c := range s.w.cvr {
			found = append(found, c)
		}
	} else {
		seen := map[string]bool{}
		for _, nr := range nrs {
			if c, ok := s.w.cvr[nr]; ok && !seen[nr] {
				seen[nr] = true
				found = append(found, c)
			}
		}
	}
	sort.Slice(found, func(i, j int) bool { return found[i].nr < found[j].nr })
	total := len(found)
	found = found[min(req.From, len(found)):min(req.From+size, len(found))]
	hits := make([]any, 0, len(found))
	for _, c := range found {
		h := map[string]any{"_index": "cvr-v-20220630", "_type": "_doc", "_id": strconv.FormatInt(c.enhedsNummer(), 10), "_score": 1.0}
		if withSource {
			h["_source"] = filterSource(map[string]any{"Vrvirksomhed": s.cvrDocument(c)}, includes)
		}
		hits = append(hits, h)
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"took": 3, "timed_out": false,
		"_shards": map[string]any{"total": 6, "successful": 6, "skipped": 0, "failed": 0},
		"hits":    map[string]any{"total": total, "max_score": 1.0, "hits": hits},
	})
}

// cvrQueryNumbers reads the query: all is true for none or match_all, else
// nrs are the CVR numbers a term or terms query on Vrvirksomhed.cvrNummer
// names (8 digits, as the index keeps them).
func cvrQueryNumbers(q map[string]json.RawMessage) (nrs []string, all bool, err error) {
	if len(q) == 0 {
		return nil, true, nil
	}
	if len(q) > 1 {
		return nil, false, fmt.Errorf("[query] malformed query, expected [END_OBJECT] but found another query")
	}
	for kind, body := range q {
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(body, &fields); err != nil {
			return nil, false, fmt.Errorf("[%s] query malformed", kind)
		}
		switch kind {
		case "match_all":
			return nil, true, nil
		case "term", "terms":
		default:
			return nil, false, fmt.Errorf("[%s] query is not served by the simulator (only match_all, term and terms on Vrvirksomhed.cvrNummer)", kind)
		}
		raw, ok := fields["Vrvirksomhed.cvrNummer"]
		if !ok || len(fields) != 1 {
			return nil, false, fmt.Errorf("[%s] query must name Vrvirksomhed.cvrNummer alone in the simulator", kind)
		}
		var values []json.RawMessage
		if kind == "terms" {
			if err := json.Unmarshal(raw, &values); err != nil {
				return nil, false, fmt.Errorf("[terms] query does not support [Vrvirksomhed.cvrNummer] as anything but a list")
			}
		} else {
			var v struct {
				Value json.RawMessage `json:"value"`
			}
			if json.Unmarshal(raw, &v) == nil && v.Value != nil {
				raw = v.Value
			}
			values = []json.RawMessage{raw}
		}
		for _, v := range values {
			var n json.Number
			if err := json.Unmarshal(v, &n); err != nil {
				return nil, false, fmt.Errorf("[%s] value %s of [Vrvirksomhed.cvrNummer] is not a number", kind, v)
			}
			i, err := n.Int64()
			if err != nil || i < 0 {
				return nil, false, fmt.Errorf("[%s] value %s of [Vrvirksomhed.cvrNummer] is not a whole number", kind, v)
			}
			nrs = append(nrs, fmt.Sprintf("%08d", i))
		}
	}
	return nrs, false, nil
}

// cvrSourceFilter reads _source: the paths to include (nil: everything)
// and whether to return _source at all.
func cvrSourceFilter(raw json.RawMessage) (includes []string, with bool, err error) {
	if len(raw) == 0 {
		return nil, true, nil
	}
	var b bool
	if json.Unmarshal(raw, &b) == nil {
		return nil, b, nil
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}, true, nil
	}
	if json.Unmarshal(raw, &includes) == nil {
		return includes, true, nil
	}
	var obj struct {
		Includes []string `json:"includes"`
		Excludes []string `json:"excludes"`
	}
	if json.Unmarshal(raw, &obj) == nil && len(obj.Excludes) == 0 {
		return obj.Includes, true, nil
	}
	return nil, false, fmt.Errorf("[_source] is not served by the simulator in this form (false, a path, a list of paths or includes)")
}

// filterSource keeps only the included dotted paths of doc (all of it for
// no includes), looking inside arrays of objects as Elasticsearch does.
func filterSource(doc map[string]any, includes []string) map[string]any {
	if len(includes) == 0 {
		return doc
	}
	out := map[string]any{}
	for _, p := range includes {
		copyPath(out, doc, strings.Split(p, "."))
	}
	return out
}

func copyPath(dst, src map[string]any, path []string) {
	v, ok := src[path[0]]
	if !ok {
		return
	}
	if len(path) == 1 {
		dst[path[0]] = v
		return
	}
	switch sub := v.(type) {
	case map[string]any:
		d, _ := dst[path[0]].(map[string]any)
		if d == nil {
			d = map[string]any{}
			dst[path[0]] = d
		}
		copyPath(d, sub, path[1:])
	case []any:
		d, _ := dst[path[0]].([]any)
		if d == nil {
			d = make([]any, len(sub))
			for i := range d {
				d[i] = map[string]any{}
			}
			dst[path[0]] = d
		}
		for i, e := range sub {
			if em, ok := e.(map[string]any); ok {
				if dm, ok := d[i].(map[string]any); ok {
					copyPath(dm, em, path[1:])
				}
			}
		}
	}
}

// enhedsNummer is the company's unit number in the CVR (the document id).
func (c *cvrCompany) enhedsNummer() int64 {
	return 4000000000 + int64(hashString("cvr-enhed-"+c.nr)%900000000)
}

// cvrDocument is the company as the index keeps it (Vrvirksomhed), with
// the fields a name lookup reads and a few around them; null where the
// simulator knows nothing.
func (s *Sim) cvrDocument(c *cvrCompany) map[string]any {
	h := hashString("cvr-" + c.nr)
	founded := time.Date(1975+int(h%45), time.Month(1+(h>>8)%12), 1+int((h>>16)%28), 0, 0, 0, 0, time.UTC)
	updated := s.start.AddDate(0, 0, -int(h%400)-1).Format("2006-01-02T15:04:05.000-07:00")
	period := map[string]any{"gyldigFra": founded.Format(time.DateOnly), "gyldigTil": nil}
	status := "Aktiv"
	if c.ceased {
		status = "Ophørt"
		period["gyldigTil"] = s.start.AddDate(0, -2, 0).Format(time.DateOnly)
	}
	name := map[string]any{"navn": c.name, "periode": period, "sidstOpdateret": updated}
	var form any
	switch {
	case strings.HasSuffix(c.name, " ApS"):
		form = map[string]any{"virksomhedsformkode": 80, "kortBeskrivelse": "APS", "langBeskrivelse": "Anpartsselskab"}
	case strings.HasSuffix(c.name, " A/S"):
		form = map[string]any{"virksomhedsformkode": 60, "kortBeskrivelse": "A/S", "langBeskrivelse": "Aktieselskab"}
	}
	n, _ := strconv.ParseInt(c.nr, 10, 64)
	return map[string]any{
		"cvrNummer":        n,
		"enhedsNummer":     c.enhedsNummer(),
		"enhedstype":       "VIRKSOMHED",
		"reklamebeskyttet": h%5 == 0,
		"navne":            []any{name},
		"binavne":          []any{},
		"virksomhedMetadata": map[string]any{
			"nyesteNavn":            name,
			"nyesteBinavne":         []any{},
			"nyesteVirksomhedsform": form,
			"sammensatStatus":       status,
			"stiftelsesDato":        founded.Format(time.DateOnly),
		},
		"sidstOpdateret": updated,
		"sidstIndlaest":  updated,
	}
}
