package digitalpost

// The adapter against hostile but real event log answers, from the notes
// (notes_check_test.go's entries and pages): paging numbers of another
// type, a page that repeats the entry before it, time forms.

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"postvakt/internal/model"
)

// hostileEntry is entry n of the notes' shape, a MESSAGE_READ of its own
// letter created n minutes after 10:00 on 10 March 2025.
func hostileEntry(n int) string {
	at := fmt.Sprintf(`"2025-03-10T10:%02d:00.000Z"`, n)
	return strings.Replace(notesEvent(n, "MESSAGE_READ", at, at, "12345674", "COMPANY"),
		notesLetter, fmt.Sprintf("3f2504e0-4f89-11d3-9a0c-%012d", n), 1)
}

// TestHostilePagingNumbers: totalPages and totalElements written as
// strings ("2", as a gateway or a serializer writing numbers as text has
// them) are read as the numbers they hold; null as left out. Before, a
// string there made every page unreadable: the window failed as a whole,
// every read, and no letter of the log moved. One that is no count
// ("many", an object) still fails the read (TestReadPageAgreesEntryByEntry):
// taken as left out, an empty page mid-log would end the read.
func TestHostilePagingNumbers(t *testing.T) {
	for _, c := range []struct {
		name, pages, elements string
	}{
		{"numbers as strings", `"2"`, `"4"`},
		{"numbers with blanks in strings", `" 2 "`, `"4"`},
		{"totalPages a string", `"2"`, `4`},
		{"totalElements a string", `2`, `"4"`},
		{"both null", `null`, `null`},
	} {
		t.Run(c.name, func(t *testing.T) {
			pages := [][]string{{hostileEntry(0), hostileEntry(1)}, {hostileEntry(2), hostileEntry(3)}, {}}
			cl, _ := newNotesClient(t, func(q url.Values) string {
				n := 0
				fmt.Sscan(q.Get("page"), &n)
				var evs []string
				if n < len(pages) {
					evs = pages[n]
				}
				p := notesPage(evs, n, 2, 4)
				p = strings.Replace(p, `"totalPages" : 2`, `"totalPages" : `+c.pages, 1)
				return strings.Replace(p, `"totalElements" : 4`, `"totalElements" : `+c.elements, 1)
			}, nil)
			got, err := readAll(t, cl)
			if err != nil || len(got) != 4 {
				t.Fatalf("%d entries, %v; want 4", len(got), err)
			}
			for _, e := range got {
				if e.Err != nil || e.State != model.StateOpened {
					t.Errorf("%s: %s %v", e.ID, e.State, e.Err)
				}
			}
		})
	}
}
