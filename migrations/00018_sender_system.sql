-- +goose Up

-- The sender system: the system that registered a letter (the registering
-- API token's name, "import", "discover:<channel>", or what the caller
-- named in sender_system). The health rule unit_delivery_drop also judges
-- each sender system's letters (Copenhagen, December 2019: one system's
-- letters dropped before they reached the provider), and the incident
-- report filters by it.
--
-- A constant default makes the column a catalogue change (no table
-- rewrite), and no index is added: registration's COPY path pays for the
-- value alone. The health facts and the incident report read the system
-- from rows they already select by sent time or unit. Letters registered
-- before this migration have '' (unknown): no sender system is judged for
-- them.
ALTER TABLE shipments ADD COLUMN sender_system text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE shipments DROP COLUMN sender_system;
