package altinn

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-resty/resty/v2"

	"postvakt/internal/altinntoken"
	"postvakt/internal/channel"
	"postvakt/internal/httpclient"
	"postvakt/internal/model"
)

// detailsDoc is the part of CorrespondenceDetailsExt the adapter reads.
type detailsDoc struct {
	CorrespondenceID string      `json:"correspondenceId"`
	Created          flexTime    `json:"created"`
	Published        flexTime    `json:"published"`
	RequestedPublish flexTime    `json:"requestedPublishTime"`
	ResourceID       looseString `json:"resourceId"`       // searched for a purge the history hides (purgedUnseen)
	SendersReference looseString `json:"sendersReference"` // the same, in a search answer that is full
	Recipient        looseString `json:"recipient"`
	Sender           looseString `json:"sender"`
	// Status is read loosely too: a value the API's enum has no name for
	// (one the service's core gained first) is written as its number,
	// which is the status of that number (enumOrder), or beyond the enum
	// that letter's unknown status, not an unreadable answer.
	Status        looseStatus     `json:"status"`
	StatusChanged flexTime        `json:"statusChanged"`
	Read          flexTime        `json:"read"` // the first Read; null until then (CorrespondenceOverviewExt.Read)
	StatusHistory json.RawMessage `json:"statusHistory"`
	// Read loosely (loose.go): the status is not read from these.
	IsConfidential looseConfidential `json:"isConfidential"`
	Content        *looseContent     `json:"content"`
}

// statusEvent is one entry of statusHistory.
type statusEvent struct {
	Status        string   `json:"status"`
	StatusText    string   `json:"statusText"`
	StatusChanged flexTime `json:"statusChanged"`
}

// UnmarshalJSON implements json.Unmarshaler. An entry is read loosely
// (loose.go): a field of another type than the service writes (statusText
// a number) reads as empty, and an entry that is no object says nothing;
// either spoils that entry alone, never the answer, whose top-level status
// says whether the letter was read.
func (e *statusEvent) UnmarshalJSON(b []byte) error {
	var v struct {
		Status        looseStatus `json:"status"`
		StatusText    looseString `json:"statusText"`
		StatusChanged flexTime    `json:"statusChanged"`
	}
	if json.Unmarshal(b, &v) != nil {
		v.Status, v.StatusText, v.StatusChanged = "", "", flexTime{} // not an object
	}
	*e = statusEvent{Status: string(v.Status), StatusText: string(v.StatusText), StatusChanged: v.StatusChanged}
	return nil
}

// flexTime reads an RFC 3339 date-time, or any of the forms
// channel.ParseLocalTime reads; one without a zone is UTC, the zone
// Altinn's platform keeps its times in (its DateTimeOffsets come with
// "+00:00"). Null, absent, an empty string (a serializer's "no value") or
// a placeholder of year 1 in any zone leaves the zero time; anything else that is not a date-time is kept in bad, quoted as an error may show it (a
// national id masked: model.QuoteTime), so the status it dates can be
// refused rather than dated wrongly.
type flexTime struct {
	time.Time
	bad string
}

// UnmarshalJSON implements json.Unmarshaler.
func (t *flexTime) UnmarshalJSON(b []byte) error {
	if string(bytes.TrimSpace(b)) == "null" {
		return nil
	}
	var s string
	if json.Unmarshal(b, &s) != nil {
		s = string(b) // a number, an object: quoted as sent
	} else if strings.TrimSpace(s) == "" {
		*t = flexTime{} // an empty string: no time, as null
		return nil
	} else if v, err := channel.ParseLocalTime(s, time.UTC); err == nil {
		if v.Year() <= 1 {
			// A placeholder of year 1 (DateTimeOffset.MinValue, or a
			// DateTime.MinValue written with a local offset, a real
			// instant in year 0 or 1): no time, as null.
			v = time.Time{}
		}
		t.Time = v
		return nil
	}
	t.bad = model.QuoteTime(s) // a national id in it masked
	return nil
}

