package store_test

import (
	"context"
	"regexp"
	"slices"
	"testing"

	"postvakt/internal/model"
)

// The database's CHECK on shipments.stage lists exactly the model's stages,
// and refuses any other.
func TestStageCheckMatchesModel(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	var def string
	if err := st.DB().GetContext(ctx, &def, `SELECT pg_get_constraintdef(oid) FROM pg_constraint
		WHERE conname = 'shipments_stage_check'`); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range regexp.MustCompile(`'([a-z_]+)'`).FindAllStringSubmatch(def, -1) {
		got = append(got, m[1])
	}
	var want []string
	for _, s := range model.Stages() {
		want = append(want, string(s))
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("CHECK lists %v, the model %v", got, want)
	}
	ids := registerFor(t, st, "974760673")
	if _, err := st.DB().ExecContext(ctx, `UPDATE shipments SET stage = 'sort_of_printed' WHERE id = $1`, ids[0]); err == nil {
		t.Fatal("an unknown stage was stored")
	}
}
