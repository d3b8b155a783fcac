-- +goose Up

-- The classes each sending unit's letters were registered with, so the
-- lists' class filter (an exact match) offers those in the user's scope
-- without reading every letter. Registration adds a unit's new classes; a
-- class stays once seen.
CREATE TABLE unit_classes (
    sender_unit_id bigint NOT NULL REFERENCES sender_units (id) ON DELETE CASCADE,
    class          text NOT NULL,
    PRIMARY KEY (sender_unit_id, class)
);
INSERT INTO unit_classes (sender_unit_id, class) SELECT DISTINCT sender_unit_id, class FROM shipments;

-- +goose Down
DROP TABLE unit_classes;
