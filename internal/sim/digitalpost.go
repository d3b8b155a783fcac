package sim

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// dpBase is the Digital Post API's path prefix (production:
// https://api.digitalpost.dk/apis/v1/).
const dpBase = "/apis/v1"

// dpDefaultPageSize is the page size when size is not given (Spring's).
const dpDefaultPageSize = 20

func (s *Sim) digitalPostRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET "+dpBase+"/events/{$}", s.handleDPEvents)
	mux.HandleFunc("GET "+dpBase+"/events", s.handleDPEvents)
}

// dpTime formats a time as the event log does: UTC with milliseconds.
func dpTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// dpTimeLayouts are the shapes dateFrom and dateTo are read in: the
// documented yyyy-MM-ddTHH:mm:ss.SSSZ, in both its readings (a literal Z, or
// a numeric offset), with or without milliseconds.
var dpTimeLayouts = []string{"2006-01-02T15:04:05.000Z07:00", "2006-01-02T15:04:05.000Z0700", "2006-01-02T15:04:05Z07:00", "2006-01-02T15:04:05Z0700"}

func parseDPTime(s string) (time.Time, error) {
	for _, l := range dpTimeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a time like 2023-08-25T00:49:34.437Z", s)
}

// dpAuth checks the Basic header (systemId:apiToken) and, on a TLS
// connection, that the client showed a certificate. Plain HTTP (loopback
// tests) needs no certificate.
func (s *Sim) dpAuth(w http.ResponseWriter, r *http.Request) bool {
	user, pass, ok := r.BasicAuth()
	if !ok || !equalSecret(user, s.opts.DigitalPostSystemID) || !equalSecret(pass, s.opts.DigitalPostAPIToken) {
		w.Header().Set("WWW-Authenticate", `Basic realm="Digital Post"`)
		writeError(w, r, http.StatusUnauthorized, "Authorization: Basic base64(systemId:apiToken) missing or wrong")
		return false
	}
	if r.TLS != nil && len(r.TLS.PeerCertificates) == 0 {
		writeError(w, r, http.StatusForbidden, "a client certificate (OCES3) is required")
		return false
	}
	return true
}

// dpKnownParams are the event log's declared query parameters; any other
// parameter is a filter on a field of the event by its dotted name.
var dpKnownParams = map[string]bool{"dateFrom": true, "dateTo": true, "eventTag": true, "senderOrRecipientSystem": true,
	"senderOrRecipient": true, "any": true, "fields": true, "sortFields": true, "page": true, "size": true}

// dpFilterFields are the fields a dotted-name filter may name.
var dpFilterFields = map[string]func(e *dpEvent, sys string) string{
	"id": func(e *dpEvent, _ string) string { return e.id }, "eventId": func(e *dpEvent, _ string) string { return e.eventID },
	"rootId": func(e *dpEvent, _ string) string { return e.rootID }, "eventTag": func(e *dpEvent, _ string) string { return e.tag },
	"owner":                      func(e *dpEvent, _ string) string { return e.owner },
	"metaProperties.messageUUID": func(e *dpEvent, _ string) string { return letterField(e, func(l *dpLetter) string { return l.uuid }) },
	"metaProperties.messageId": func(e *dpEvent, _ string) string {
		return letterField(e, func(l *dpLetter) string { return l.messageID })
	},
	"metaProperties.transmissionId": func(e *dpEvent, _ string) string {
		return letterField(e, func(l *dpLetter) string { return l.transmissionID })
	},
	"metaProperties.recipientID": func(e *dpEvent, _ string) string {
		return letterField(e, func(l *dpLetter) string { return l.recipientID })
	},
	"metaProperties.senderSystem": func(_ *dpEvent, sys string) string { return sys },
}

func letterField(e *dpEvent, f func(*dpLetter) string) string {
	if e.letter == nil {
		return ""
	}
	return f(e.letter)
}

// dpQuery is a parsed events/ query.
type dpQuery struct {
	from, to          time.Time
	hasFrom, hasTo    bool
	tag               string
	system, party     string
	anyText           string
	filters           map[string]string
	sort              []dpSort
	page, size, asked int
}