// detail is what one details answer says: the observation, and for a
// readable answer the fields discovery needs.
type detail struct {
	obs   channel.Observation
	found channel.Found
	// refused: Altinn answered 401 or 403; perLetter: with code 4001, so
	// it is about this correspondence, not the caller's token.
	refused, perLetter bool
	// timedOut: no answer in time, after retries (obs.Err is ErrFailing).
	timedOut bool
	// serverError: a 5xx after retries, or Altinn's own register failing
	// it (obs.Err is ErrFailing): Altinn down when every letter got one.
	serverError bool
	// netError: no answer, the connection failed after retries (refused,
	// reset, closed mid-answer; obs.Err is ErrFailing): this letter's when
	// others are answered, Altinn unreachable when every letter got one.
	netError bool
	// page: a page instead of JSON (a proxy's or a login page) or an empty
	// 200 (obs.Err is ErrFailing): the service's trouble when every letter
	// got one.
	page *channel.BadResponseError
	// foreign404: a 404 that is not Altinn's CorrespondenceNotFound (a
	// router's, ingress's or gateway's, obs.Err is ErrFailing): a wrong
	// base URL or routing mid-deploy when every letter got one.
	foreign404 bool
	// bare404: a 404 taken as Altinn's only for being a ProblemDetails of
	// the 404 without a code (obs.Err is ErrNotKnown), which any ASP.NET
	// service writes for a route it does not have: a wrong base URL or a
	// retired API version when every letter of a batch got one.
	bare404 bool
	// tooLarge: an answer over the HTTP client's size cap (obs.Err is
	// ErrFailing): this letter's when others are read, Altinn (or what
	// stands before it) failing when every letter got one.
	tooLarge bool
	// redirect: a 3xx to another origin, not followed (obs.Err is
	// ErrFailing): Altinn's API answers every request itself, so it is a
	// wrong POSTVAKT_ALTINN_URL (http:// for https://) or a proxy's login
	// when every letter got one.
	redirect bool
	// unreadable: a 200 that is no details answer of this letter (JSON
	// that does not parse, another letter's details; obs.Err is
	// ErrBadRecord): nothing to register it by.
	unreadable bool
}

