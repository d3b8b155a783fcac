package digitalpost

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/httpclient"
)

// read pages through a query; op names it in metrics. A page too large to
// read (an entry of megabytes: the client's body limit) is read again one
// entry at a time; an entry that alone is too large becomes its own error,
// and the read goes on past it, in pages of the usual size again: one entry
// never stops the log. So is a page the log fails on with a server error
// (one it gives on every read of the page, when it fails on one entry in
// it): an entry it fails on alone, with the next answered, is its own
// error; a failure on two in a row, or on the last, is the read's.
func (c *Client) read(ctx context.Context, op string, q url.Values, maxPages int, fn func([]channel.FeedEvent) error) error {
	c.cert.check(time.Now()) // a warning a day while the certificate ends soon
	sortBy := q.Get("sortFields")
	if sortBy == "" {
		sortBy = "created:asc"
	}
	// The page size and order the log takes (pageshape.go); a first page
	// refused (400) in a shape it never took is asked again in one it
	// takes, which the pages after it keep.
	sh, taken := c.shape.get()
	var announced *int // the first page's totalElements
	got := 0
	var latest time.Time // the latest created time read so far
	size0 := 0           // the first page's entries: the log's page size
	longest := 0         // the most entries a page gave (not one at a time)
	var gap *channel.GapError
	// explained: how many entries the empty and short pages (the placed
	// gaps) left out, at most; unbounded: a gap after which the rest of
	// the log went unread (a page repeated). A count short by more than
	// they explain left out entries no page showed, perhaps before them.
	explained, unbounded := 0, false
	again := false               // the page is asked for a second time
	var prev []channel.FeedEvent // the page before
	// single: a page too large to read, read one entry at a time: the next
	// entry's place in the log and how many of the page's are left.
	singleAt, singleLeft := 0, 0
	// failing: a page the log failed on (a server error) is read one entry
	// at a time too; the entry it failed on alone waits here (its place
	// in the read, failingAt) until an answer after it says the log
	// answers: then it is the entry's fault, not the log's.
	var failing error
	failingAt := 0
	finish := func(pages int) error {
		if announced != nil && got < *announced {
			// The log is eventually consistent: it may hold more by the
			// last page, never fewer. Fewer is a gap.
			reason := fmt.Sprintf("digitalpost %s: the log announced %d entries and gave %d over %d pages", op, *announced, got, pages)
			if gap == nil {
				gap = &channel.GapError{Reason: reason}
			} else {
				gap.Reason += "; " + reason[len("digitalpost "+op+": "):]
				if !unbounded && *announced-got > explained {
					// Not only where the pages showed: the gap's place is
					// not known (the window's start, for the poller).
					gap.After = time.Time{}
				}
			}
		}
		if gap != nil {
			return gap
		}
		return nil
	}
	for page := 0; ; page++ {
		if page >= maxPages {
			err := fmt.Errorf("digitalpost %s: %w: more than %d (%s)", op, errTooManyPages, maxPages, q.Encode())
			// A read oldest first reads on from its last entry, as past a
			// log's cap on depth (refusedDeep): a day's window of more
			// entries than the bound holds stopped there at every cycle.
			whole := announced == nil || got >= min(*announced, page*longest)
			if g := refusedDeep(op, page, err, latest, sh.sorted && sortBy == "created:asc" && singleLeft == 0 && whole, gap); g != nil {
				return g
			}
			return err
		}
		at, size := page, sh.size
		if singleLeft > 0 {
			at, size = singleAt, 1
		}
		resp, err := c.page(ctx, op, q, sortBy, at, shape{size: size, sorted: sh.sorted})
		if page == 0 && singleLeft == 0 && !taken {
			if badRequest(err) {
				sh, resp, err = c.relax(ctx, op, q, sortBy, sh, err)
				size = sh.size
			}
			if took(err) {
				c.shape.take(sh)
				taken = true
			}
		}
		var evs []channel.FeedEvent
		var info paging
		switch {
		case errors.Is(err, httpclient.ErrBodyTooLarge) && singleLeft == 0:
			// Its entries one at a time.
			singleAt, singleLeft = page*served(size, size0), served(size, size0)
			page--
			continue
		case errors.Is(err, httpclient.ErrBodyTooLarge):
			evs = []channel.FeedEvent{{ID: fmt.Sprintf("oversized entry %d after %s", singleAt, latest.UTC().Format(time.RFC3339Nano)),
				Err: fmt.Errorf("%w: a log entry (number %d of the read) is larger than the answers postvakt reads (%v); skipped", channel.ErrBadRecord, singleAt, err)}}
		case err != nil:
			// Pages read so far as full as the log's count says they can
			// be: none of them left out an entry it counted, which the
			// read's end would have told (finish).
			whole := announced == nil || got >= min(*announced, page*longest)
			if g := refusedDeep(op, page, err, latest, sh.sorted && sortBy == "created:asc" && singleLeft == 0 && whole, gap); g != nil {
				return g
			}
			if !serverFault(err) || failing != nil {
				return err // a failure twice in a row is the log's
			}
			if singleLeft == 0 {
				// A server error on a page may be the log's failure on one
				// entry in it (its serializer on a value it does not know),
				// on every read of it: its entries one at a time.
				singleAt, singleLeft = page*served(size, size0), served(size, size0)
				page--
				continue
			}
			failing, failingAt = err, singleAt
			singleAt++
			if singleLeft--; singleLeft > 0 {
				page--
			}
			continue
		default:
			if evs, info, err = readPage(resp.Body); err != nil {
				return channel.NewBadResponse(Name, op, resp.StatusCode, resp.Header.Get("Content-Type"), resp.Body, resp.Received, err)
			}
		}
		if failing != nil {
			if len(evs) == 0 {
				return failing // nothing after it: the log's failure or the entry's, untold
			}
			// The log answers after it: asked once more, the entry is read
			// (the failure passed), or it is the one the log fails on.
			once, err := c.entryAt(ctx, op, q, sortBy, failingAt, sh.sorted)
			if err != nil || len(once) == 0 {
				once = []channel.FeedEvent{{ID: fmt.Sprintf("unanswered entry %d of the read from %s", failingAt, q.Get("dateFrom")),
					Err: fmt.Errorf("%w: the log failed on this entry alone (number %d of the read) and answered the next: %v; skipped", channel.ErrBadRecord, failingAt, failing)}}
			}
			for _, e := range once {
				if e.Err == nil && e.Logged.After(latest) {
					latest = e.Logged
				}
			}
			if err := fn(once); err != nil {
				return err
			}
			got += len(once)
			failing = nil
		}
		if page == 0 && announced == nil {
			announced = info.TotalElements
			if singleLeft == 0 {
				size0 = len(evs)
			}
		}
		total := info.TotalPages
		// totalPages says where the log ends: a page may come back empty
		// while more follow (capped or filtered pages, entries still being
		// indexed), and stopping there would leave the rest unread for good
		// once the cursor moves on. Only without it does an empty page end
		// the read. maxPages bounds a log that never ends. The page asked
		// for, not the answer's currentPage (one counted from 1 would end
		// the read a page early), says where the read stands.
		last := len(evs) == 0 && total == nil
		if total != nil {
			last = at+1 >= *total
		}
		if singleLeft > 0 {
			// One entry of a page too large: no gap checks (a page of one
			// is short by nature); the page is done when its entries are.
			singleAt++
			singleLeft--
			got += len(evs)
			if len(evs) > 0 {
				if evs[0].Err == nil && evs[0].Logged.After(latest) {
					latest = evs[0].Logged
				}
				if err := fn(evs); err != nil {
					return err
				}
			}
			if last {
				return finish(page + 1)
			}
			if singleLeft > 0 {
				page--
			}
			continue
		}
		if page > 0 && sameEntries(evs, prev) {
			// The page before, again: the log does not page (it ignores
			// page). Asking on would only repeat it, up to maxPages.
			if len(evs) != size {
				// It ignores size too, or gave fewer than asked: all it has.
				return finish(page)
			}
			// A full page: there may be more that it will not page to. A
			// gap after the last entry read: the poller reads on from it.
			unbounded = true
			reason := fmt.Sprintf("digitalpost %s: page %d repeats page %d (the log ignores page); read on from its last entry", op, page, page-1)
			if gap == nil {
				gap = &channel.GapError{After: latest, Reason: reason}
			} else {
				gap.Reason += "; " + reason[len("digitalpost "+op+": "):]
			}
			return finish(page)
		}
		before := prev
		prev = evs
		if len(evs) == 0 && !last {
			if !again { // a log still indexing: ask once more
				again, page = true, page-1
				continue
			}
			if size0 > 0 { // the log's page size; the first page empty explains nothing (the gap has no place)
				explained += size0
			}
			if gap == nil {
				gap = &channel.GapError{After: latest, Reason: fmt.Sprintf("digitalpost %s: page %d of %d came back empty", op, page, *total)}
				if err := fn(nil); err != nil { // the pages from here lie past the gap
					return err
				}
			}
		}
		if page > 0 && !last && len(evs) > 0 && len(evs) < size0 {
			// A page short of the log's size while more follow: a hole in
			// it, like an empty page's.
			explained += size0 - len(evs)
			if gap == nil {
				gap = &channel.GapError{After: latest, Reason: fmt.Sprintf("digitalpost %s: page %d of %d came back with %d entries, the first with %d",
					op, page, *total, len(evs), size0)}
				if err := fn(nil); err != nil {
					return err
				}
			}
		}
		if page > 0 && sh.sorted && sortBy == "created:asc" && shifted(before, evs) {
			evs = append(c.missed(ctx, op, q, sortBy, page-1, size, before, evs, latest), evs...)
		}
		again = false
		got += len(evs)
		longest = max(longest, len(evs))
		for i := range evs {
			if evs[i].Err == nil && evs[i].Logged.After(latest) {
				latest = evs[i].Logged
			}
		}
		if len(evs) > 0 {
			if err := fn(evs); err != nil {
				return err
			}
		}
		if last {
			return finish(page + 1)
		}
	}
}

