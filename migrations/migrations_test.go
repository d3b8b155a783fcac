package migrations_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"

	_ "github.com/lib/pq"
	"github.com/pressly/goose/v3"

	"postvakt/internal/model"
	"postvakt/internal/pgtest"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
	"postvakt/migrations"
)

// provider opens a throwaway database and the migrations' goose provider
// over it (the database closed when the test ends).
func provider(t *testing.T) (string, *sql.DB, *goose.Provider) {
	t.Helper()
	url := pgtest.New(t)
	db, err := sql.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	p, err := goose.NewProvider(goose.DialectPostgres, db, migrations.FS, goose.WithLogger(goose.NopLogger()), goose.WithAllowOutofOrder(true))
	if err != nil {
		t.Fatal(err)
	}
	return url, db, p
}

// TestDownAndUpAgain applies the migrations one by one, noting the schema
// after each, then, with letters in the database, undoes them one by one,
// newest first: each Down must succeed with data in the tables, and the
// schema must then be what it was before that migration's Up. Then they
// all apply again, to the schema of the first time.
func TestDownAndUpAgain(t *testing.T) {
	ctx := context.Background()
	url, db, p := provider(t)
	if _, err := p.DownTo(ctx, 0); err != nil {
		t.Fatalf("down to nothing: %v", err)
	}
	empty := schema(t, db)
	if len(empty) != 0 {
		t.Errorf("after every Down, still: %v", empty)
	}
	// Up one by one: the schema before each migration.
	var versions []int64
	before := map[int64][]string{}
	for {
		prev := schema(t, db)
		r, err := p.UpByOne(ctx)
		if errors.Is(err, goose.ErrNoNextVersion) {
			break
		}
		if err != nil {
			t.Fatalf("up: %v", err)
		}
		versions = append(versions, r.Source.Version)
		before[r.Source.Version] = prev
	}
	latest := schema(t, db)
	if len(versions) < 20 {
		t.Fatalf("only %d migrations applied", len(versions))
	}
	// Letters in every kind of place: open, opened, failed and print due,
	// unknown to the channel, not to be polled.
	st, err := store.Open(ctx, url, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	ids := storetest.IDs(storetest.Register(t, st, storetest.Letters(6)...))
	storetest.Set(t, st, ids[1:2], storetest.State(model.StateOpened), storetest.NoPoll())
	storetest.Set(t, st, ids[2:3], storetest.State(model.StateFailed), storetest.Stage(model.StagePrintDue))
	storetest.Set(t, st, ids[3:4], storetest.UnknownToChannelSince(time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)))
	storetest.Set(t, st, ids[4:5], storetest.NextPollAt(time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)))
	st.Close()
	// What a Down must carry back, checked right after it.
	polled := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	carried := map[int64]func(){
		20: func() { // poll_queue folded back into shipments
			var next, none sql.NullTime
			if err := db.QueryRow(`SELECT (SELECT next_poll_at FROM shipments WHERE id = $1),
				(SELECT next_poll_at FROM shipments WHERE id = $2)`, ids[4], ids[1]).Scan(&next, &none); err != nil {
				t.Fatal(err)
			}
			if !next.Valid || !next.Time.Equal(polled) || none.Valid {
				t.Errorf("after the Down of 20: next polls %v and %v, want %v and none", next, none, polled)
			}
		},
	}
	// Down one by one: each undoes exactly its Up.
	for i := len(versions) - 1; i >= 0; i-- {
		v := versions[i]
		if _, err := p.Down(ctx); err != nil {
			t.Fatalf("down %d: %v", v, err)
		}
		if got, want := schema(t, db), before[v]; strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("after the Down of %d the schema is not what it was before its Up:\n%s", v, diff(want, got))
		}
		if check := carried[v]; check != nil {
			check()
		}
	}
	if _, err := migrations.Up(ctx, db, migrations.Progress{}); err != nil {
		t.Fatalf("up again: %v", err)
	}
	if got := schema(t, db); strings.Join(got, "\n") != strings.Join(latest, "\n") {
		t.Errorf("the schema differs after down and up again:\n%s", diff(latest, got))
	}
}

