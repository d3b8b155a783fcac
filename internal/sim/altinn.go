package sim

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// altinnBase is the Correspondence API's path prefix.
const altinnBase = "/correspondence/api/v1/correspondence"

// altinnMaxSearch is how many ids a search answers at most (no paging).
const altinnMaxSearch = 1000

// altinnTime formats a time as Altinn does: a DateTimeOffset read from
// PostgreSQL written by System.Text.Json, so UTC as "+00:00", at most six
// fraction digits (microseconds), trailing zeros left out
// ("2026-03-02T08:15:04.5129+00:00", "2026-03-02T08:15:04+00:00").
func altinnTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.999999-07:00") }

// altinnStatuses is the service's CorrespondenceStatusExt in its order
// (the enum's values 0–13), as the search's status filter knows it.
var altinnStatuses = []string{alInitialized, alReadyForPublish, alPublished, alFetched, alRead, "Replied", "Confirmed",
	"PurgedByRecipient", "PurgedByAltinn", "Archived", alReserved, alFailed, "AttachmentsDownloaded", "Forwarded"}

func (s *Sim) altinnRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET "+altinnBase+"/{id}/details", s.handleCorrespondenceDetails)
	mux.HandleFunc("GET "+altinnBase, s.handleCorrespondenceSearch)
}

type correspondenceContent struct {
	Language       string `json:"language"`
	MessageTitle   string `json:"messageTitle"`
	MessageSummary string `json:"messageSummary"`
	MessageBody    string `json:"messageBody"`
	Attachments    []any  `json:"attachments"`
}

type correspondenceStatusEvent struct {
	Status        string `json:"status"`
	StatusText    string `json:"statusText"`
	StatusChanged string `json:"statusChanged"`
}

// titleHiddenSince is when Altinn stopped showing the sender a letter's
// content after publishing (June 2025): since then the details of every
// published letter come back with an empty title, summary and body, when
// it was published does not matter (GetCorrespondenceDetailsHandler gives
// a sender content only before Published).
var titleHiddenSince = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)

// correspondenceDetails is CorrespondenceDetailsExt as the current service
// answers it (with isConfidential, which the published spec lacks).
type correspondenceDetails struct {
	CorrespondenceID     string                      `json:"correspondenceId"`
	Status               string                      `json:"status"`
	StatusText           string                      `json:"statusText"`
	StatusChanged        any                         `json:"statusChanged"` // a date-time; a number when poisoned
	ResourceID           string                      `json:"resourceId"`
	Sender               string                      `json:"sender"`
	SendersReference     string                      `json:"sendersReference"`
	MessageSender        string                      `json:"messageSender"`
	Recipient            string                      `json:"recipient"`
	Created              string                      `json:"created"`
	RequestedPublishTime string                      `json:"requestedPublishTime"`
	Published            *string                     `json:"published"` // null until published
	Read                 *string                     `json:"read"`      // the first Read; null until then
	DueDateTime          *string                     `json:"dueDateTime"`
	Altinn2ID            *int                        `json:"altinn2CorrespondenceId"`
	SystemLabel          string                      `json:"systemLabel"`
	AllowForwarding      bool                        `json:"allowForwarding"`
	IsConfirmationNeeded bool                        `json:"isConfirmationNeeded"`
	IsConfidential       bool                        `json:"isConfidential"`
	IgnoreReservation    bool                        `json:"ignoreReservation"`
	Content              correspondenceContent       `json:"content"`
	PropertyList         map[string]string           `json:"propertyList"`
	ExternalReferences   []any                       `json:"externalReferences"`
	ReplyOptions         []any                       `json:"replyOptions"`
	Notifications        []any                       `json:"notifications"`
	StatusHistory        []correspondenceStatusEvent `json:"statusHistory"`
}

// problem answers an RFC 7807 problem, as the Altinn services do.
func problem(w http.ResponseWriter, status int, title, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	writeJSONBody(w, map[string]any{
		"type":   "https://tools.ietf.org/html/rfc9110#section-15",
		"title":  title,
		"status": status,
		"detail": detail,
	})
}

// problemSections are the "type" ProblemDetailsHelper in
// altinn-correspondence gives each status it answers.
var problemSections = map[int]string{400: "15.5.1", 401: "15.5.2", 403: "15.5.4", 404: "15.5.5", 409: "15.5.10",
	422: "15.5.21", 500: "15.6.1", 502: "15.6.3"}

