-- +goose Up

-- Why a letter went to manual handling, for people in their language: the
-- detail's parts as catalogue keys (manual.detail.*) with their arguments
-- (the register's data: numbers, dates, the country). detail keeps the
-- English sentence (the evidence's), and is what rows of before show.
ALTER TABLE print_manual ADD COLUMN why jsonb;

-- +goose Down
ALTER TABLE print_manual DROP COLUMN why;
