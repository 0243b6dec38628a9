-- The fidelity fixture, PostgreSQL 12 and newer: generated columns, keys to partitioned tables
-- (several levels, default partitions), a table access method, MCV statistics, denormal floats,
-- an enum value added before another, nondeterministic collations.
SET TIME ZONE 'UTC';

CREATE TABLE fx.generated (
    id int PRIMARY KEY,
    a numeric,
    b numeric,
    total numeric GENERATED ALWAYS AS (a + b) STORED,
    label text GENERATED ALWAYS AS ('#' || id::text) STORED
);
INSERT INTO fx.generated (id, a, b) VALUES (1, 1.5, 2.5), (2, NULL, 1), (3, 'NaN', 1);
COMMENT ON COLUMN fx.generated.total IS 'a generated column';

-- Keys to a partitioned table, referenced through two levels and a default partition, and one
-- from a partitioned table to another.
CREATE TABLE fx.order_lines (order_id bigint NOT NULL, kind text NOT NULL, line int NOT NULL, qty int,
    FOREIGN KEY (order_id, kind) REFERENCES fx.orders ON DELETE CASCADE) PARTITION BY HASH (order_id);
CREATE TABLE fx.order_lines_0 PARTITION OF fx.order_lines FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE fx.order_lines_1 PARTITION OF fx.order_lines FOR VALUES WITH (MODULUS 2, REMAINDER 1);
CREATE TABLE fx.order_notes (id int PRIMARY KEY, order_id bigint, kind text, FOREIGN KEY (order_id, kind) REFERENCES fx.orders);
INSERT INTO fx.order_lines SELECT id, kind, l, l * 2 FROM fx.orders, generate_series(1, 2) l WHERE id % 5 = 0;
INSERT INTO fx.order_notes SELECT id, id, kind FROM fx.orders WHERE id % 100 = 0;
INSERT INTO fx.order_notes VALUES (0, NULL, NULL);

CREATE ACCESS METHOD fx_heap2 TYPE TABLE HANDLER heap_tableam_handler;
CREATE TABLE fx.in_heap2 (id int, v text) USING fx_heap2;
INSERT INTO fx.in_heap2 VALUES (1, 'another table access method');
COMMENT ON ACCESS METHOD fx_heap2 IS 'a table access method';

CREATE STATISTICS fx.orders_mcv (mcv) ON parent_id, kind FROM fx.orders_web_0;

INSERT INTO fx.edges (id, f4, f8) VALUES (5, 1.4e-45, 4.9e-324), (8, -1.17549435e-38, 2.2250738585072014e-308);

ALTER TYPE fx.mood ADD VALUE 'meh' BEFORE 'ok';
ALTER TYPE fx.mood RENAME VALUE 'happy' TO 'glad';

DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_catalog.pg_collation WHERE collprovider = 'i') THEN
        CREATE COLLATION fx.icu_ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
        CREATE TABLE fx.icu_ci_text (id int, t text COLLATE fx.icu_ci);
        INSERT INTO fx.icu_ci_text VALUES (1, 'ABC'), (2, 'abc');
    END IF;
END $$;
