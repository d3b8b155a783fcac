-- +goose Up

-- The oldest schema version a postvakt binary must know (its newest
-- embedded migration) to run on this database. A binary below it refuses
-- at start, and /readyz of one already running answers 503
-- (store.CheckSchema): most migrations only add, and an older binary
-- goes on working on the newer schema, but some break its queries
-- (00009 the list rollups' stage rank, 00014 one held print batch per
-- organisation, 00020 the poll bookkeeping moved out of shipments: a
-- binary of 00019 answers 500 on a letter after it). 20 is the newest of
-- those. A later migration that breaks older binaries raises it in its Up
-- (UPDATE schema_compatibility SET compatible_from = <its number>) and
-- lowers it back in its Down (README, Upgrading). Binaries before this
-- migration do not read it. One row, kept so by the primary key on a
-- column that can only be true.
CREATE TABLE schema_compatibility (
    one_row boolean PRIMARY KEY DEFAULT true CHECK (one_row),
    compatible_from bigint NOT NULL CHECK (compatible_from >= 0)
);
INSERT INTO schema_compatibility (compatible_from) VALUES (20);

-- +goose Down
DROP TABLE schema_compatibility;