// details reads GET {base}/correspondence/api/v1/correspondence/{id}/details.
// Anything Altinn answers about this one id is in obs.Err: 404/410
// ErrNotKnown, 401, or a 403 with an error code or a proxy's page,
// ErrRefused (401 with code 4001 is Altinn's "you may not read this
// correspondence"), 5xx after retries, an oversized answer or a redirect
// to another address (not followed) ErrFailing,
// an unreadable answer ErrBadRecord, a bad timestamp ErrBadTimestamp, a
// failed connection after retries ErrFailing (netError), a request the
// half-open breaker kept back while another is its probe ErrNotAsked
// (asked again soon). The error return is for failures of the call as a
// whole: an open breaker, no token, a 403 about the token after the one renewal
// (errTokenRefused, naming the likely cause), or an HTML page instead of
// JSON (a proxy's or login page: the service is broken). A timeout after
// retries is this id's ErrFailing (timedOut): one slow record must not
// hold back the others.
func (c *Client) details(ctx context.Context, id string) (*detail, error) {
	resp, err := c.http.Do(ctx, httpclient.Request{
		Op:     "details",
		Method: http.MethodGet,
		Path:   basePath + "/" + id + "/details",
	}.With(c.authorise()))
	d := &detail{obs: channel.Observation{ChannelID: id}}
	if err != nil {
		var se *httpclient.StatusError
		switch {
		case errors.Is(err, httpclient.ErrNotSent):
			// No token could be had: the exchange's own 401 is not
			// Altinn's answer about a letter.
			return nil, fmt.Errorf("altinn details: %w", err) // the token's problem, not this letter's
		case errors.Is(err, httpclient.ErrBodyTooLarge):
			d.obs.Err = fmt.Errorf("%w: altinn details of %s: %v", channel.ErrFailing, id, err)
			d.tooLarge = true
			return d, nil
		case errors.Is(err, httpclient.ErrNetwork) && ctx.Err() == nil:
			// This one request's connection failed, after retries: its
			// error, as others may be answered (Status makes it the
			// call's when every id failed so).
			d.obs.Err = fmt.Errorf("%w: altinn details of %s: %w", channel.ErrFailing, id, err)
			d.netError = true
			return d, nil
		case halfOpen(err):
			// Another request is the breaker's probe: this one was not
			// sent, and is asked again soon.
			d.obs.Err = fmt.Errorf("%w: altinn details of %s: %w", channel.ErrNotAsked, id, err)
			return d, nil
		case errors.Is(err, httpclient.ErrTimeout) && ctx.Err() == nil:
			// This one record did not come in time, after retries: its
			// error, not the batch's (Status makes it the call's when
			// every id timed out).
			d.obs.Err = fmt.Errorf("%w: altinn details of %s: %w", channel.ErrFailing, id, err)
			d.timedOut = true
			return d, nil
		case !errors.As(err, &se):
			return nil, fmt.Errorf("altinn details of %s: %w", id, err)
		}
		if _, throttled := httpclient.Throttled(err); throttled {
			// Altinn's rate limit is the caller's, not this letter's: the
			// batch stops here, and the poller stays away as long as asked.
			return nil, fmt.Errorf("altinn details: %w", err)
		}
		if terr := tokenProblem(err); terr != nil {
			// A 403 about the token, after the one renewal (authorise):
			// every letter would get it, so it is the call's, not this
			// letter's.
			return nil, fmt.Errorf("altinn details: %w", terr)
		}
		d.obs.Payload = problemEvidence(se.Body, se.Received)
		own, bare := altinnsNotFound(se.Body)
		switch {
		case se.StatusCode >= 300 && se.StatusCode < 400:
			// Nothing about the letter: httpclient follows a redirect
			// within the origin only, and Altinn's API redirects nowhere.
			d.obs.Err = fmt.Errorf("%w: %d for %s, a redirect to another address, not followed: not Altinn's answer about the letter",
				channel.ErrFailing, se.StatusCode, id)
			d.redirect = true
		case se.StatusCode == http.StatusNotFound && !own:
			// Nothing about the letter: every letter gets this from a
			// wrong base URL or a platform mid-deploy.
			d.obs.Err = fmt.Errorf("%w: %d for %s without Altinn's CorrespondenceNotFound (code %d): a router's or gateway's answer%s",
				channel.ErrFailing, se.StatusCode, id, codeCorrespondenceNotFound, problemSummary(se.Body))
			d.foreign404 = true
		case se.StatusCode == http.StatusNotFound, se.StatusCode == http.StatusGone:
			d.bare404 = se.StatusCode == http.StatusNotFound && bare
			d.obs.Err = fmt.Errorf("%w: Altinn answered %d for %s", channel.ErrNotKnown, se.StatusCode, id)
		case se.StatusCode == http.StatusUnauthorized, se.StatusCode == http.StatusForbidden:
			d.refused, d.perLetter = true, hasCode(se.Body, codeNotSenderOrRecipient)
			what := "without Altinn's per-correspondence code 4001"
			if d.perLetter {
				what = "code 4001: the caller may not read this correspondence"
			}
			d.obs.Err = fmt.Errorf("%w: Altinn answered %d for %s (%s)", channel.ErrRefused, se.StatusCode, id, what)
		case se.Temporary():
			d.obs.Err = fmt.Errorf("%w: Altinn answered %d for %s after retries", channel.ErrFailing, se.StatusCode, id)
			d.serverError = true
		case se.StatusCode == http.StatusBadRequest && hasCode(se.Body, codePartyLookup):
			d.obs.Err = fmt.Errorf("%w: Altinn answered %d for %s (code %d: Altinn could not look up the caller in its register)",
				channel.ErrFailing, se.StatusCode, id, codePartyLookup)
			d.serverError = true
		default:
			d.obs.Err = fmt.Errorf("%w: Altinn answered %d for %s%s", channel.ErrBadRecord, se.StatusCode, id, problemSummary(se.Body))
		}
		return d, nil
	}
	if empty := len(bytes.TrimSpace(resp.Body)) == 0; empty || channel.LooksLikeHTML(resp.Header.Get("Content-Type"), resp.Body) ||
		!channel.LooksLikeJSON(resp.Body) && !json.Valid(resp.Body) {
		// A proxy's or login page, a gateway's text ("The service is
		// unavailable."), or an empty answer (Altinn always writes the
		// details, as JSON): this letter's failure, asked again later;
		// Status makes it the call's when every letter got one. (JSON
		// that is no details answer, null or cut short, is the letter's
		// unreadable record, below.)
		why := errors.New("not JSON")
		if empty {
			why = errors.New("an empty answer")
		}
		d.page = channel.NewBadResponse("altinn", "details", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Body, resp.Received, why)
		d.obs.Err = fmt.Errorf("%w: details of %s: %w", channel.ErrFailing, id, d.page)
		d.obs.Payload = channel.Evidence(d.page.Body)
		return d, nil
	}
	var doc detailsDoc
	if err := json.Unmarshal(resp.Body, &doc); err != nil {
		// Never the body: it holds the title, the text and the recipient.
		d.obs.Payload = channel.UnreadableAnswer(resp.Body, resp.Received, unreadableFields...)
		d.obs.Err = fmt.Errorf("%w: details of %s (%d bytes): %v", channel.ErrBadRecord, id, len(resp.Body), err)
		d.unreadable = true
		return d, nil
	}
	d.obs.Payload = statusEvidence(resp.Body, resp.Received)
	if !strings.EqualFold(doc.CorrespondenceID, id) {
		d.obs.Err = fmt.Errorf("%w: asked for %s, got details of %s", channel.ErrBadRecord, id, model.Quote(doc.CorrespondenceID))
		d.unreadable = true
		return d, nil
	}
	if h := bytes.TrimSpace(doc.StatusHistory); len(h) > 0 && !bytes.Equal(h, []byte("null")) {
		if kept, ok := statusEventFacts.KeepEach(h); ok {
			d.obs.History = maskedEvidence(kept, h, nil)
		}
	}
	var hist []statusEvent
	if len(doc.StatusHistory) > 0 {
		if err := json.Unmarshal(doc.StatusHistory, &hist); err != nil {
			d.obs.Err = fmt.Errorf("%w: details of %s: statusHistory: %v", channel.ErrBadRecord, id, err)
			d.obs.Status = maskedStatus(string(doc.Status))
			d.found = foundOf(id, doc, nil)
			return d, nil
		}
	}
	hist = withRead(hist, doc.Read, doc.Created)
	status, changed, err := currentStatus(doc, hist)
	if err != nil {
		d.obs.Err = fmt.Errorf("%w: details of %s: %v", channel.ErrBadRecord, id, err)
		if errors.Is(err, channel.ErrBadTimestamp) {
			d.obs.Err = fmt.Errorf("details of %s: %w", id, err)
		}
		d.obs.Status = maskedStatus(status)
		d.found = foundOf(id, doc, hist)
		return d, nil
	}
	d.obs.Status, d.obs.ChangedAt = status, changed
	statuses.Apply(&d.obs)
	if _, read := firstRead(hist); read && errors.Is(d.obs.Err, channel.ErrUnknownStatus) {
		// A status Altinn has added since (its enum grows, as it did by
		// AttachmentsDownloaded and Forwarded) on a letter its history
		// shows read: opened, whatever else the new status means. The
		// value stays in Status and the evidence.
		c.log.Warn("altinn: unknown status on a correspondence its history shows read; taken as opened", "status", d.obs.Status)
		d.obs.Err, d.obs.State = nil, model.StateAccepted // readInHistory makes it opened
	}
	if d.obs.Err == nil {
		publishedAfterReserved(&d.obs, hist)
		purgedInHistory(&d.obs, hist)
		readInHistory(&d.obs, hist)
		entered(&d.obs, hist)
		if d.obs.State == model.StateAccepted && doc.Published.IsZero() {
			// Not published yet: Altinn publishes it at the time the
			// sender asked for (the poller keeps it while it is ahead).
			d.obs.HeldUntil = doc.RequestedPublish.Time
		}
		if err := c.purgedUnseen(ctx, id, doc, &d.obs); err != nil {
			return nil, err
		}
	}
	d.found = foundOf(id, doc, hist)
	return d, nil
}

