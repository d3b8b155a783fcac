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
// fewer. A Found whose details could not be read carries the reason in
// Observation.Err (e.g. purged between listing and reading).
func (c *Client) Discover(ctx context.Context, from, to time.Time) ([]channel.Found, error) {
	if c.cfg.ResourceID == "" {
		return nil, errors.New("altinn discover: no ResourceID configured")
	}
	if !from.Before(to) {
		return nil, fmt.Errorf("altinn discover: empty window %s – %s", from, to)
	}
	var ids []string
	seen := map[string]bool{}
	if err := c.search(ctx, from, to, seen, &ids); err != nil {
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
	return found, nil
}

// search appends to out the ids in [from, to] not yet seen, splitting the
// window while answers are full.
func (c *Client) search(ctx context.Context, from, to time.Time, seen map[string]bool, out *[]string) error {
	ids, full, err := c.list(ctx, from, to)
	if err != nil {
		return err
	}
	if full {
		if to.Sub(from) <= c.cfg.MinWindow {
			return fmt.Errorf("altinn discover: %d or more correspondences between %s and %s, a window too narrow to split (MinWindow %s)",
				MaxSearchResults, from.Format(time.RFC3339Nano), to.Format(time.RFC3339Nano), c.cfg.MinWindow)
		}
		mid := from.Add(to.Sub(from) / 2)
		c.log.Debug("altinn discover: full answer, splitting window", "from", from, "to", to)
		if err := c.search(ctx, from, mid, seen, out); err != nil {
			return err
		}
		return c.search(ctx, mid, to, seen, out)
	}
	for _, id := range ids {
		k := strings.ToLower(id)
		if !seen[k] {
			seen[k] = true
			*out = append(*out, id)
		}
	}
	return nil
}

// list is one search: GET {base}/correspondence/api/v1/correspondence
// ?resourceId=…&role=Sender&from=…&to=… → {"ids":[…]}, the window widened
// by overlap at both ends (Altinn's bounds are exclusive). full reports an
// answer of MaxSearchResults ids, which may have left some out.
func (c *Client) list(ctx context.Context, from, to time.Time) (ids []string, full bool, err error) {
	q := url.Values{}
	q.Set("resourceId", c.cfg.ResourceID)
	q.Set("role", "Sender")
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
