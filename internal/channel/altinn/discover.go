package altinn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-resty/resty/v2"

	"postvakt/internal/channel"
	"postvakt/internal/httpclient"
)

// MaxSearchResults is the most ids one search answer holds. The search has
// no paging (removed 2025): an answer this full may have left some out, so
// its window is split.
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
// channel.ErrIncomplete that names the window. A Found whose details could
// not be read carries the reason in Observation.Err (e.g. purged between
// listing and reading).
func (c *Client) Discover(ctx context.Context, from, to time.Time) ([]channel.Found, error) {
	if c.cfg.ResourceID == "" {
		return nil, errors.New("altinn discover: no ResourceID configured")
	}
	if !from.Before(to) {
		return nil, fmt.Errorf("altinn discover: empty window %s – %s", from, to)
	}
	var ids, gaps []string
	seen := map[string]bool{}
	if err := c.search(ctx, from, to, seen, &ids, &gaps); err != nil {
		return nil, err
	}
	found := make([]channel.Found, len(ids))
	pos := make(map[string]int, len(ids))
	for i, id := range ids {
		pos[id] = i
	}
	err := c.forEach(ctx, ids, func(ctx context.Context, id string) error {
		d, err := c.details(ctx, id)
		if err != nil {
			return err
		}
		f := d.found
		f.ChannelID, f.Observation = id, d.obs
		found[pos[id]] = f
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("altinn discover: %w", err)
	}
	if len(gaps) > 0 {
		return found, fmt.Errorf("altinn discover: %w: %d or more correspondences with one status in %s",
			channel.ErrIncomplete, MaxSearchResults, strings.Join(gaps, "; "))
	}
	return found, nil
}

// search appends to out the ids in [from, to] not yet seen, splitting the
// window while answers are full, and asking status by status in a window
// too narrow to split; gaps gets the windows (and statuses) whose answer
// stayed full.
func (c *Client) search(ctx context.Context, from, to time.Time, seen map[string]bool, out, gaps *[]string) error {
	ids, full, err := c.list(ctx, from, to, "")
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
		// any status the letter has had (Altinn since the end of 2025, as
		// reported), the statuses every letter passes come back full again
		// and are gaps, and the later ones still find the letters that
		// reached them.
		c.log.Info("altinn discover: a full answer in a window too narrow to split; asking status by status",
			"from", from, "to", to, "min_window", c.cfg.MinWindow)
		keep(ids)
		for _, status := range lifecycle {
			ids, full, err := c.list(ctx, from, to, status)
			if err != nil {
				return err
			}
			keep(ids)
			if full {
				*gaps = append(*gaps, fmt.Sprintf("%s – %s (%s)", from.Format(time.RFC3339Nano), to.Format(time.RFC3339Nano), status))
			}
		}
	}
	return nil
}

// list is one search: GET {base}/correspondence/api/v1/correspondence
// ?resourceId=…&role=Sender&from=…&to=… → {"ids":[…]}, the window widened
// by overlap at both ends (Altinn's bounds are exclusive). full reports an
// answer of MaxSearchResults ids, which may have left some out.
func (c *Client) list(ctx context.Context, from, to time.Time, status string) (ids []string, full bool, err error) {
	q := url.Values{}
	q.Set("resourceId", c.cfg.ResourceID)
	q.Set("role", "Sender")
	if status != "" {
		q.Set("status", status)
	}
	q.Set("from", from.Add(-overlap).UTC().Format(time.RFC3339Nano))
	q.Set("to", to.Add(overlap).UTC().Format(time.RFC3339Nano))
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
	if err != nil {
		return nil, false, fmt.Errorf("altinn discover %s – %s: %w", from.Format(time.RFC3339), to.Format(time.RFC3339), err)
	}
	ct := resp.Header.Get("Content-Type")
	if channel.LooksLikeHTML(ct, resp.Body) {
		return nil, false, channel.NewBadResponse("altinn", "search", resp.StatusCode, ct, resp.Body, errors.New("not JSON"))
	}
	var answer struct {
		IDs []string `json:"ids"`
	}
	if err := json.Unmarshal(resp.Body, &answer); err != nil {
		return nil, false, channel.NewBadResponse("altinn", "search", resp.StatusCode, ct, resp.Body, err)
	}
	for _, id := range answer.IDs {
		if channel.ValidUUID(id) {
			ids = append(ids, id)
		} else {
			c.log.Warn("altinn discover: search answer holds a non-UUID id; skipped", "id", id)
		}
	}
	return ids, len(answer.IDs) >= MaxSearchResults, nil
}
