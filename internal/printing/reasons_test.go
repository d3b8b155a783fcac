package printing_test

import (
	"testing"

	"postvakt/internal/i18n"
	"postvakt/internal/printing"
	"postvakt/internal/store"
)

// Every reason a letter goes to manual handling for has a text in every
// language: the manual-handling page shows it ("reason." + the code).
func TestManualReasonsHaveTexts(t *testing.T) {
	reasons := []string{printing.ReasonPerson, printing.ReasonCVR, printing.ReasonUnknown, printing.ReasonRemoved,
		printing.ReasonDeleted, printing.ReasonBankrupt, printing.ReasonWindingUp, printing.ReasonForcedDissolution,
		printing.ReasonNoAddress, printing.ReasonClosed, printing.ReasonForeignAddress, printing.ReasonPhysicalPost,
		// the print provider's (store.toManual)
		"print_failed", "print_cancelled", "print_refused", store.ReasonPrintLost, store.ReasonPrintKeyUsed,
		// a purged letter that was due (store.CreatePrintOrders)
		store.ReasonPurged}
	for _, lang := range []string{"en", "nb", "da"} {
		l := i18n.For(lang, nil)
		for _, r := range reasons {
			if !l.Has("reason." + r) {
				t.Errorf("%s has no text for reason.%s", lang, r)
			}
		}
	}
}