// refusedDeep is the gap a read oldest first (and whole so far) ends with
// when the log refuses a page after the entries it gave (latest: the last
// of them) with an error that is not about the caller (401, 403), its rate
// (429, a Retry-After) or time (408): a log that caps how deep its pages go
// (a search index's result window: from + size at most so many) answers so
// rather than with an empty page, and will answer so again — with a client
// error, or a server error when the service passes its index's refusal on
// as its own failure (a 500 whose body names the result window). So does
// a page that takes longer than an attempt may (httpclient.ErrTimeout): a
// log that skips its offset entry by entry is slower the deeper it pages.
// So does the read's own bound on pages (errTooManyPages), reached by a
// window of more entries than it holds. Read on from that entry, the page is a first page again. Ended with the
// error, the read left the cursor at the window's start, and every cycle
// failed on the same page, the entries past it never read. A failure that
// passes costs nothing so: the entries up to latest were read, and the
// read on from it reads the rest (one that does not pass fails it, at its
// first page). The gap carries err (Err). nil when err is no such answer;
// gap, when the read met one before, is the gap returned.
func refusedDeep(op string, page int, err error, latest time.Time, ascending bool, gap *channel.GapError) *channel.GapError {
	if !ascending || latest.IsZero() {
		return nil
	}
	var what string
	var se *httpclient.StatusError
	switch {
	case errors.Is(err, errTooManyPages):
		what = "lies past the pages one read asks for"
	case errors.Is(err, httpclient.ErrTimeout):
		what = "was not answered in time (deep pages too slow?)"
	case !errors.As(err, &se) || se.StatusCode < 400:
		return nil
	default:
		if _, throttled := httpclient.Throttled(err); throttled {
			return nil
		}
		switch se.StatusCode {
		case http.StatusUnauthorized, http.StatusForbidden, http.StatusRequestTimeout:
			return nil
		}
		what = fmt.Sprintf("answered HTTP %d (a cap on how deep the log pages?)", se.StatusCode)
	}
	reason := fmt.Sprintf("digitalpost %s: page %d %s; read on from its last entry", op, page, what)
	if gap == nil {
		return &channel.GapError{After: latest, Reason: reason, Err: err}
	}
	gap.Reason += "; " + reason[len("digitalpost "+op+": "):]
	gap.Err = err
	return gap
}

