package storetest

import (
	"context"
	"testing"
	"time"

	"postvakt/internal/store"
)

// PrintError returns what a letter keeps of its print order's last failure:
// the order's last_error and the messages of the letter's print_error
// events, oldest first.
func PrintError(t testing.TB, st *store.Store, id string) (lastError string, messages []string) {
	t.Helper()
	if err := st.DB().Get(&lastError, `SELECT last_error FROM print_orders WHERE shipment_id = $1`, id); err != nil {
		t.Fatal(err)
	}
	evs, err := st.Events(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range evs {
		if ev.Kind == store.EventPrintError {
			messages = append(messages, ev.Message)
		}
	}
	return lastError, messages
}

// CacheRegisterAnswer puts Enhetsregisteret's answer for the organisation
// orgNr, named MOTTAKER AS with the postal address Postboks 1, 5003
// BERGEN, in the register's cache, fetched at: fresh then, so a print
// order's address look-up does not ask the register.
func CacheRegisterAnswer(t testing.TB, st *store.Store, orgNr string, at time.Time) {
	t.Helper()
	body := []byte(`{"organisasjonsnummer":"` + orgNr + `","navn":"MOTTAKER AS","postadresse":{"adresse":["Postboks 1"],"postnummer":"5003","poststed":"BERGEN","landkode":"NO","land":"Norge"}}`)
	if err := st.PutRegisterEntry(context.Background(), store.RegisterEntry{OrgNr: orgNr, Kind: store.RegisterEnhet, Status: 200, Body: body,
		Name: "MOTTAKER AS", FetchedAt: at}); err != nil {
		t.Fatal(err)
	}
}
