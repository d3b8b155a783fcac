package altinn

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/model"
)

// TestStatusBatchTimeLateLetter: when the batch's time runs out, the letter
// whose details were waited for most of it (1, hung from the start) is its
// own ErrFailing; a letter whose request had only started late in the
// batch (3, asked after 2's slow answer, in flight for 1.5 of the 5 s) has
// shown nothing of its own: it is ErrNotAsked, asked again soon without an
// error, a backoff or an event of its own, as the letter never asked (4).
// It was blamed as "no answer within the batch's time", the slow letters
// before it holding it back.
func TestStatusBatchTimeLateLetter(t *testing.T) {
	f := newFake(t)
	for i := 1; i <= 4; i++ {
		f.add(&fakeCorr{id: uuid(i), created: t0, history: []event{{"Published", t0}, {"Read", t0.Add(time.Hour)}}})
	}
	f.override = func(w http.ResponseWriter, r *http.Request, _ int) bool {
		switch r.PathValue("id") {
		case uuid(1), uuid(3):
			spectestSkip(w)
			select {
			case <-r.Context().Done():
			case <-time.After(time.Minute):
			}
			return true
		case uuid(2):
			time.Sleep(3500 * time.Millisecond) // then answered
		}
		return false
	}
	c := newAdapter(t, f, setup{cfg: Config{BatchTime: 5 * time.Second, Concurrency: 2}, timeout: 30 * time.Second, retries: -1})
	obs, err := c.Status(context.Background(), []string{uuid(1), uuid(2), uuid(3), uuid(4)})
	if err != nil || len(obs) != 4 {
		t.Fatalf("the batch's time ran out: %v", err)
	}
	if o := obs[0]; !errors.Is(o.Err, channel.ErrFailing) || !strings.Contains(o.Err.Error(), "batch's 5s") {
		t.Errorf("the letter waited for all the batch's time: %v, want ErrFailing naming the batch's time", o.Err)
	}
	if o := obs[1]; o.Err != nil || o.State != model.StateOpened {
		t.Errorf("the slow letter answered in time: %s %v", o.State, o.Err)
	}
	for _, o := range obs[2:] {
		if !errors.Is(o.Err, channel.ErrNotAsked) || errors.Is(o.Err, channel.ErrFailing) {
			t.Errorf("%s, asked late or never: %v, want ErrNotAsked (not the letter's failure)", o.ChannelID, o.Err)
		}
	}
}