// entryAt asks for the entry at (a page of one) of q: its entries, or the
// request's or its answer's error.
func (c *Client) entryAt(ctx context.Context, op string, q url.Values, sortBy string, at int, sorted bool) ([]channel.FeedEvent, error) {
	resp, err := c.page(ctx, op, q, sortBy, at, shape{size: 1, sorted: sorted})
	if err != nil {
		return nil, err
	}
	evs, _, err := readPage(resp.Body)
	return evs, err
}

// served is how many entries a page of the log holds when asked for size
// of them: the page starts where the log's own pages put it, and the log
// may serve fewer than asked (size0, its first page's; 0: not known).
func served(size, size0 int) int {
	if size0 > 0 && size0 < size {
		return size0
	}
	return size
}

// serverFault: the log answered a server error (after the client's
// retries) that does not ask to be left alone for longer.
func serverFault(err error) bool {
	var se *httpclient.StatusError
	if !errors.As(err, &se) || se.StatusCode < 500 {
		return false
	}
	_, throttled := httpclient.Throttled(err)
	return !throttled
}

// shifted reports whether a page gives again an entry of the page before
// (the two not the same page): the log's order moved between the two
// requests, by an entry stored late before them or by entries of one
// created millisecond given in another order (nothing breaks such ties).
// The entry given twice may then stand where another was never given, and
// the pages still add up to what the log announced.
func shifted(before, page []channel.FeedEvent) bool {
	if len(before) == 0 || len(page) == 0 {
		return false
	}
	ids := make(map[string]bool, len(before))
	for _, e := range before {
		if e.ID != "" {
			ids[e.ID] = true
		}
	}
	for _, e := range page {
		if e.ID != "" && ids[e.ID] {
			return true
		}
	}
	return false
}