type dpSort struct {
	field string
	desc  bool
}

func parseDPQuery(r *http.Request, capSize int) (dpQuery, error) {
	v := r.URL.Query()
	q := dpQuery{filters: map[string]string{}, size: dpDefaultPageSize}
	var err error
	if s := v.Get("dateFrom"); s != "" {
		if q.from, err = parseDPTime(s); err != nil {
			return q, fmt.Errorf("dateFrom: %w", err)
		}
		q.hasFrom = true
	}
	if s := v.Get("dateTo"); s != "" {
		if q.to, err = parseDPTime(s); err != nil {
			return q, fmt.Errorf("dateTo: %w", err)
		}
		q.hasTo = true
	}
	q.tag, q.system, q.party, q.anyText = v.Get("eventTag"), v.Get("senderOrRecipientSystem"), v.Get("senderOrRecipient"), v.Get("any")
	if s := v.Get("page"); s != "" {
		if q.page, err = strconv.Atoi(s); err != nil || q.page < 0 {
			return q, fmt.Errorf("page must be a whole number >= 0 (zero-based), not %q", s)
		}
	}
	if s := v.Get("size"); s != "" {
		if q.size, err = strconv.Atoi(s); err != nil || q.size < 1 {
			return q, fmt.Errorf("size must be a whole number >= 1, not %q", s)
		}
	}
	q.asked = q.size
	q.size = min(q.size, capSize)
	// No default order is documented; the simulator lists newest first, so
	// a client that needs oldest first must say so.
	q.sort = []dpSort{{field: "created", desc: true}}
	if s := v.Get("sortFields"); s != "" {
		q.sort = nil
		for _, part := range strings.Split(s, ",") {
			f, dir, _ := strings.Cut(strings.TrimSpace(part), ":")
			if f != "created" && f != "eventTime" && f != "id" && f != "eventTag" {
				return q, fmt.Errorf("sortFields: cannot sort on %q", f)
			}
			switch strings.ToLower(dir) {
			case "", "asc":
				q.sort = append(q.sort, dpSort{field: f})
			case "desc":
				q.sort = append(q.sort, dpSort{field: f, desc: true})
			default:
				return q, fmt.Errorf("sortFields: direction %q is not asc or desc", dir)
			}
		}
	}
	for k, vals := range v {
		if dpKnownParams[k] {
			continue
		}
		if _, ok := dpFilterFields[k]; !ok {
			return q, fmt.Errorf("unknown parameter or field %q", k)
		}
		q.filters[k] = vals[0]
	}
	return q, nil
}

// eventLogSearchResult is the answer's envelope.
type eventLogSearchResult struct {
	Events         []json.RawMessage `json:"events"`
	CurrentPage    int               `json:"currentPage"`
	TotalPages     int               `json:"totalPages"`
	ElementsOnPage int               `json:"elementsOnPage"`
	TotalElements  int               `json:"totalElements"`
	Next           *string           `json:"next"`
}

func (s *Sim) handleDPEvents(w http.ResponseWriter, r *http.Request) {
	if !s.dpAuth(w, r) {
		return
	}
	dw := s.dp
	capSize := dpDefaultPageSize
	if dw != nil {
		capSize = dw.sc.Log.PageSizeCap
	}
	q, err := parseDPQuery(r, capSize)
	if err != nil {
		writeError(w, r, http.StatusBadRequest, err.Error())
		return
	}
	if id := q.filters["metaProperties.messageUUID"]; id != "" {
		noteIDs(r, id)
	}
	now := s.Now()
	var hits []*dpEvent
	if dw != nil {
		hits = dw.search(q, now)
		dw.noteSearch(now)
	}
	total := len(hits)
	res := eventLogSearchResult{Events: []json.RawMessage{}, CurrentPage: q.page, TotalElements: total,
		TotalPages: (total + q.size - 1) / q.size}
	lo := q.page * q.size
	if lo < total {
		page := hits[lo:min(lo+q.size, total)]
		for _, e := range page {
			res.Events = append(res.Events, dw.render(e))
		}
		if lo+len(page) < total {
			last := page[len(page)-1]
			next := base64.StdEncoding.EncodeToString([]byte(fmt.Sprintf(`[%d,"%s"]`, last.created.UnixMilli(), newUUID(derivedRand(int64(hashString(last.id)), "next")))))
			res.Next = &next
		}
	}
	res.ElementsOnPage = len(res.Events)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	_ = enc.Encode(res)
}

