package altinn

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-resty/resty/v2"

	"postvakt/internal/channel"
	"postvakt/internal/httpclient"
	"postvakt/internal/model"
)

// MaxSearchResults is the most ids one search answer holds. The search has
// no paging (removed 2025; GetCorrespondencesHandler takes the newest 1000
// by requestedPublishTime, ties in no set order, and has no offset, page or
// continuation token): an answer this full may have left some out, so its
// window is split.
const MaxSearchResults = 1000

// overlap widens every window asked for at both ends: Altinn's search
// filters on RequestedPublishTime with exclusive from and to, so without
// it a correspondence exactly on a window's edge (the midpoint of a split,
// or the boundary between two Discover calls) would be found by neither.
// Ids found twice are kept once (and registering one again is a no-op).
const overlap = time.Millisecond

// Discover lists the correspondences sent under Config.ResourceID in
// [from, to] and reads the details of each. A window whose answer holds
// MaxSearchResults ids is halved, recursively, until every answer holds
// fewer; one too narrow to halve (a bulk send: a thousand letters with one
// publish time) is asked for status by status. Should even one status's
// answer be full, what was found is returned with an error wrapping
// channel.ErrIncomplete that names the window and counts what was found
// (and logged as a warning): the service has no way to page past its
// 1000. A Found whose details could not be read for good carries the
// reason in Observation.Err (e.g. purged between listing and reading). A
// letter Altinn failed on for now (5xx or no answer after retries, a
// dropped connection, the breaker's probe elsewhere, a 200 that is no
// details answer of it) is left out, as it has
// no time sent, and the others are returned with an error wrapping
// channel.ErrIncomplete and the first such failure, naming the letters, so
// that the window is listed again later: one letter Altinn always fails on
// does not hold back the others. Altinn failing on every letter fails the
// listing (an outage).
func (c *Client) Discover(ctx context.Context, from, to time.Time) ([]channel.Found, error) {
	if c.cfg.ResourceID == "" {
		return nil, errors.New("altinn discover: POSTVAKT_ALTINN_RESOURCE_ID is not set: discovery lists the correspondences of that resource")
	}
	if !from.Before(to) {
		return nil, fmt.Errorf("altinn discover: empty window %s – %s", from, to)
	}
	var ids []string
	var gaps []gap
	seen := map[string]bool{}
	if err := c.search(ctx, from, to, seen, &ids, &gaps); err != nil {
		return nil, err
	}
	found := make([]channel.Found, len(ids))
	pos := make(map[string]int, len(ids))
	for i, id := range ids {
		pos[id] = i
	}
	var mu sync.Mutex
	var unread []string // Altinn failed on their details for now
	var firstUnread error
	err := c.forEach(ctx, ids, func(ctx context.Context, id string) error {
		d, err := c.details(ctx, id)
		if err != nil {
			return err
		}
		if d.netError || d.unreadable || errors.Is(d.obs.Err, channel.ErrNotAsked) || errors.Is(d.obs.Err, channel.ErrFailing) {
			// Not read, or Altinn failed on it (a 5xx after the retries,
			// a gateway's page, no answer in time, a 200 that is no
			// details of it): a Found without its details would be
			// skipped (no time sent), so it is left out and the listing
			// is incomplete, to be run again.
			mu.Lock()
			defer mu.Unlock()
			if unread = append(unread, id); firstUnread == nil {
				firstUnread = d.obs.Err
			}
			return nil
		}
		f := d.found
		f.ChannelID, f.Observation = id, d.obs
		found[pos[id]] = f
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("altinn discover: %w", err)
	}
	if len(unread) > 0 && len(unread) == len(ids) {
		return nil, fmt.Errorf("altinn discover: Altinn failed on the details of every one of %d correspondences: %w", len(ids), firstUnread)
	}
	var errs []error
	if len(unread) > 0 {
		found = slices.DeleteFunc(found, func(f channel.Found) bool { return f.ChannelID == "" })
		slices.Sort(unread)
		named := unread[:min(len(unread), 10)]
		more := ""
		if len(unread) > len(named) {
			more = fmt.Sprintf(" and %d more", len(unread)-len(named))
		}
		errs = append(errs, fmt.Errorf("altinn discover %s – %s: %w: Altinn failed on the details of %d of %d correspondences for now, left out (run discover again for this window): %s%s (first: %w)",
			from.Format(time.RFC3339), to.Format(time.RFC3339), channel.ErrIncomplete, len(unread), len(ids), strings.Join(named, ", "), more, firstUnread))
	}
	if len(gaps) > 0 {
		texts := make([]string, len(gaps))
		for i, g := range gaps {
			texts[i] = g.String()
		}
		errs = append(errs, fmt.Errorf("altinn discover: %w: more letters with one publish time than one search answers (%d; the search cannot page; register those missing with import): %s",
			channel.ErrIncomplete, MaxSearchResults, strings.Join(texts, "; ")))
	}
	return found, errors.Join(errs...)
}

// gap is a window the search could not list entirely: a bulk send (one
// publish time, or a window too narrow to split) of more letters than one
// answer holds, where even the asks status by status left answers full.
type gap struct {
	from, to time.Time
	found    int      // distinct ids the window's asks gave
	full     []string // the statuses whose answer held MaxSearchResults; none: every status filter refused
}

func (g gap) String() string {
	w := g.from.Format(time.RFC3339Nano) + " – " + g.to.Format(time.RFC3339Nano)
	if len(g.full) == 0 {
		return fmt.Sprintf("%s: %d found, every status filter refused", w, g.found)
	}
	return fmt.Sprintf("%s: %d found, the answers for %s held %d each: letters beyond them that had no other status are missing",
		w, g.found, strings.Join(g.full, ", "), MaxSearchResults)
}

// search appends to out the ids in [from, to] not yet seen, splitting the
// window while answers are full, and asking status by status in a window
// too narrow to split; gaps gets the windows (and statuses) whose answer
// stayed full.
func (c *Client) search(ctx context.Context, from, to time.Time, seen map[string]bool, out *[]string, gaps *[]gap) error {
	ids, full, err := c.list(ctx, c.cfg.ResourceID, "", from, to, "")
	if err != nil {
		return err
	}
	keep := func(ids []string) {
		for _, id := range ids {
			k := strings.ToLower(id)
			if !seen[k] {
				seen[k] = true
				*out = append(*out, id)
			}
		}
	}
	switch {
	case !full:
		keep(ids)
	case to.Sub(from) > c.cfg.MinWindow:
		mid := from.Add(to.Sub(from) / 2)
		c.log.Debug("altinn discover: full answer, splitting window", "from", from, "to", to)
		if err := c.search(ctx, from, mid, seen, out, gaps); err != nil {
			return err
		}
		return c.search(ctx, mid, to, seen, out, gaps)
	default:
		// A bulk send: as many letters as one answer holds, one publish
		// time. Ask for each status: where the search's status filter means
		// the latest status, every letter is in one answer; where it means
		// any status the letter has had (current Altinn: FilterByStatus in
		// altinn-correspondence, Fetched not among them, as it keeps those
		// apart), the statuses every letter passes come back full again
		// and are gaps, and the later ones still find the letters that
		// reached them.
		c.log.Info("altinn discover: a full answer in a window too narrow to split; asking status by status",
			"from", from, "to", to, "min_window", c.cfg.MinWindow)
		keep(ids)
		window := map[string]bool{} // the distinct ids of this window
		for _, id := range ids {
			window[strings.ToLower(id)] = true
		}
		refused := 0
		var fullOnes []string
		for _, status := range lifecycle {
			ids, full, err := c.list(ctx, c.cfg.ResourceID, "", from, to, status)
			var se *httpclient.StatusError
			if errors.As(err, &se) && se.StatusCode == http.StatusBadRequest && !hasCode(se.Body, codePartyLookup) {
				// An Altinn older than the status (the published OpenAPI
				// document lacks AttachmentsDownloaded and Forwarded)
				// refuses the filter: no letter of the window can have it.
				// (Its 400 of a failed party lookup is about the caller, for
				// now: skipped, the status's letters would be lost.)
				c.log.Info("altinn discover: the search refuses the status filter; asking for the others", "status", status)
				refused++
				continue
			}
			if err != nil {
				return err
			}
			keep(ids)
			for _, id := range ids {
				window[strings.ToLower(id)] = true
			}
			if full {
				fullOnes = append(fullOnes, status)
			}
		}
		if len(fullOnes) > 0 || refused == len(lifecycle) {
			// No paging to ask for more: the gap is made visible, with
			// what was read of the window.
			g := gap{from: from, to: to, found: len(window), full: fullOnes}
			*gaps = append(*gaps, g)
			c.log.Warn("altinn discover: more letters with one publish time than one search answers, and the search cannot page: some may be missing",
				"from", from, "to", to, "found", g.found, "max_per_search", MaxSearchResults,
				"full_statuses", strings.Join(fullOnes, ","), "status_filters_refused", refused)
		}
	}
	return nil
}

// list is one search of resource (of one sendersReference, ref, when it is
// not ""): GET {base}/correspondence/api/v1/correspondence
// ?resourceId=…&role=Sender&from=…&to=… → {"ids":[…]}, the window widened
// by overlap at both ends (Altinn's bounds are exclusive). full reports an
// answer that may have left some out: MaxSearchResults ids, or a paged
// answer whose pages could not all be read.
//
// The service no longer pages (the notes), but the published OpenAPI
// document still has offset and limit, and an answer's "pagination"
// {totalItems, page, pages}: an Altinn (or a fake) that pages answers
// with its first page and says how many there are. The others are then
// asked for by offset (the ids read so far) and limit (the first page's
// size) until totalItems are read.
func (c *Client) list(ctx context.Context, resource, ref string, from, to time.Time, status string) (ids []string, full bool, err error) {
	first, err := c.listPage(ctx, resource, ref, from, to, status, 0, 0)
	if err != nil {
		return nil, false, err
	}
	total := first.more()
	if total == 0 {
		return c.validIDs(first.IDs), len(first.IDs) >= MaxSearchResults, nil
	}
	all, seen := first.IDs, map[string]bool{}
	for _, id := range all {
		seen[strings.ToLower(id)] = true
	}
	size := len(first.IDs)
	for asked := 1; len(all) < total; asked++ {
		if asked > total/size+1 {
			return c.validIDs(all), true, nil // more pages than the total makes: no end in sight
		}
		page, err := c.listPage(ctx, resource, ref, from, to, status, len(all), size)
		if err != nil {
			return nil, false, err
		}
		n := len(all)
		for _, id := range page.IDs {
			if k := strings.ToLower(id); !seen[k] {
				seen[k] = true
				all = append(all, id)
			}
		}
		if len(all) == n {
			// A page of nothing new (the offset ignored, or the list
			// shrank under the paging): what is left is asked for in
			// narrower windows.
			c.log.Warn("altinn discover: a paged search answer stopped giving new ids", "read", n, "total", total)
			return c.validIDs(all), true, nil
		}
	}
	return c.validIDs(all), false, nil
}

// searchAnswer is CorrespondencesExt. The service that paged (before
// January 2025) answered its GetCorrespondencesResponse instead, the ids
// as "items" and "pagination" {offset, limit, totalItems}, whatever the
// OpenAPI document it published says: Items are the ids when there are
// no IDs.
type searchAnswer struct {
	IDs        []string `json:"ids"`
	Items      []string `json:"items"`
	Pagination *struct {
		TotalItems int `json:"totalItems"`
		Page       int `json:"page"`
		Pages      int `json:"pages"`
	} `json:"pagination"`
}

// more returns the number of ids the search holds when the answer says
// it is one page of more, else 0. A pagination that cannot be right (no
// more items than the page holds, or fewer) says nothing.
func (a searchAnswer) more() int {
	if a.Pagination == nil || len(a.IDs) == 0 || a.Pagination.TotalItems <= len(a.IDs) {
		return 0
	}
	return a.Pagination.TotalItems
}

// listPage asks for one answer of the search of resource (and of the
// sendersReference ref, when it is not ""); offset and limit are sent when
// limit is not 0.
func (c *Client) listPage(ctx context.Context, resource, ref string, from, to time.Time, status string, offset, limit int) (searchAnswer, error) {
	q := url.Values{}
	q.Set("resourceId", bareResource(resource))
	q.Set("role", "Sender")
	if status != "" {
		q.Set("status", status)
	}
	if ref != "" {
		q.Set("sendersReference", ref)
	}
	q.Set("from", from.Add(-overlap).UTC().Format(time.RFC3339Nano))
	q.Set("to", to.Add(overlap).UTC().Format(time.RFC3339Nano))
	if limit > 0 {
		q.Set("offset", strconv.Itoa(offset))
		q.Set("limit", strconv.Itoa(limit))
	}
	prepare, unauthorized := c.authorise()
	resp, err := c.http.Do(ctx, httpclient.Request{
		Op:     "search",
		Method: http.MethodGet,
		Path:   basePath,
		Prepare: func(ctx context.Context, r *resty.Request) error {
			r.SetQueryParamsFromValues(q)
			return prepare(ctx, r)
		},
		Unauthorized: unauthorized,
	})
	if terr := tokenProblem(err); terr != nil {
		err = terr // the cause named, after the one renewal
	}
	if err != nil {
		return searchAnswer{}, fmt.Errorf("altinn discover %s – %s: %w", from.Format(time.RFC3339), to.Format(time.RFC3339), err)
	}
	ct := resp.Header.Get("Content-Type")
	if channel.LooksLikeHTML(ct, resp.Body) {
		return searchAnswer{}, channel.NewBadResponse("altinn", "search", resp.StatusCode, ct, resp.Body, resp.Received, errors.New("not JSON"))
	}
	// CorrespondencesExt is an object: "null" (or an empty body) would
	// decode as no ids and hide the window's letters without a word.
	if b := bytes.TrimSpace(resp.Body); len(b) == 0 || b[0] != '{' {
		return searchAnswer{}, channel.NewBadResponse("altinn", "search", resp.StatusCode, ct, resp.Body, resp.Received, errors.New("not a JSON object"))
	}
	var answer searchAnswer
	if err := json.Unmarshal(resp.Body, &answer); err != nil {
		return searchAnswer{}, channel.NewBadResponse("altinn", "search", resp.StatusCode, ct, resp.Body, resp.Received, err)
	}
	if answer.IDs == nil {
		answer.IDs = answer.Items
	}
	return answer, nil
}

// resourcePrefix is the URN prefix of an Altinn resource id.
const resourcePrefix = "urn:altinn:resource:"

// bareResource is the resource id as Correspondence keeps it: without
// urn:altinn:resource: (in any case), which POSTVAKT_ALTINN_RESOURCE_ID
// may be written with. Altinn stores a correspondence's resource bare and
// its search compares the resourceId asked for as given, while its access
// check takes the prefix off: asked with the URN, it answers no ids.
func bareResource(id string) string {
	if len(id) >= len(resourcePrefix) && strings.EqualFold(id[:len(resourcePrefix)], resourcePrefix) {
		return id[len(resourcePrefix):]
	}
	return id
}

// validIDs returns the UUIDs of ids; others are logged and left out.
func (c *Client) validIDs(ids []string) []string {
	var out []string
	for _, id := range ids {
		if channel.ValidUUID(id) {
			out = append(out, id)
		} else {
			// Text from outside: a national id in it is masked, and a long
			// one cut (model.Excerpt keeps an id whole or leaves it out).
			c.log.Warn("altinn discover: search answer holds a non-UUID id; skipped", "id", model.Shown(id, 80))
		}
	}
	return out
}