// missed asks for the page before a shifted one again (page at, of size)
// and returns its entries neither page gave, dated no earlier than the
// latest read (a tie at the page's end; an entry stored late further back
// is the overlapping windows' and the re-read's). Best effort: a failed
// request or an answer it cannot read gives nothing, as before it.
func (c *Client) missed(ctx context.Context, op string, q url.Values, sortBy string, at, size int, before, page []channel.FeedEvent, latest time.Time) []channel.FeedEvent {
	resp, err := c.page(ctx, op, q, sortBy, at, shape{size: size, sorted: true})
	if err != nil {
		return nil
	}
	again, _, err := readPage(resp.Body)
	if err != nil {
		return nil
	}
	given := map[string]bool{}
	for _, e := range slices.Concat(before, page) {
		given[e.ID] = true
	}
	var out []channel.FeedEvent
	for _, e := range again {
		if e.Err == nil && e.ID != "" && !given[e.ID] && !e.Logged.Before(latest) {
			given[e.ID] = true
			out = append(out, e)
		}
	}
	if len(out) > 0 {
		c.log.Info("the event log's order moved between two pages; entries the first had not given were asked for again",
			"op", op, "page", at, "found", len(out))
	}
	return out
}

// sameEntries reports whether a page holds the same entries as the page
// before (both not empty).
func sameEntries(a, b []channel.FeedEvent) bool {
	if len(a) == 0 || len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].ID != b[i].ID || !a[i].Logged.Equal(b[i].Logged) {
			return false
		}
	}
	return true
}

// errTooManyPages: a read went past its bound on pages.
var errTooManyPages = errors.New("too many pages")