// maskedStatus is a status kept with a letter's error: free text from the
// channel, as an unknown one (StatusTable.Apply), a national id in it
// masked.
func maskedStatus(s string) string { return string(model.MaskNationalIDsIn([]byte(s))) }

// foundOf is what discovery registers of a correspondence: its sent time
// (sentAt), parties, confidentiality and title. It is read whatever else
// of its details could not be (a statusChanged that is no time, a history
// that does not decode): such a letter is registered, its status then
// that letter's own error at every poll, not lost from the back-fill.
func foundOf(id string, doc detailsDoc, hist []statusEvent) channel.Found {
	f := channel.Found{
		ChannelID:    id,
		SentAt:       sentAt(doc, hist),
		SenderOrg:    orgNumber(string(doc.Sender)),
		Recipient:    orgNumber(string(doc.Recipient)),
		PersonID:     personNumber(string(doc.Recipient)),
		Confidential: bool(doc.IsConfidential),
	}
	if doc.Content != nil {
		// Empty for letters published since June 2025: Altinn no longer
		// shows the sender the title. It stays empty; none is made up.
		f.Title = doc.Content.MessageTitle
	}
	return f
}

// codeNotSenderOrRecipient is Altinn Correspondence's error code for "You
// must use a bearer token that belongs to the sender or recipient",
// answered with 401 for one correspondence the caller may not read.
const codeNotSenderOrRecipient = 4001