// diff lists the lines only in want (-) and only in got (+).
func diff(want, got []string) string {
	in := func(l []string) map[string]bool {
		m := map[string]bool{}
		for _, s := range l {
			m[s] = true
		}
		return m
	}
	w, g := in(want), in(got)
	var out []string
	for _, s := range want {
		if !g[s] {
			out = append(out, "- "+s)
		}
	}
	for _, s := range got {
		if !w[s] {
			out = append(out, "+ "+s)
		}
	}
	return strings.Join(out, "\n")
}

// schema lists the public schema's columns, indexes, constraints, views,
// functions, triggers, sequences and enum and domain types, one line each,
// in a stable order (goose's own version table left out).
func schema(t *testing.T, db *sql.DB) []string {
	t.Helper()
	return texts(t, db, `
		SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || COALESCE(column_default, '')
			FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> 'goose_db_version'
		UNION ALL SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename <> 'goose_db_version'
		UNION ALL SELECT 'constraint ' || conrelid::regclass || ' ' || pg_get_constraintdef(oid) FROM pg_constraint
			WHERE connamespace = 'public'::regnamespace AND conrelid <> 0 AND conrelid::regclass::text <> 'goose_db_version'
		UNION ALL SELECT 'matview ' || matviewname || ' ' || definition FROM pg_matviews WHERE schemaname = 'public'
		UNION ALL SELECT 'view ' || viewname || ' ' || definition FROM pg_views WHERE schemaname = 'public'
		UNION ALL SELECT 'function ' || p.proname || ' ' || pg_get_functiondef(p.oid) FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace
		UNION ALL SELECT 'trigger ' || tgrelid::regclass || ' ' || pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal
		UNION ALL SELECT 'sequence ' || sequence_name || ' ' || data_type FROM information_schema.sequences
			WHERE sequence_schema = 'public' AND sequence_name NOT LIKE 'goose_db_version%'
		UNION ALL SELECT 'type ' || typname || ' ' || typtype::text FROM pg_type
			WHERE typnamespace = 'public'::regnamespace AND typtype IN ('e', 'd')
		ORDER BY 1`)
}