// correspondenceProblem answers an error of Altinn Correspondence as its
// ProblemDetailsHelper.ToProblemResult writes it: the status's type and
// title, the error's message as detail, its code twice ("code":
// "CORR-01001" and "errorCode": 1001) and a traceId; code 0 (an
// unhandled exception) has no codes and an empty detail, as its
// exception handler writes it.
func correspondenceProblem(w http.ResponseWriter, r *http.Request, status, code int, message string) {
	body := map[string]any{
		"type":    "https://tools.ietf.org/html/rfc9110#section-" + problemSections[status],
		"title":   http.StatusText(status),
		"status":  status,
		"detail":  message,
		"traceId": traceID(r),
	}
	if code != 0 {
		body["code"] = fmt.Sprintf("CORR-%05d", code)
		body["errorCode"] = code
	} else {
		body["instance"] = r.URL.Path
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	writeJSONBody(w, body)
}

// traceID is a W3C trace id as Activity.Current.Id writes it, the same
// for the same request line (the simulator's answers stay reproducible).
func traceID(r *http.Request) string {
	h := sha256.Sum256([]byte(r.Method + " " + r.URL.String()))
	return fmt.Sprintf("00-%x-%x-01", h[:16], h[16:24])
}

// correspondenceValidation answers a query the service's model binding
// refuses (a value that is not of its type, a required one missing): a
// 400 ValidationProblemDetails naming the parameter in "errors".
func correspondenceValidation(w http.ResponseWriter, param, message string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(http.StatusBadRequest)
	writeJSONBody(w, map[string]any{
		"type": "https://tools.ietf.org/html/rfc9110#section-15.5.1", "title": "Bad Request", "status": 400,
		"errors": map[string][]string{param: {message}},
	})
}

// altinnShipment finds an Altinn shipment that exists at now (one the
// channel never heard of never does: notKnown).
func (s *Sim) altinnShipment(id string, now time.Time) (*shipment, bool) {
	sh, ok := s.w.byID[strings.ToLower(id)]
	if !ok || sh.channel != "altinn" || sh.sent.After(now) || sh.notKnown() {
		return nil, false
	}
	return sh, true
}

func (s *Sim) handleCorrespondenceDetails(w http.ResponseWriter, r *http.Request) {
	if !s.altinnAuthorised(w, r, apiCorrespondence) {
		return
	}
	id := r.PathValue("id")
	noteIDs(r, id)
	if !isUUID(id) {
		correspondenceValidation(w, "correspondenceId", "The value '"+id+"' is not valid.")
		return
	}
	now := s.Now()
	sh, ok := s.altinnShipment(id, now)
	if !ok {
		correspondenceProblem(w, r, http.StatusNotFound, 1001, "The requested correspondence was not found") // CorrespondenceNotFound
		return
	}
	switch sh.poison {
	case poisonForbidden:
		// NoAccessToResource, as GetCorrespondenceDetailsHandler answers a
		// caller that is neither the letter's sender nor its recipient.
		correspondenceProblem(w, r, http.StatusUnauthorized, 4001, "You must use an Altinn token, DialogToken or log in to IDPorten as someone with access to the resource and organization in Altinn Authorization")
		return
	case poisonFailsForever:
		correspondenceProblem(w, r, http.StatusInternalServerError, 0, "") // the exception handler's
		return
	case poisonTruncated:
		var buf bytes.Buffer
		writeJSONBody(&buf, s.details(sh, now))
		body := buf.Bytes()
		if i := bytes.Index(body, []byte(`"resourceId"`)); i > 0 {
			body = body[:i+20] // cut off after the status fields, inside the next value
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(body)
		return
	}
	writeJSONRaw(w, http.StatusOK, s.details(sh, now))
}

// details is the correspondence as Altinn answers its sender at now
// (GetCorrespondenceDetailsHandler): the top-level status is the
// highest-ranked status reached (channelStatusAt), "published" and "read"
// (the first Read) are null until then, the content is empty once
// published (since June 2025), and a poison puts odd bytes into
// statusText or epoch seconds into statusChanged.
func (s *Sim) details(sh *shipment, now time.Time) correspondenceDetails {
	evs := sh.eventsAt(now)
	top, _ := sh.channelStatusAt(now)
	var changed any = altinnTime(top.at)
	if sh.poison == poisonEpochSeconds {
		changed = top.at.Unix()
	}
	d := correspondenceDetails{
		CorrespondenceID: sh.id, Status: top.status, StatusText: poisonedText(sh, top.text), StatusChanged: changed,
		ResourceID: s.opts.ResourceID, Sender: "urn:altinn:organization:identifier-no:" + s.w.sender.nr,
		SendersReference: sh.ref, MessageSender: s.w.sender.name + ", " + sh.unit,
		Created: altinnTime(sh.sent), RequestedPublishTime: altinnTime(sh.sent),
		IsConfidential: sh.confidential, SystemLabel: "Default",
		Content: correspondenceContent{Language: "nb", MessageTitle: sh.title,
			MessageSummary: "Du har mottatt et brev fra " + s.w.sender.name + ".",
			MessageBody:    "Brevet er tilgjengelig i innboksen i Altinn.", Attachments: []any{}},
		PropertyList: map[string]string{}, ExternalReferences: []any{}, ReplyOptions: []any{}, Notifications: []any{},
		StatusHistory: make([]correspondenceStatusEvent, len(evs)),
	}
	if sh.kind == "person" {
		d.Recipient = "urn:altinn:person:identifier-no:" + sh.recipientID
	} else {
		d.Recipient = "urn:altinn:organization:identifier-no:" + sh.recipientID
	}
	for i, e := range evs {
		d.StatusHistory[i] = correspondenceStatusEvent{Status: e.status, StatusText: poisonedText(sh, e.text), StatusChanged: altinnTime(e.at)}
		at := altinnTime(e.at)
		switch {
		case e.status == alPublished:
			d.Published = &at
		case e.status == alRead && d.Read == nil:
			d.Read = &at
		}
	}
	if d.Published != nil && !now.Before(titleHiddenSince) {
		// The sender gets no content back once the letter is published:
		// the service's mapper writes an empty one in its place.
		d.Content = correspondenceContent{Language: "no", Attachments: []any{}}
	}
	return d
}

// handleCorrespondenceSearch lists correspondence ids as the current service
// does (GetCorrespondencesHandler): {"ids": [...]}, newest first, at most
// 1000, no paging; narrow the window with from/to.
func (s *Sim) handleCorrespondenceSearch(w http.ResponseWriter, r *http.Request) {
	if !s.altinnAuthorised(w, r, apiCorrespondence) {
		return
	}
	q := r.URL.Query()
	resource := q.Get("resourceId")
	if resource == "" {
		correspondenceValidation(w, "resourceId", "The resourceId field is required.")
		return
	}
	role := q.Get("role")
	switch strings.ToLower(role) {
	case "sender", "recipient", "recipientandsender":
	default: // required, one of CorrespondencesRoleType's names
		correspondenceValidation(w, "role", "The value '"+role+"' is not valid for role.")
		return
	}
	var from, to time.Time
	for _, p := range []struct {
		name string
		t    *time.Time
	}{{"from", &from}, {"to", &to}} {
		v := q.Get(p.name)
		if v == "" {
			continue
		}
		t, err := parseAltinnTime(v)
		if err != nil {
			correspondenceValidation(w, p.name, "The value '"+v+"' is not valid for "+p.name+".")
			return
		}
		*p.t = t
	}
	if !from.IsZero() && !to.IsZero() && from.After(to) {
		correspondenceProblem(w, r, http.StatusBadRequest, 1027, "From date cannot be after to date") // InvalidDateRange
		return
	}
	status := q.Get("status")
	if status != "" {
		i := slices.IndexFunc(altinnStatuses, func(st string) bool { return strings.EqualFold(st, status) })
		if i < 0 {
			correspondenceValidation(w, "status", "The value '"+status+"' is not valid for status.")
			return
		}
		status = altinnStatuses[i]
	}
	ref := q.Get("sendersReference")
	ids := []string{}
	// The simulator's caller is the sender: as a recipient it has nothing.
	if resource == s.opts.ResourceID && !strings.EqualFold(role, "Recipient") {
		now := s.Now()
		for _, sh := range s.w.altinnListed { // newest first
			if len(ids) == altinnMaxSearch {
				break
			}
			// RequestedPublishTime (here: sent) with exclusive bounds, as the service filters.
			if sh.sent.After(now) || sh.notKnown() || (!from.IsZero() && !sh.sent.After(from)) || (!to.IsZero() && !sh.sent.Before(to)) {
				continue
			}
			if ref != "" && sh.ref != ref {
				continue
			}
			if status != "" && !hadStatus(sh, status, now) {
				continue
			}
			ids = append(ids, sh.id)
		}
	}
	writeJSON(w, http.StatusOK, map[string][]string{"ids": ids})
}

// hadStatus reports whether the correspondence has had status by now: the
// search's status filter is any status it has had (FilterByStatus in
// altinn-correspondence: Statuses.Any), not its current one. Fetched is
// not among them: the service keeps it apart (StatusFetched).
func hadStatus(sh *shipment, status string, now time.Time) bool {
	if status == alFetched {
		return false
	}
	return slices.ContainsFunc(sh.eventsAt(now), func(e event) bool { return e.status == status })
}

func parseAltinnTime(v string) (time.Time, error) {
	v = strings.ReplaceAll(v, " ", "+") // an unescaped + in the query reads as a space
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, nil
	}
	if t, err := time.Parse("2006-01-02T15:04:05", v); err == nil {
		return t, nil
	}
	return time.Parse("2006-01-02", v)
}