// codeCorrespondenceNotFound is Altinn Correspondence's 404 for a
// correspondence it does not have (CorrespondenceErrors.
// CorrespondenceNotFound: "code":"CORR-01001", "errorCode":1001).
const codeCorrespondenceNotFound = 1001

// altinnsNotFound reports whether a 404's body is Altinn's own "no such
// correspondence": its problem code 1001, no body at all (what older
// versions and the specs notes' fakes send), or a ProblemDetails of the
// 404 (RFC 9457: "status" 404 with a title, type or detail) that carries
// no error code, as ASP.NET's NotFound() writes it, or names the
// correspondence not found (older versions numbered the error 1 or 3).
// Any other body is someone else's 404: a router's text, an ingress's
// HTML, a gateway's JSON of its own ({"statusCode":404,…}). bare is true
// when only the code-less ProblemDetails made it Altinn's: what ASP.NET
// also answers for a path it has no route for.
func altinnsNotFound(body []byte) (own, bare bool) {
	if len(bytes.TrimSpace(body)) == 0 || hasCode(body, codeCorrespondenceNotFound) {
		return true, false
	}
	var p map[string]json.RawMessage
	if json.Unmarshal(body, &p) != nil || string(bytes.TrimSpace(p["status"])) != "404" {
		return false, false
	}
	var text struct {
		Title  string `json:"title"`
		Detail string `json:"detail"`
	}
	_ = json.Unmarshal(body, &text)
	if strings.Contains(strings.ToLower(text.Title+" "+text.Detail), "correspondence was not found") {
		return true, false
	}
	for _, k := range []string{"code", "errorCode", "ErrorCode", "Code"} {
		if _, ok := p[k]; ok {
			return false, false // another error's code
		}
	}
	_, title := p["title"]
	_, typ := p["type"]
	_, detail := p["detail"]
	own = title || typ || detail
	return own, own
}

// codePartyLookup is Altinn Correspondence's 400 "Could not retrieve party
// uuid from lookup in Altinn Register": about the caller, not the letter,
// and gone when the register answers again.
const codePartyLookup = 4002

// hasCode reports whether a problem body carries Altinn's error code n,
// as "code" or "errorCode", a number or a string such as "CORR-4001".
func hasCode(body []byte, n int) bool {
	var p map[string]json.RawMessage
	if json.Unmarshal(body, &p) != nil {
		return false
	}
	want := strconv.Itoa(n)
	for _, k := range []string{"code", "errorCode", "ErrorCode", "Code"} {
		v := strings.Trim(string(bytes.TrimSpace(p[k])), `"`)
		if v == want || strings.HasSuffix(v, "-"+want) || strings.HasSuffix(v, "-0"+want) {
			return true
		}
	}
	return false
}

// problemSummary is ": title (detail)" of a ProblemDetails answer, short,
// or "" for any other body.
func problemSummary(body []byte) string { return altinntoken.Summary(body) }

// problemFields are the parts of an error answer kept as evidence.
var problemFields = []string{"type", "title", "status", "detail", "code", "errorCode", "instance", "traceId"}

// unreadableFields are the status fields still read from a details answer
// that does not parse (kept with its hash; see channel.Unreadable).
var unreadableFields = []string{"correspondenceId", "status", "statusChanged"}

// problemEvidence keeps an error answer's problem fields, or only the
// fingerprint of a body that is not a JSON object (of the answer as
// received when it was decoded from another character set).
func problemEvidence(body []byte, received *httpclient.Received) json.RawMessage {
	var all map[string]json.RawMessage
	if json.Unmarshal(body, &all) != nil {
		return channel.UnreadableAnswer(body, received, problemFields...)
	}
	kept := map[string]json.RawMessage{}
	for _, k := range problemFields {
		if v, ok := all[k]; ok {
			kept[k] = v
		}
	}
	out, err := json.Marshal(kept)
	if err != nil {
		return channel.UnreadableAnswer(body, received)
	}
	return model.MaskNationalIDsIn(out)
}

// orgNumber returns the organisation number in a recipient URN
// ("urn:altinn:organization:identifier-no:910753614" or "0192:910753614"),
// or "" for anything else: a national identity number is not kept.
func orgNumber(recipient string) string {
	kind, id := recipientOf(recipient)
	if kind != "org" {
		return ""
	}
	return id
}