// TestNormalizedIDs: migration 00025 stores the letters and units of
// before as registrations are stored now (a UUID channel id in lower case,
// a unit's name trimmed), so that registering one again finds it; two rows
// of one normalized form (in one channel) stay as they are, however many
// and whichever of them is in lower case already.
func TestNormalizedIDs(t *testing.T) {
	ctx := context.Background()
	_, db, p := provider(t)
	if _, err := p.DownTo(ctx, 24); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO sender_orgs (orgnr) VALUES ('964338531')`,
		`INSERT INTO sender_units (sender_org_id, name) SELECT id, n FROM sender_orgs, unnest(ARRAY[' NAV ', 'Skole ', 'Skole']) n`,
		`INSERT INTO recipients (kind, ident) VALUES ('org', '974760673')`,
		`INSERT INTO shipments (id, channel, channel_id, sender_unit_id, recipient_id, title, confidential, class, sent_at)
			SELECT gen_random_uuid(), split_part(c, ':', 1), split_part(c, ':', 2), u.id, r.id, 'Brev', true, 'taushetsbelagt', now()
			FROM unnest(ARRAY['svarut:AAAAAAAA-0000-4000-8000-00000000000A', 'svarut:BBBBBBBB-0000-4000-8000-00000000000B',
				'svarut:bbbbbbbb-0000-4000-8000-00000000000b', 'svarut:KK-2025-1',
				'svarut:CCCCCCCC-0000-4000-8000-00000000000C', 'svarut:CcCcCcCc-0000-4000-8000-00000000000c',
				'altinn:DDDDDDDD-0000-4000-8000-00000000000D', 'svarut:dddddddd-0000-4000-8000-00000000000d',
				'svarut:EEEEEEEE-0000-4000-8000-00000000000E', 'svarut:EeEeEeEe-0000-4000-8000-00000000000e',
				'svarut:eeeeeeee-0000-4000-8000-00000000000e', 'altinn:FfFfFfFf-0000-4000-8000-00000000000F']) c,
				sender_units u, recipients r WHERE u.name = ' NAV '`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatalf("up: %v", err)
	}
	if got, want := strings.Split(rows(t, db, `SELECT channel || ':' || channel_id FROM shipments ORDER BY channel || channel_id COLLATE "C"`), " | "), []string{
		"altinn:dddddddd-0000-4000-8000-00000000000d",
		"altinn:ffffffff-0000-4000-8000-00000000000f",
		"svarut:BBBBBBBB-0000-4000-8000-00000000000B",
		"svarut:CCCCCCCC-0000-4000-8000-00000000000C",
		"svarut:CcCcCcCc-0000-4000-8000-00000000000c",
		"svarut:EEEEEEEE-0000-4000-8000-00000000000E",
		"svarut:EeEeEeEe-0000-4000-8000-00000000000e",
		"svarut:KK-2025-1",
		"svarut:aaaaaaaa-0000-4000-8000-00000000000a",
		"svarut:bbbbbbbb-0000-4000-8000-00000000000b",
		"svarut:dddddddd-0000-4000-8000-00000000000d",
		"svarut:eeeeeeee-0000-4000-8000-00000000000e",
	}; strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("channel ids:\n%s", diff(want, got))
	}
	if got, want := rows(t, db, `SELECT '['||name||']' FROM sender_units ORDER BY name COLLATE "C"`), "[NAV] | [Skole] | [Skole ]"; got != want {
		t.Errorf("units %q, want %q", got, want)
	}
}

// TestPaddedChannelIDs: until registrations were normalized the API stored
// a channel id as it was given, spaces around it included, and 00025
// lower-cased only the UUIDs without them; a unit's name could end in a
// no-break space, which 00025 kept. After the upgrade (00032), registering
// those letters again as the sak-system sends them now (trimmed, in lower
// case) finds them and their unit rather than making a second letter with
// its own reminders and print order.
func TestPaddedChannelIDs(t *testing.T) {
	ctx := context.Background()
	url, db, p := provider(t)
	if _, err := p.DownTo(ctx, 31); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO sender_orgs (orgnr) VALUES ('964338531')`,
		`INSERT INTO sender_units (sender_org_id, name) SELECT id, E'Barnevernstjenesten\u00a0' FROM sender_orgs`,
		`INSERT INTO recipients (kind, ident) VALUES ('org', '974760673')`,
		`INSERT INTO shipments (id, channel, channel_id, sender_unit_id, recipient_id, title, confidential, class, sent_at)
			SELECT gen_random_uuid(), 'svarut', c, u.id, r.id, 'Vedtak', true, 'taushetsbelagt', now()
			FROM unnest(ARRAY[' 00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-00000000000A ',
				' KK-2025-1', 'KK-2025-1']) c, sender_units u, recipients r`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatalf("up: %v", err)
	}
	st, err := store.Open(ctx, url, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	a, b := storetest.Letter(1), storetest.Letter(10)
	b.ChannelID = "00000000-0000-4000-8000-00000000000a"
	storetest.Register(t, st, a, b)
	var letters, units int
	if err := db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM shipments), (SELECT count(*) FROM sender_units)`).Scan(&letters, &units); err != nil {
		t.Fatal(err)
	}
	if letters != 4 || units != 1 {
		t.Errorf("%d letters and %d units after registering two stored letters again, want 4 and 1", letters, units)
	}
	// A padded id whose trimmed form another letter has stays as it is.
	if got := rows(t, db, `SELECT '[' || channel_id || ']' FROM shipments ORDER BY channel_id`); got !=
		"[ KK-2025-1] | [00000000-0000-4000-8000-000000000001] | [00000000-0000-4000-8000-00000000000a] | [KK-2025-1]" {
		t.Errorf("channel ids %s", got)
	}
}

// rows is the text of q's rows (one column), joined by " | ".
func rows(t *testing.T, db *sql.DB, q string) string {
	t.Helper()
	return strings.Join(texts(t, db, q), " | ")
}

// texts is the text of q's rows (one column).
func texts(t *testing.T, db *sql.DB, q string) []string {
	t.Helper()
	r, err := db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out []string
	for r.Next() {
		var s string
		if err := r.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
