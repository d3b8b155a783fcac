package printing_test

import (
	"testing"

	"postvakt/internal/model"
	"postvakt/internal/printing"
	"postvakt/internal/sim"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// TestDanishLetterPrintIsDigitalPostPhysicalPost: under the shipped Danish
// policies a due print is Digital Post's physical post, which the sending
// unit orders: manual handling with that reason, nothing at the print
// provider, decided by the policy (the event's source), no register asked;
// a letter Digital Post printed itself gets no print at all.
func TestDanishLetterPrintIsDigitalPostPhysicalPost(t *testing.T) {
	e := newEnv(t, scenario, sim.Options{NoFaults: true})
	letter := func(id, kind, recipient string) model.NewShipment {
		return model.NewShipment{Channel: "digitalpost", ChannelID: id, SenderOrg: "64942212", SenderUnit: "Socialforvaltningen",
			RecipientKind: kind, RecipientID: recipient, Title: "Afgørelse", Confidential: true, Class: "fortrolig", SentAt: day(2)}
	}
	got, _, err := e.st.Register(e.ctx, []model.NewShipment{
		letter("0b6d3c5e-1f2a-4b3c-8d4e-000000000001", "person", "0101801234"),
		letter("0b6d3c5e-1f2a-4b3c-8d4e-000000000002", "org", "10150817"),
		letter("0b6d3c5e-1f2a-4b3c-8d4e-000000000003", "person", "0202801234"),
	}, store.SourceAPI, "test")
	if err != nil {
		t.Fatal(err)
	}
	storetest.Set(t, e.st, []string{got[2].ID}, storetest.Stage(model.StageChannelPrint))
	e.ships = got
	due := e.escalate(day(30))
	if !due[got[0].ID] || !due[got[1].ID] {
		t.Fatalf("the Danish letters are not due for print on 30 November: %v", due)
	}
	e.run(day(30))
	prints := e.prints()
	for _, sh := range got[:2] {
		p, ok := prints[sh.ID]
		if !ok || p.State != store.PrintStateManual || p.Reason == nil || *p.Reason != printing.ReasonPhysicalPost {
			t.Errorf("%s: print %+v, want manual handling for Digital Post's physical post", sh.ID, p)
		}
		// The policy's print.via decided it, not Enhetsregisteret (the
		// evidence page named the Norwegian register as its source).
		evs, err := e.st.Events(e.ctx, sh.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range evs {
			if ev.Kind == store.EventPrintManual && ev.Source != store.SourcePolicy {
				t.Errorf("%s: the manual-handling event's source is %q, want %q", sh.ID, ev.Source, store.SourcePolicy)
			}
		}
	}
	if _, ok := prints[got[2].ID]; ok {
		t.Error("a letter Digital Post printed itself got a print decision")
	}
	if n := len(e.providerOrders()); n != 0 {
		t.Errorf("%d orders at the print provider for Danish letters", n)
	}
}
