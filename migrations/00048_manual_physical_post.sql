-- +goose Up

-- A manual-handling case may be resolved as sent again through Digital
-- Post as its physical post (fjernprint): 'physical_post', beside printed
-- by hand, delivered otherwise and not needed (store.ManualPhysicalPost;
-- only a Digital Post letter takes it). The letter's stage becomes
-- printed, as by hand: it went out on paper. Only the CHECK changes; it
-- widens, so no row breaks it (the table holds the manual cases alone:
-- checking them is instant), and an older binary, which never writes the
-- value, goes on (it shows a resolved case's value as it is).
ALTER TABLE print_manual DROP CONSTRAINT print_manual_resolution_check,
    ADD CONSTRAINT print_manual_resolution_check
        CHECK (resolution IN ('', 'printed_by_hand', 'physical_post', 'delivered_otherwise', 'not_needed'));

-- +goose Down
-- A case so resolved becomes delivered otherwise, its note saying how (the
-- evidence log keeps what the officer chose).
UPDATE print_manual SET resolution = 'delivered_otherwise',
    note = btrim(note || ' (sent as physical post through Digital Post)')
WHERE resolution = 'physical_post';
ALTER TABLE print_manual DROP CONSTRAINT print_manual_resolution_check,
    ADD CONSTRAINT print_manual_resolution_check
        CHECK (resolution IN ('', 'printed_by_hand', 'delivered_otherwise', 'not_needed'));
