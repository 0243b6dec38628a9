-- The fidelity fixture, PostgreSQL 14 and newer: SQL-standard function and procedure bodies,
-- multiranges, column compression, numeric infinities, statistics on expressions.
-- The bodies go through EXECUTE: the JDBC driver splits a statement list at every semicolon it
-- sees outside quotes, BEGIN ATOMIC ... END included, and the server then refuses the pieces.
DO $do$
BEGIN
    EXECUTE $f$CREATE FUNCTION fx.atomic_count() RETURNS bigint LANGUAGE sql STABLE
        BEGIN ATOMIC SELECT count(*) FROM fx.parent_key; END$f$;
    EXECUTE $f$CREATE FUNCTION fx.atomic_double(x int) RETURNS int LANGUAGE sql IMMUTABLE RETURN x * 2$f$;
    EXECUTE $f$CREATE PROCEDURE fx.atomic_log(x int) LANGUAGE sql
        BEGIN ATOMIC INSERT INTO fx.rule_log VALUES (x, 'one'); INSERT INTO fx.rule_log VALUES (fx.atomic_double(x), 'two'); END$f$;
END $do$;
COMMENT ON FUNCTION fx.atomic_count() IS 'a SQL-standard body';
CREATE TABLE fx.uses_atomic (id int DEFAULT fx.atomic_double(21), n bigint);
CREATE VIEW fx.v_atomic AS SELECT fx.atomic_count() AS parents, fx.atomic_double(2) AS four;
INSERT INTO fx.uses_atomic (n) VALUES (1);

CREATE TABLE fx.multiranges (id int, imr int4multirange, fmr fx.floatmultirange, dmr datemultirange);
INSERT INTO fx.multiranges VALUES (1, '{[1,3), [5,7)}', '{(-Infinity,0], [1,2]}', '{[2000-01-01,2000-02-01)}'),
    (2, '{}', '{}', '{(,)}'), (3, NULL, NULL, NULL);

CREATE TABLE fx.compressed (id int, pglz_text text COMPRESSION pglz, default_text text);
DO $$
BEGIN
    -- lz4 needs a server built with it; without, the column keeps the default compression.
    IF EXISTS (SELECT FROM pg_catalog.pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) THEN
        ALTER TABLE fx.compressed ADD COLUMN lz4_text text COMPRESSION lz4;
    ELSE
        ALTER TABLE fx.compressed ADD COLUMN lz4_text text;
    END IF;
END $$;
INSERT INTO fx.compressed SELECT g, repeat('compress me ', 1000), repeat('x', 5000), repeat('lz4 ', 2000) FROM generate_series(1, 5) g;

INSERT INTO fx.edges (id, num) VALUES (90, 'Infinity'), (91, '-Infinity');
CREATE STATISTICS fx.child_key_expr ON (a + b), lower(note) FROM fx.child_key;