// recipientOf reads Altinn's recipient (a URN such as
// urn:altinn:organization:identifier-no:974760673 or
// urn:altinn:person:identifier-no:01017012343, or bare digits) as a kind
// ("org" or "person") and an id; both are empty when it is neither.
func recipientOf(recipient string) (kind, id string) {
	i := strings.LastIndexByte(recipient, ':')
	n := recipient[i+1:]
	for _, r := range n {
		if r < '0' || r > '9' {
			return "", ""
		}
	}
	switch {
	case len(n) == 11 && (strings.Contains(recipient, "person") || i < 0):
		return "person", n
	case len(n) == 9 && !strings.Contains(recipient, "person"):
		return "org", n
	}
	return "", ""
}

// authorise returns what sets the bearer token and asks for JSON on every
// attempt of one request, and what renews the token should Altinn refuse
// it (Request.Unauthorized).
func (c *Client) authorise() (func(ctx context.Context, r *resty.Request) error, func(*httpclient.Response) bool) {
	if c.tokens == nil {
		return func(_ context.Context, r *resty.Request) error { r.SetHeader("Accept", "application/json"); return nil }, nil
	}
	bearer := httpclient.NewBearer(c.tokens)
	prepare := func(ctx context.Context, r *resty.Request) error {
		r.SetHeader("Accept", "application/json")
		if err := bearer.Set(ctx, r); err != nil {
			return fmt.Errorf("no Altinn token: %w", err) // the client marks it httpclient.ErrNotSent
		}
		return nil
	}
	// Renewed once when Altinn does not take the token (altinntoken: a
	// raw or foreign Maskinporten token, or scopes changed since it was
	// issued); a 403 with an error code is the letter's, and so is a 401
	// with code 4001.
	unauthorized := altinntoken.Renewal(bearer, func(resp *httpclient.Response) bool {
		return hasCode(resp.Body, codeNotSenderOrRecipient) // about this correspondence, not the token
	})
	return prepare, unauthorized
}

// evidenceFacts are the parts of a details answer kept as evidence, each a
// scalar (statusHistory's entries reduced to statusEventFacts). The rest
// — content (title, summary, body), recipient (may be a national identity
// number) and notifications (addresses), and anything nested where a
// scalar belongs — never leaves Altinn: the letter's content is not
// postvakt's to copy.
var evidenceFacts = channel.Facts{"correspondenceId": nil, "resourceId": nil, "sender": nil, "sendersReference": nil,
	"status": nil, "statusText": nil, "statusChanged": nil, "statusHistory": statusEventFacts, "created": nil,
	"requestedPublishTime": nil, "published": nil, "read": nil, "dueDateTime": nil, "isConfidential": nil}

// statusEventFacts are what an entry of statusHistory keeps
// (CorrespondenceStatusEventExt: who, when, which status and its text).
var statusEventFacts = channel.Facts{"status": nil, "statusText": nil, "statusChanged": nil, "partyUuid": nil}

// maskedEvidence is evidence with the national ids in its texts masked
// (statusText, sendersReference and the history's texts are the sender's
// and Altinn's free text): the evidence keeps who and when in short. Should
// masking break the JSON, only the fingerprint of from is kept (of it as
// received, when it was decoded from another character set).
func maskedEvidence(ev json.RawMessage, from []byte, received *httpclient.Received) json.RawMessage {
	if m := model.MaskNationalIDsIn(ev); json.Valid(m) {
		return m
	}
	return channel.UnreadableAnswer(from, received, unreadableFields...)
}

// statusEvidence reduces a details answer to evidenceFacts, named in any
// case, as the details reader reads them (a TT02 capture has "Published"
// and "RequestedPublishTime"), each kept under its name as sent, national
// ids masked (maskedEvidence). An answer that is not a JSON object (null
// decodes as one that says nothing) keeps only its fingerprint (of it as
// received, when it was decoded from another character set), whose hash
// is not masked.
func statusEvidence(body []byte, received *httpclient.Received) json.RawMessage {
	if out, ok := evidenceFacts.Keep(body); ok {
		return maskedEvidence(out, body, received)
	}
	return channel.UnreadableAnswer(body, received, unreadableFields...)
}

// personNumber returns the national identity number of a person recipient,
// or "".
func personNumber(recipient string) string {
	if kind, id := recipientOf(recipient); kind == "person" {
		return id
	}
	return ""
}

// halfOpen reports whether err is the breaker's keeping a request back
// while it is half-open and another request is its probe: nothing is known
// of the service yet, and the request was not sent.
func halfOpen(err error) bool {
	var open *httpclient.CircuitOpenError
	return errors.As(err, &open) && open.Until.IsZero()
}