// search lists the events visible at now that the query selects, in its order.
func (dw *dpWorld) search(q dpQuery, now time.Time) []*dpEvent {
	dw.mu.Lock()
	all := append(append([]*dpEvent(nil), dw.log...), dw.searchLogs...)
	dw.mu.Unlock()
	var out []*dpEvent
	for _, e := range all {
		if e.visible.After(now) || (q.hasFrom && e.created.Before(q.from)) || (q.hasTo && e.created.After(q.to)) {
			continue
		}
		if q.tag != "" && e.tag != q.tag {
			continue
		}
		if q.system != "" && !strings.EqualFold(q.system, dw.systemID) {
			continue
		}
		if q.party != "" && q.party != dw.sc.Sender.CVR && letterField(e, func(l *dpLetter) string { return l.recipientID }) != q.party {
			continue
		}
		if q.anyText != "" && !dw.anyMatch(e, q.anyText) {
			continue
		}
		ok := true
		for k, v := range q.filters {
			if !strings.EqualFold(dpFilterFields[k](e, dw.systemID), v) {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, e)
		}
	}
	// Each key once per event, not twice per comparison (a time formatted
	// per comparison made a page of a large log cost more than the
	// client reading it), and no sort when the log is in order already.
	keys := make([][]string, len(out))
	for i, e := range out {
		keys[i] = make([]string, len(q.sort))
		for k, s := range q.sort {
			keys[i][k] = sortKey(e, s.field)
		}
	}
	less := func(a, b []string) bool {
		for k, s := range q.sort {
			if a[k] == b[k] {
				continue
			}
			if s.desc {
				return a[k] > b[k]
			}
			return a[k] < b[k]
		}
		return false
	}
	sorted := true
	for i := 1; i < len(out) && sorted; i++ {
		sorted = !less(keys[i], keys[i-1])
	}
	if !sorted {
		idx := make([]int, len(out))
		for i := range idx {
			idx[i] = i
		}
		sort.SliceStable(idx, func(i, j int) bool { return less(keys[idx[i]], keys[idx[j]]) })
		in := out
		out = make([]*dpEvent, len(in))
		for i, k := range idx {
			out[i] = in[k]
		}
	}
	return out
}

func sortKey(e *dpEvent, field string) string {
	switch field {
	case "eventTime":
		return dpTime(e.at)
	case "id":
		return e.id
	case "eventTag":
		return e.tag
	}
	return dpTime(e.created)
}

func (dw *dpWorld) anyMatch(e *dpEvent, text string) bool {
	for _, v := range []string{e.id, e.eventID, e.tag, e.owner, letterField(e, func(l *dpLetter) string { return l.uuid }),
		letterField(e, func(l *dpLetter) string { return l.recipientID })} {
		if v != "" && strings.Contains(strings.ToLower(v), strings.ToLower(text)) {
			return true
		}
	}
	return false
}

// noteSearch adds an EVENT_LOG_SEARCHES event for a query, when the
// scenario says the log records its searches.
func (dw *dpWorld) noteSearch(now time.Time) {
	if !dw.sc.Log.SearchEvents {
		return
	}
	dw.mu.Lock()
	defer dw.mu.Unlock()
	at := now.Truncate(time.Millisecond)
	e := &dpEvent{id: newUUID(dw.searchRand), eventID: newUUID(dw.searchRand), tag: dpSearches, at: at,
		created: at.Add(time.Millisecond), owner: dw.sc.Sender.CVR}
	e.rootID, e.visible = e.eventID, e.created
	dw.searchLogs = append(dw.searchLogs, e)
}

