package escalate

import (
	"context"
	"strings"
	"testing"

	"postvakt/internal/remind"
)

// From an independent review of reminders: a contacts file from a spreadsheet holds the same mailbox twice,
// once as the business wrote it and once lower-cased (or the page adds
// the lower-cased one beside the imported one). E-mail addresses' domains
// are case-insensitive and every real mail system treats the local part
// so too; Altinn Profile's answers are deduplicated case-insensitively
// (remind/altinn.go "mailbox := org + strings.ToLower(e)"), the import and
// the page are not: the reminder goes to the same mailbox twice (two RCPT
// TO, the address twice in To), which a receiving business reads as two
// reminders ("One reminder per organisation per run").
func TestContactsSameMailboxDifferentCase(t *testing.T) {
	for _, c := range []struct {
		name string
		csv  string
		ui   string // an address added on the Reminders page after the import
	}{
		{"import file", "orgnr,email\n974760673,Post@Fjordfisk.no\n974760673,post@fjordfisk.no\n", ""},
		{"import then page", "orgnr,email\n974760673,Post@Fjordfisk.no\n", "post@FJORDFISK.NO"},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t)
			h.register(confidential(firmaA, 1)...)
			cs, err := remind.ParseContacts(strings.NewReader(c.csv))
			if err != nil {
				t.Fatalf("the file is refused: %v", err)
			}
			if _, err := h.st.ReplaceContacts(context.Background(), cs, "import"); err != nil {
				t.Fatal(err)
			}
			if c.ui != "" {
				if err := h.st.AddContact(context.Background(), firmaA, c.ui); err != nil {
					t.Fatal(err)
				}
			}
			sum := h.run(due1)
			if sum.Orgs != 1 {
				t.Fatalf("summary %+v", sum)
			}
			ms := h.mp.Messages(t)
			if len(ms) != 1 {
				t.Fatalf("%d messages", len(ms))
			}
			if n := len(ms[0].To); n != 1 {
				t.Errorf("the one mailbox is addressed %d times: %v", n, ms[0].To)
			}
		})
	}
}
