package altinn

// Details answers shaped as the real service writes them to a sender,
// written from Altinn/altinn-correspondence at da785168 (2026-08-20):
// CorrespondenceDetailsExt and CorrespondenceOverviewExt (with "read",
// "systemLabel", "altinn2CorrespondenceId", nulls written out), the
// GetCorrespondenceDetailsHandler (the top-level status is
// GetHighestStatus: the highest enum value, Fetched not counted; a sender
// gets the content emptied once published and no purges in the history),
// System.Text.Json with JsonStringEnumConverter (enum names as strings) and
// DateTimeOffsets from PostgreSQL (microseconds at most, "+00:00"). The
// status sequences are the handlers': InitializeCorrespondenceHelper adds
// Reserved right after Initialized for a person reserved in KRR, and
// PublishCorrespondenceHandler asks KRR again when it publishes: Failed
// when still reserved, else ReadyForPublish and Published at one time.

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"postvakt/internal/model"
)

// realDetails is the details answer of correspondence id with history
// (its entries, JSON), the top-level status, its time and "read" (JSON:
// null or a quoted time).
func realDetails(id, history, status, changed, read string) string {
	return fmt.Sprintf(`{"statusHistory":[%s],"notifications":[],"systemLabel":"Default",
"recipient":"urn:altinn:person:identifier-no:13896396174","correspondenceId":%q,
"content":{"language":"no","messageTitle":"","messageSummary":"","messageBody":"","attachments":[]},
"created":"2026-03-02T08:15:04.512904+00:00","status":%q,"statusText":%q,"statusChanged":%q,
"altinn2CorrespondenceId":null,"published":null,"read":%s,
"resourceId":"kommune-taushetsbelagt-post","sender":"urn:altinn:organization:identifier-no:991825827",
"sendersReference":"sak-2026-113","messageSender":"","requestedPublishTime":"2026-03-02T08:15:04.4+00:00",
"dueDateTime":null,"externalReferences":[],"propertyList":{},"replyOptions":[],"notification":null,
"ignoreReservation":false,"isConfirmationNeeded":false,"isConfidential":true,"allowForwarding":false}`,
		history, id, status, status, changed, read)
}

func realEntry(status, at string) string {
	return fmt.Sprintf(`{"status":%q,"statusText":%q,"statusChanged":%q}`, status, status, at)
}

// TestRealShapesReserved: Reserved (10) outranks Published (2) and Read
// (4) as the top-level status, so a letter initialised for a reserved
// person stays Reserved at the top whatever follows. Expected: Reserved
// alone, or followed by Failed (KRR still said reserved at publishing),
// is failed (paper at once); Reserved then Published (KRR no longer said
// so, and the notification went out) is available since the publishing,
// not failed; and once the recipient has read it (Fetched, Read, "read"
// set) it is opened since the Read.
func TestRealShapesReserved(t *testing.T) {
	const (
		tInit      = "2026-03-02T08:15:04.512904+00:00"
		tReserved  = "2026-03-02T08:15:04.513377+00:00"
		tPublished = "2026-03-02T08:16:10.0417+00:00"
		tFetched   = "2026-03-03T19:02:55.90113+00:00"
		tRead      = "2026-03-03T19:03:01.358207+00:00"
	)
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	init := realEntry("Initialized", tInit) + "," + realEntry("Reserved", tReserved)
	published := init + "," + realEntry("ReadyForPublish", tPublished) + "," + realEntry("Published", tPublished)
	cases := []struct {
		name            string
		history         string
		status, changed string
		read            string
		state           model.State
		since           time.Time // EnteredAt, or ChangedAt when that is zero
	}{
		{"reserved, not yet published", init, "Reserved", tReserved, "null", model.StateFailed, at(tReserved)},
		{"still reserved when published: Failed", init + "," + realEntry("Failed", tPublished), "Failed", tPublished, "null",
			model.StateFailed, at(tReserved)}, // failed since the Reserved that first meant it
		{"no longer reserved when published", published, "Reserved", tReserved, "null", model.StateAvailable, at(tPublished)},
		{"published and read", published + "," + realEntry("Fetched", tFetched) + "," + realEntry("Read", tRead),
			"Reserved", tReserved, `"` + tRead + `"`, model.StateOpened, at(tRead)},
		{"read before publishing (fetched through the API)", init + "," + realEntry("Fetched", tFetched) + "," + realEntry("Read", tRead),
			"Reserved", tReserved, `"` + tRead + `"`, model.StateOpened, at(tRead)},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			id := fmt.Sprintf("0195579a-2c1e-7d3b-9f4e-%012d", i+1)
			cl := hfAdapter(t, func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == basePath && r.URL.Query().Get("status") == hiddenPurge[c.status] {
					// Whether the letter was purged under its status (purgedUnseen): not.
					fmt.Fprint(w, `{"ids":[]}`)
					return
				}
				if !strings.HasSuffix(r.URL.Path, "/"+id+"/details") {
					t.Errorf("asked for %s", r.URL.Path)
				}
				w.Header().Set("Content-Type", "application/json; charset=utf-8")
				fmt.Fprint(w, realDetails(id, c.history, c.status, c.changed, c.read))
			})
			obs, err := cl.Status(context.Background(), []string{id})
			if err != nil {
				t.Fatal(err)
			}
			o := obs[0]
			since := sinceOf(o)
			if o.Err != nil || o.Status != c.status || o.State != c.state || !since.Equal(c.since) {
				t.Errorf("%s %s since %s (%v); want %s %s since %s", o.Status, o.State, since, o.Err, c.status, c.state, c.since)
			}
		})
	}
}

// TestRealShapesReadField: "read" is Altinn's time of the first Read
// (GetReadTimestamp), null until then. Expected: an answer that says the
// letter was read only there (a history that leaves the Read out) is
// opened since then; "read": null leaves it as the status says; a "read"
// earlier than the history's Read dates the opening.
func TestRealShapesReadField(t *testing.T) {
	const (
		tPub  = "2026-04-07T06:00:00.000317+00:00"
		tRead = "2026-04-07T11:42:19.27+00:00"
		tLate = "2026-04-08T09:00:00+00:00"
	)
	pub := realEntry("Initialized", "2026-04-07T05:59:58.1+00:00") + "," + realEntry("Published", tPub)
	cases := []struct {
		name, history, status, read string
		state                       model.State
		since                       string
	}{
		{"read only in the field", pub, "Published", `"` + tRead + `"`, model.StateOpened, tRead},
		{"not read", pub, "Published", "null", model.StateAvailable, tPub},
		{"the field earlier than the history", pub + "," + realEntry("Read", tLate), "Read", `"` + tRead + `"`, model.StateOpened, tRead},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			id := fmt.Sprintf("0196a1b2-0000-7000-8000-%012d", i+1)
			cl := hfAdapter(t, func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json; charset=utf-8")
				changed := tPub
				if c.status == "Read" {
					changed = tLate
				}
				fmt.Fprint(w, realDetails(id, c.history, c.status, changed, c.read))
			})
			obs, err := cl.Status(context.Background(), []string{id})
			if err != nil {
				t.Fatal(err)
			}
			o := obs[0]
			since := sinceOf(o)
			want, _ := time.Parse(time.RFC3339Nano, c.since)
			if o.Err != nil || o.State != c.state || !since.Equal(want) {
				t.Errorf("%s %s since %s (%v); want %s since %s", o.Status, o.State, since, o.Err, c.state, want)
			}
			if o.Err == nil && !strings.Contains(string(o.Payload), `"read"`) {
				t.Errorf("the evidence leaves out \"read\": %s", o.Payload)
			}
		})
	}
}