// dpEventJSON is one EventLog as the log answers it.
type dpEventJSON struct {
	ID             *string         `json:"id,omitempty"`
	EventID        string          `json:"eventId"`
	RootID         string          `json:"rootId"`
	EventTime      json.RawMessage `json:"eventTime"`
	Created        json.RawMessage `json:"created"`
	Owner          string          `json:"owner"`
	Actor          string          `json:"actor"`
	System         dpSystem        `json:"system"`
	Message        string          `json:"message,omitempty"`
	EventTag       string          `json:"eventTag"`
	MetaProperties dpMeta          `json:"metaProperties"`
}

type dpSystem struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	User string `json:"user"`
}

// dpMeta is EventLog.metaProperties. label is the letter's title: the real
// log carries it, and an adapter must not keep it.
type dpMeta struct {
	MessageUUID                string `json:"messageUUID,omitempty"`
	MessageID                  string `json:"messageId,omitempty"`
	TransmissionID             string `json:"transmissionId,omitempty"`
	MessageType                string `json:"messageType,omitempty"`
	SenderID                   string `json:"senderID"`
	RecipientID                string `json:"recipientID,omitempty"`
	RecipientType              string `json:"recipientType,omitempty"`
	RecipientContactPointID    string `json:"recipientContactPointId,omitempty"`
	RecipientContactPointLabel string `json:"recipientContactPointLabel,omitempty"`
	SenderSystem               string `json:"senderSystem"`
	Label                      string `json:"label,omitempty"`
	Recalled                   *bool  `json:"recalled,omitempty"`
	ReceiptStatus              string `json:"receiptStatus,omitempty"`
	LegalNotification          *bool  `json:"legalNotification,omitempty"`
}

// timeJSON renders a time in the event's shape.
func timeJSON(t time.Time, shape int) json.RawMessage {
	switch shape {
	case timeOffset:
		return json.RawMessage(`"` + t.UTC().Format("2006-01-02T15:04:05.000-0700") + `"`)
	case timeEpochMS:
		return json.RawMessage(strconv.FormatInt(t.UnixMilli(), 10))
	case timeGarbage:
		return json.RawMessage(`"i går ved midnat"`)
	}
	return json.RawMessage(`"` + dpTime(t) + `"`)
}

// render gives one event as JSON.
func (dw *dpWorld) render(e *dpEvent) json.RawMessage {
	sc := dw.sc
	out := dpEventJSON{EventID: e.eventID, RootID: e.rootID, EventTime: timeJSON(e.at, e.shape),
		Created: timeJSON(e.created, e.shape), Owner: e.owner, Actor: sc.Sender.System,
		System: dpSystem{ID: dw.systemID, Name: sc.Sender.System, User: "integration"}, EventTag: e.tag,
		MetaProperties: dpMeta{SenderID: sc.Sender.CVR, SenderSystem: dw.systemID}}
	if e.shape != timeNoID {
		id := e.id
		out.ID = &id
	}
	if l := e.letter; l != nil {
		f := false
		m := &out.MetaProperties
		m.MessageUUID, m.MessageID, m.TransmissionID, m.MessageType = l.uuid, l.messageID, l.transmissionID, "DIGITALPOST"
		m.RecipientID, m.RecipientType, m.Label, m.LegalNotification = l.recipientID, "CITIZEN", l.title, &f
		if l.kind == "org" {
			m.RecipientType = "COMPANY"
		}
		if l.contactPoint != "" {
			m.RecipientContactPointID, m.RecipientContactPointLabel = l.contactPoint, "Digital Post"
		}
		recalled := e.tag == dpRecalled
		m.Recalled = &recalled
		switch e.tag {
		case dpValidated, dpDelayedSent, dpAvailable:
			m.ReceiptStatus = "COMPLETED"
		case dpValidationFailed:
			m.ReceiptStatus = "INVALID"
		}
		if e.tag == dpRead || e.tag == dpFetchedBySystem {
			out.Actor = l.recipientID
		}
		if e.tag == dpPhysicalSent {
			m.MessageType = "PHYSICAL_LETTER"
		}
		out.Message = l.uuid
	}
	b, _ := json.Marshal(out)
	return b
}
