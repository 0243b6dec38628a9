-- The fidelity fixture, part for PostgreSQL 9.6 and newer: every object kind pg_dump knows that
-- 9.6 can make (src/bin/pg_dump/t/002_pg_dump.pl in PostgreSQL's source was the checklist), with
-- data at the edges of the built-in types. Applied by testing/FidelityFixture in one transaction,
-- as one multi-statement string: no statement here may refuse a transaction block. Roles come from
-- FidelityFixture.createRoles (fx_owner, fx_app, fx_reader).
SET TIME ZONE 'UTC';

-- Schemas, several owners, odd names.
CREATE SCHEMA fx;
CREATE SCHEMA fx_owned AUTHORIZATION fx_owner;
CREATE SCHEMA "Fx Odd ""Schema""";
COMMENT ON SCHEMA fx IS 'every object kind';
COMMENT ON SCHEMA fx_owned IS 'owned by fx_owner';
GRANT USAGE ON SCHEMA fx TO fx_reader, fx_app;
GRANT CREATE ON SCHEMA fx_owned TO fx_app WITH GRANT OPTION;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;

-- Extensions shipped with the server, one in a schema of its own.
CREATE SCHEMA fx_ext;
CREATE EXTENSION hstore SCHEMA fx_ext;
CREATE EXTENSION citext SCHEMA fx_ext;
CREATE EXTENSION ltree SCHEMA fx_ext;
CREATE EXTENSION pg_trgm SCHEMA fx_ext;
CREATE EXTENSION btree_gist SCHEMA fx_ext;
CREATE EXTENSION cube;
CREATE EXTENSION isn SCHEMA fx_ext;
COMMENT ON EXTENSION hstore IS 'key/value pairs, commented by the fixture';

-- Collations.
CREATE COLLATION fx.c_copy FROM "C";
CREATE COLLATION fx.posix_explicit (LC_COLLATE = 'POSIX', LC_CTYPE = 'POSIX');
COMMENT ON COLLATION fx.c_copy IS 'a copy of C';
ALTER COLLATION fx.posix_explicit OWNER TO fx_owner;

-- Types of every kind.
CREATE TYPE fx.mood AS ENUM ('sad', 'ok', 'happy', 'with ''quote'' and "double"');
CREATE TYPE fx.empty_enum AS ENUM ();
CREATE TYPE fx.pair AS (label text, amount numeric(12, 3), mood fx.mood);
CREATE TYPE fx.nested AS (inner_pair fx.pair, tags text[], at timestamptz);
CREATE TYPE fx.floatrange AS RANGE (SUBTYPE = float8, SUBTYPE_DIFF = float8mi);
CREATE TYPE fx.textrange_c AS RANGE (SUBTYPE = text, COLLATION = fx.c_copy);
CREATE DOMAIN fx.positive AS int DEFAULT 2 CONSTRAINT positive_check CHECK (VALUE > 0);
CREATE DOMAIN fx.required_code AS text COLLATE "C" NOT NULL DEFAULT 'none';
CREATE DOMAIN fx.even_positive AS fx.positive CONSTRAINT even CHECK (VALUE % 2 = 0);
CREATE DOMAIN fx.short_code AS varchar(8) COLLATE fx.c_copy CHECK (VALUE ~ '^[A-Z0-9]*$');
CREATE DOMAIN fx.int_list AS int[] CHECK (cardinality(VALUE) < 10);
CREATE DOMAIN fx.not_validated AS int;
ALTER DOMAIN fx.not_validated ADD CONSTRAINT small CHECK (VALUE < 1000) NOT VALID;
-- A shell type then a base type made from existing I/O functions (no C needed): text's in/out,
-- no send/receive, so it has no binary I/O, like aclitem.
CREATE TYPE fx.textish;
CREATE FUNCTION fx.textish_in(cstring) RETURNS fx.textish LANGUAGE internal IMMUTABLE STRICT AS 'textin';
CREATE FUNCTION fx.textish_out(fx.textish) RETURNS cstring LANGUAGE internal IMMUTABLE STRICT AS 'textout';
CREATE TYPE fx.textish (INPUT = fx.textish_in, OUTPUT = fx.textish_out, INTERNALLENGTH = VARIABLE, STORAGE = extended,
                        CATEGORY = 'S', COLLATABLE = false);
COMMENT ON TYPE fx.mood IS 'an enum';
COMMENT ON TYPE fx.pair IS 'a composite';
COMMENT ON COLUMN fx.pair.amount IS 'a composite type''s attribute';
COMMENT ON TYPE fx.floatrange IS 'a range';
COMMENT ON DOMAIN fx.positive IS 'a domain';
COMMENT ON CONSTRAINT positive_check ON DOMAIN fx.positive IS 'a domain constraint';
COMMENT ON TYPE fx.textish IS 'a base type without binary I/O';
ALTER TYPE fx.pair OWNER TO fx_owner;
ALTER DOMAIN fx.short_code OWNER TO fx_app;
GRANT USAGE ON TYPE fx.mood TO fx_reader;
REVOKE USAGE ON DOMAIN fx.positive FROM PUBLIC;
GRANT USAGE ON DOMAIN fx.positive TO fx_app;

-- Functions: SQL, plpgsql, security definer, settings, variadic, set-returning, window-less.
CREATE FUNCTION fx.mood_rank(m fx.mood) RETURNS int LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT CASE m WHEN 'sad' THEN 0 WHEN 'ok' THEN 1 ELSE 2 END $$;
CREATE FUNCTION fx.add_sq(acc bigint, x int) RETURNS bigint LANGUAGE sql IMMUTABLE STRICT
    AS 'SELECT acc + x::bigint * x';
CREATE FUNCTION fx.sq_combine(a bigint, b bigint) RETURNS bigint LANGUAGE sql IMMUTABLE STRICT AS 'SELECT a + b';
CREATE FUNCTION fx.sub_sq(acc bigint, x int) RETURNS bigint LANGUAGE sql IMMUTABLE STRICT
    AS 'SELECT acc - x::bigint * x';
CREATE FUNCTION fx.sq_final(acc bigint) RETURNS numeric LANGUAGE sql IMMUTABLE STRICT AS 'SELECT sqrt(acc::numeric)';
CREATE FUNCTION fx.int_eq_abs(a int, b int) RETURNS boolean LANGUAGE sql IMMUTABLE STRICT AS 'SELECT abs(a) = abs(b)';
CREATE FUNCTION fx.int_cmp_rev(a int, b int) RETURNS int LANGUAGE sql IMMUTABLE STRICT AS 'SELECT btint4cmp(b, a)';
CREATE FUNCTION fx.concat_all(VARIADIC parts text[]) RETURNS text LANGUAGE sql IMMUTABLE
    AS $$ SELECT array_to_string(parts, '|') $$;
CREATE FUNCTION fx.series(n int, OUT i int, OUT sq int) RETURNS SETOF record LANGUAGE sql STABLE ROWS 10
    AS 'SELECT g, g * g FROM generate_series(1, n) g';
CREATE FUNCTION fx.table_fn(n int) RETURNS TABLE (k int, v text) LANGUAGE plpgsql STABLE
    AS $$ BEGIN RETURN QUERY SELECT g, repeat('v', g) FROM generate_series(1, n) g; END $$;
CREATE FUNCTION fx.definer() RETURNS text LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp SET work_mem = '8MB' COST 5
    AS $$ BEGIN RETURN current_user; END $$;
CREATE FUNCTION fx.with_defaults(a int, b text DEFAULT 'b', c fx.mood DEFAULT 'ok') RETURNS text LANGUAGE sql IMMUTABLE
    AS $$ SELECT a || b || c $$;
CREATE FUNCTION fx."Odd ""Function"""(int) RETURNS int LANGUAGE sql AS 'SELECT $1';
CREATE FUNCTION fx.leakproof_eq(a int, b int) RETURNS boolean LANGUAGE sql IMMUTABLE LEAKPROOF AS 'SELECT a = b';
CREATE FUNCTION fx.mood_to_text(fx.mood) RETURNS text LANGUAGE sql IMMUTABLE STRICT AS 'SELECT upper($1::text)';
COMMENT ON FUNCTION fx.mood_rank(fx.mood) IS 'a SQL function';
COMMENT ON FUNCTION fx.table_fn(int) IS 'a plpgsql function';
ALTER FUNCTION fx.definer() OWNER TO fx_owner;
REVOKE EXECUTE ON FUNCTION fx.definer() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION fx.definer() TO fx_app WITH GRANT OPTION;

-- Aggregates: plain, moving with combine, and an ordered-set one.
CREATE AGGREGATE fx.sum_sq(int) (SFUNC = fx.add_sq, STYPE = bigint, INITCOND = '0', COMBINEFUNC = fx.sq_combine,
    PARALLEL = SAFE, MSFUNC = fx.add_sq, MINVFUNC = fx.sub_sq, MSTYPE = bigint, MINITCOND = '0');
CREATE AGGREGATE fx.root_sum_sq(int) (SFUNC = fx.add_sq, STYPE = bigint, FINALFUNC = fx.sq_final, INITCOND = '0');
CREATE AGGREGATE fx.my_percentile(float8 ORDER BY float8) (SFUNC = ordered_set_transition, STYPE = internal,
    FINALFUNC = percentile_disc_final, FINALFUNC_EXTRA);
COMMENT ON AGGREGATE fx.sum_sq(int) IS 'an aggregate';
ALTER AGGREGATE fx.root_sum_sq(int) OWNER TO fx_app;

-- Operators, an operator family and class, casts, a conversion.
CREATE OPERATOR fx.=~= (LEFTARG = int, RIGHTARG = int, PROCEDURE = fx.int_eq_abs, COMMUTATOR = OPERATOR(fx.=~=),
    RESTRICT = eqsel, JOIN = eqjoinsel);
CREATE OPERATOR fx.! (RIGHTARG = fx.mood, PROCEDURE = fx.mood_rank);
CREATE OPERATOR FAMILY fx.int_rev_family USING btree;
CREATE OPERATOR CLASS fx.int_rev_ops FOR TYPE int USING btree FAMILY fx.int_rev_family AS
    OPERATOR 1 > , OPERATOR 2 >= , OPERATOR 3 = , OPERATOR 4 <= , OPERATOR 5 < , FUNCTION 1 fx.int_cmp_rev(int, int);
COMMENT ON OPERATOR fx.=~= (int, int) IS 'equal in absolute value';
COMMENT ON OPERATOR CLASS fx.int_rev_ops USING btree IS 'descending ints';
COMMENT ON OPERATOR FAMILY fx.int_rev_family USING btree IS 'an operator family';
CREATE CAST (fx.mood AS int) WITH FUNCTION fx.mood_rank(fx.mood);
CREATE CAST (fx.mood AS text) WITH FUNCTION fx.mood_to_text(fx.mood) AS ASSIGNMENT;
CREATE CAST (fx.pair AS text) WITH INOUT;
COMMENT ON CAST (fx.mood AS int) IS 'a cast';
CREATE CONVERSION fx.latin1_to_utf8_copy FOR 'LATIN1' TO 'UTF8' FROM iso8859_1_to_utf8;
COMMENT ON CONVERSION fx.latin1_to_utf8_copy IS 'a conversion';

-- Text search: parser, template, dictionaries, configuration.
CREATE TEXT SEARCH PARSER fx.prs (START = prsd_start, GETTOKEN = prsd_nexttoken, END = prsd_end, LEXTYPES = prsd_lextype);
CREATE TEXT SEARCH TEMPLATE fx.tmpl (LEXIZE = dsimple_lexize);
CREATE TEXT SEARCH DICTIONARY fx.dict (TEMPLATE = pg_catalog.simple, STOPWORDS = english);
CREATE TEXT SEARCH DICTIONARY fx.dict2 (TEMPLATE = fx.tmpl);
CREATE TEXT SEARCH CONFIGURATION fx.cfg (PARSER = fx.prs);
ALTER TEXT SEARCH CONFIGURATION fx.cfg ADD MAPPING FOR word, asciiword WITH fx.dict, english_stem;
CREATE TEXT SEARCH CONFIGURATION fx.cfg_copy (COPY = pg_catalog.english);
ALTER TEXT SEARCH CONFIGURATION fx.cfg_copy DROP MAPPING FOR email;
COMMENT ON TEXT SEARCH PARSER fx.prs IS 'a parser';
COMMENT ON TEXT SEARCH TEMPLATE fx.tmpl IS 'a template';
COMMENT ON TEXT SEARCH DICTIONARY fx.dict IS 'a dictionary';
COMMENT ON TEXT SEARCH CONFIGURATION fx.cfg IS 'a configuration';
ALTER TEXT SEARCH DICTIONARY fx.dict2 OWNER TO fx_owner;
ALTER TEXT SEARCH CONFIGURATION fx.cfg_copy OWNER TO fx_app;

-- Access methods, foreign data wrappers, servers, user mappings, foreign tables, languages.
CREATE ACCESS METHOD fx_gist2 TYPE INDEX HANDLER gisthandler;
COMMENT ON ACCESS METHOD fx_gist2 IS 'an index access method';
CREATE FOREIGN DATA WRAPPER fx_fdw OPTIONS (debug 'true');
CREATE SERVER fx_server FOREIGN DATA WRAPPER fx_fdw OPTIONS (host 'nowhere.invalid');
CREATE USER MAPPING FOR fx_app SERVER fx_server OPTIONS (user 'remote_app');
CREATE USER MAPPING FOR PUBLIC SERVER fx_server;
CREATE FOREIGN TABLE fx.remote_thing (id int NOT NULL, label text OPTIONS (column_name 'lbl')) SERVER fx_server
    OPTIONS (table_name 'thing');
COMMENT ON FOREIGN DATA WRAPPER fx_fdw IS 'a wrapper';
COMMENT ON SERVER fx_server IS 'a server';
COMMENT ON FOREIGN TABLE fx.remote_thing IS 'a foreign table';
ALTER SERVER fx_server OWNER TO fx_owner;
GRANT USAGE ON FOREIGN DATA WRAPPER fx_fdw TO fx_owner;
GRANT USAGE ON FOREIGN SERVER fx_server TO fx_app;
GRANT SELECT ON fx.remote_thing TO fx_reader;
GRANT USAGE ON LANGUAGE plpgsql TO fx_reader;

-- Sequences: owned by columns or not, descending, cycling, called and not.
CREATE SEQUENCE fx.seq_plain;
CREATE SEQUENCE fx.seq_desc INCREMENT BY -7 MINVALUE -1000 MAXVALUE 100 START 100 CACHE 3 CYCLE;
CREATE SEQUENCE fx.seq_unused START 42;
SELECT nextval('fx.seq_plain'), nextval('fx.seq_plain'), nextval('fx.seq_desc');
SELECT setval('fx.seq_plain', 1000, false);
ALTER SEQUENCE fx.seq_desc OWNER TO fx_owner;
GRANT USAGE, SELECT ON SEQUENCE fx.seq_plain TO fx_app;
COMMENT ON SEQUENCE fx.seq_desc IS 'a descending, cycling sequence';

-- Tables: keys of every kind, checks, defaults, odd names, storage, statistics, reloptions.
CREATE TABLE fx.parent_key (id int PRIMARY KEY, code fx.short_code UNIQUE, mood fx.mood NOT NULL DEFAULT 'ok');
CREATE TABLE fx.child_key (
    id serial PRIMARY KEY,
    parent_id int REFERENCES fx.parent_key ON DELETE CASCADE ON UPDATE SET NULL DEFERRABLE INITIALLY DEFERRED,
    a int, b int,
    amount fx.positive,
    note text COLLATE fx.c_copy,
    CONSTRAINT a_b_unique UNIQUE (a, b),
    CONSTRAINT id_b_deferrable UNIQUE (id, b) DEFERRABLE INITIALLY DEFERRED,
    CONSTRAINT a_small CHECK (a < 1000000)
);
CREATE TABLE fx."Mixed Case ""Table""" ("select" int PRIMARY KEY, "weird ""quote"" col" text, "ÜnIcödé" text DEFAULT 'ü');
CREATE TABLE "Fx Odd ""Schema""".t (id int, x int DEFAULT nextval('fx.seq_plain'));
CREATE TABLE fx.storage_opts (id int, big text, small text, wide jsonb, c_stats int, n_dist int)
    WITH (fillfactor = 70, autovacuum_enabled = false, toast.autovacuum_enabled = false, autovacuum_vacuum_scale_factor = 0.05);
ALTER TABLE fx.storage_opts ALTER COLUMN big SET STORAGE EXTERNAL, ALTER COLUMN small SET STORAGE MAIN,
    ALTER COLUMN wide SET STORAGE PLAIN;
ALTER TABLE fx.storage_opts ALTER COLUMN c_stats SET STATISTICS 555, ALTER COLUMN n_dist SET (n_distinct = -0.5);
CREATE UNLOGGED TABLE fx.unlogged_rows (id int PRIMARY KEY, v text);
CREATE TABLE fx.dropped_cols (a int, gone1 text, b text, gone2 int, c int);
ALTER TABLE fx.dropped_cols DROP COLUMN gone1, DROP COLUMN gone2;
CREATE TABLE fx.owned_by_owner (id int, v text);
ALTER TABLE fx.owned_by_owner OWNER TO fx_owner;
CREATE TABLE fx_owned.things (id bigserial PRIMARY KEY, t text);
ALTER TABLE fx_owned.things OWNER TO fx_owner;
CREATE TABLE fx.no_columns ();
CREATE TABLE fx.with_oids_free (id int) WITH (autovacuum_analyze_threshold = 7);
ALTER TABLE fx.storage_opts REPLICA IDENTITY FULL;
ALTER TABLE fx."Mixed Case ""Table""" REPLICA IDENTITY USING INDEX "Mixed Case ""Table""_pkey";
COMMENT ON TABLE fx.child_key IS 'keys of every kind';
COMMENT ON COLUMN fx.child_key.note IS 'a column';
COMMENT ON CONSTRAINT a_b_unique ON fx.child_key IS 'a constraint';
COMMENT ON TABLE fx."Mixed Case ""Table""" IS 'odd ''names''';
COMMENT ON COLUMN fx."Mixed Case ""Table"""."weird ""quote"" col" IS 'an odd column';

-- Privileges: table, column, grant options, several grantors.
GRANT SELECT ON fx.parent_key TO fx_reader;
GRANT SELECT (id, a, b), UPDATE (note) ON fx.child_key TO fx_reader;
GRANT INSERT (a), REFERENCES (id) ON fx.child_key TO fx_app WITH GRANT OPTION;
GRANT ALL ON fx.storage_opts TO fx_app;
REVOKE TRUNCATE, TRIGGER ON fx.storage_opts FROM fx_app;
GRANT SELECT, INSERT ON fx.owned_by_owner TO fx_app WITH GRANT OPTION;
SET ROLE fx_owner;
GRANT SELECT ON fx_owned.things TO fx_reader;
RESET ROLE;

-- Indexes of every method and option.
CREATE INDEX child_key_note_idx ON fx.child_key (note COLLATE "C" DESC NULLS LAST) WITH (fillfactor = 50);
CREATE INDEX child_key_expr_idx ON fx.child_key ((a + b), lower(note)) WHERE a > 0;
CREATE INDEX child_key_hash_idx ON fx.child_key USING hash (b);
CREATE INDEX child_key_brin_idx ON fx.child_key USING brin (id) WITH (pages_per_range = 16);
CREATE INDEX child_key_rev_idx ON fx.child_key (a fx.int_rev_ops);
CREATE UNIQUE INDEX parent_key_lower_code ON fx.parent_key (lower(code::text));
ALTER TABLE fx.child_key CLUSTER ON child_key_note_idx;
ALTER TABLE fx.storage_opts ALTER COLUMN n_dist SET STATISTICS 50;
COMMENT ON INDEX fx.child_key_expr_idx IS 'an expression index';

-- Inheritance: several parents, a child of both, column order that pg_dump does not keep.
CREATE TABLE fx.inh_a (a int, note text, CONSTRAINT a_pos CHECK (a >= 0), CONSTRAINT a_only CHECK (a < 100) NO INHERIT);
CREATE TABLE fx.inh_b (b int DEFAULT 2, note text);
CREATE TABLE fx.inh_ab (own text) INHERITS (fx.inh_a, fx.inh_b);
CREATE TABLE fx.inh_a_child (extra int) INHERITS (fx.inh_a);
ALTER TABLE fx.inh_a ADD COLUMN added_later int;
ALTER TABLE fx.inh_a_child ALTER COLUMN a SET DEFAULT 5;
CREATE TABLE fx.inh_local (a int, note text, added_later int, CONSTRAINT a_pos CHECK (a >= 0));
ALTER TABLE fx.inh_local INHERIT fx.inh_a;
COMMENT ON TABLE fx.inh_ab IS 'a child of two parents';

-- Views: options, check options, recursive, a materialized view with and without data.
CREATE VIEW fx.v_barrier WITH (security_barrier) AS SELECT id, code FROM fx.parent_key WHERE id > 0;
CREATE VIEW fx.v_checked AS SELECT id, a, b FROM fx.child_key WHERE a > 0 WITH CASCADED CHECK OPTION;
CREATE VIEW fx.v_local WITH (check_option = local) AS SELECT * FROM fx.v_checked WHERE b > 0;
CREATE RECURSIVE VIEW fx.v_recursive (n) AS VALUES (1) UNION ALL SELECT n + 1 FROM v_recursive WHERE n < 5;
CREATE VIEW fx.v_instead AS SELECT id, code, mood FROM fx.parent_key;
ALTER VIEW fx.v_instead ALTER COLUMN mood SET DEFAULT 'happy';
CREATE MATERIALIZED VIEW fx.mv_data AS SELECT mood, count(*) AS n FROM fx.parent_key GROUP BY mood WITH DATA;
CREATE MATERIALIZED VIEW fx.mv_no_data WITH (fillfactor = 90) AS SELECT id FROM fx.parent_key WITH NO DATA;
CREATE UNIQUE INDEX mv_data_mood ON fx.mv_data (mood);
COMMENT ON VIEW fx.v_barrier IS 'a security barrier view';
COMMENT ON COLUMN fx.v_barrier.code IS 'a view column';
COMMENT ON MATERIALIZED VIEW fx.mv_data IS 'populated';
COMMENT ON MATERIALIZED VIEW fx.mv_no_data IS 'never populated';
ALTER MATERIALIZED VIEW fx.mv_no_data OWNER TO fx_owner;
GRANT SELECT ON fx.v_barrier TO fx_reader;
GRANT SELECT (id) ON fx.v_instead TO fx_reader;
GRANT SELECT ON fx.mv_data TO fx_reader;

-- Rules.
CREATE TABLE fx.rule_log (at_id int, what text);
CREATE RULE log_insert AS ON INSERT TO fx.parent_key DO ALSO INSERT INTO fx.rule_log VALUES (NEW.id, 'insert');
CREATE RULE no_delete AS ON DELETE TO fx.rule_log DO INSTEAD NOTHING;
CREATE RULE v_instead_update AS ON UPDATE TO fx.v_instead DO INSTEAD
    UPDATE fx.parent_key SET code = NEW.code WHERE id = OLD.id;
ALTER TABLE fx.rule_log DISABLE RULE no_delete;
COMMENT ON RULE log_insert ON fx.parent_key IS 'a rule';

-- Triggers: row and statement, WHEN, disabled, replica, always, constraint, INSTEAD OF.
CREATE FUNCTION fx.touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.note := coalesce(NEW.note, TG_NAME);
    RETURN NEW;
END $$;
CREATE FUNCTION fx.statement_note() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
CREATE FUNCTION fx.v_instead_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO fx.parent_key (id, code, mood) VALUES (NEW.id, NEW.code, NEW.mood);
    RETURN NEW;
END $$;
CREATE TRIGGER child_touch BEFORE INSERT OR UPDATE OF note ON fx.child_key FOR EACH ROW WHEN (NEW.a IS DISTINCT FROM 0)
    EXECUTE PROCEDURE fx.touch();
CREATE TRIGGER child_stmt AFTER TRUNCATE ON fx.child_key FOR EACH STATEMENT EXECUTE PROCEDURE fx.statement_note();
CREATE TRIGGER child_disabled BEFORE UPDATE ON fx.child_key FOR EACH ROW EXECUTE PROCEDURE fx.touch();
CREATE TRIGGER child_replica BEFORE DELETE ON fx.child_key FOR EACH ROW EXECUTE PROCEDURE fx.touch();
CREATE TRIGGER child_always AFTER DELETE ON fx.child_key FOR EACH ROW EXECUTE PROCEDURE fx.statement_note();
ALTER TABLE fx.child_key DISABLE TRIGGER child_disabled;
ALTER TABLE fx.child_key ENABLE REPLICA TRIGGER child_replica;
ALTER TABLE fx.child_key ENABLE ALWAYS TRIGGER child_always;
CREATE CONSTRAINT TRIGGER child_constraint AFTER INSERT ON fx.child_key DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE PROCEDURE fx.statement_note();
CREATE TRIGGER v_instead_ins INSTEAD OF INSERT ON fx.v_instead FOR EACH ROW EXECUTE PROCEDURE fx.v_instead_insert();
COMMENT ON TRIGGER child_touch ON fx.child_key IS 'a trigger';

-- Event triggers: one enabled, one disabled, one with a tag filter.
CREATE FUNCTION fx.on_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN NULL; END $$;
CREATE EVENT TRIGGER fx_on_ddl_end ON ddl_command_end EXECUTE PROCEDURE fx.on_ddl();
CREATE EVENT TRIGGER fx_on_drop_disabled ON sql_drop EXECUTE PROCEDURE fx.on_ddl();
ALTER EVENT TRIGGER fx_on_drop_disabled DISABLE;
CREATE EVENT TRIGGER fx_on_create_table ON ddl_command_start WHEN TAG IN ('CREATE TABLE', 'CREATE VIEW')
    EXECUTE PROCEDURE fx.on_ddl();
ALTER EVENT TRIGGER fx_on_create_table ENABLE ALWAYS;
COMMENT ON EVENT TRIGGER fx_on_ddl_end IS 'an event trigger';

-- Row-level security, enabled and forced.
CREATE TABLE fx.secured (id int PRIMARY KEY, owner_name name DEFAULT current_user, secret text);
ALTER TABLE fx.secured ENABLE ROW LEVEL SECURITY;
ALTER TABLE fx.secured FORCE ROW LEVEL SECURITY;
CREATE POLICY own_rows ON fx.secured USING (owner_name = current_user);
CREATE POLICY reader_sees ON fx.secured FOR SELECT TO fx_reader USING (id < 100);
CREATE POLICY app_writes ON fx.secured FOR INSERT TO fx_app WITH CHECK (secret IS NOT NULL);
CREATE TABLE fx.rls_only_enabled (id int);
ALTER TABLE fx.rls_only_enabled ENABLE ROW LEVEL SECURITY;
COMMENT ON POLICY own_rows ON fx.secured IS 'a policy';
GRANT SELECT ON fx.secured TO fx_reader;

-- Tables of extension types, with data.
CREATE TABLE fx.ext_types (id int PRIMARY KEY, h fx_ext.hstore, ci fx_ext.citext, path fx_ext.ltree, c cube,
    tags fx_ext.hstore[]);
CREATE INDEX ext_types_trgm ON fx.ext_types USING gin (ci fx_ext.gin_trgm_ops);
CREATE INDEX ext_types_path ON fx.ext_types USING gist (path);
CREATE TABLE fx.excluded (id int, during int4range, EXCLUDE USING gist (id WITH =, during WITH &&));
INSERT INTO fx.ext_types VALUES
    (1, 'a=>1, "b c"=>NULL, "ü"=>"\"quoted\""', 'MiXeD Case', 'Top.Science.Astronomy', '(1,2),(3,4)',
     ARRAY['x=>1'::fx_ext.hstore, ''::fx_ext.hstore]),
    (2, '', 'ß', '', '(1e300)', '{}'),
    (3, NULL, NULL, NULL, NULL, NULL);
INSERT INTO fx.excluded VALUES (1, '[1,5)'), (1, '[5,9)'), (2, 'empty'), (3, '(,)');

-- Data: keys, odd names, inheritance, RLS.
INSERT INTO fx.parent_key VALUES (1, 'A1', 'sad'), (2, 'B2', 'happy'), (3, NULL, 'with ''quote'' and "double"'), (4, 'C', 'ok');
INSERT INTO fx.child_key (parent_id, a, b, amount, note) SELECT 1 + g % 4, g, g * 2, g, 'note ' || g FROM generate_series(1, 300) g;
INSERT INTO fx.child_key (parent_id, a, b, amount, note) VALUES (NULL, NULL, -1, 1, NULL);
-- Constraints the rows above break, added NOT VALID after them.
-- (The deferred checks run first: ALTER TABLE refuses a table with pending trigger events.)
SET CONSTRAINTS ALL IMMEDIATE;
ALTER TABLE fx.child_key ADD CONSTRAINT b_positive CHECK (b > 0) NOT VALID;
ALTER TABLE fx.child_key ADD CONSTRAINT a_b_full FOREIGN KEY (a, b) REFERENCES fx.child_key (a, b) MATCH FULL NOT VALID;
INSERT INTO fx."Mixed Case ""Table""" VALUES (1, E'tab\there', DEFAULT), (2, NULL, NULL);
INSERT INTO "Fx Odd ""Schema""".t (id) SELECT g FROM generate_series(1, 3) g;
INSERT INTO fx.storage_opts SELECT g, repeat('big', 3000), 'small', jsonb_build_object('g', g), g, g % 3 FROM generate_series(1, 20) g;
INSERT INTO fx.unlogged_rows SELECT g, md5(g::text) FROM generate_series(1, 50) g;
INSERT INTO fx.dropped_cols VALUES (1, 'b', 2), (NULL, NULL, NULL);
INSERT INTO fx.owned_by_owner VALUES (1, 'owned');
INSERT INTO fx_owned.things (t) VALUES ('one'), ('two');
INSERT INTO fx.no_columns SELECT FROM generate_series(1, 3);
INSERT INTO fx.inh_a VALUES (1, 'a', 10);
INSERT INTO fx.inh_b VALUES (2, 'b');
INSERT INTO fx.inh_ab (a, note, b, own, added_later) VALUES (3, 'ab', 4, 'own', 5);
INSERT INTO fx.inh_a_child (a, note, extra, added_later) VALUES (6, 'child', 7, 8);
INSERT INTO fx.inh_local VALUES (9, 'local', 10);
INSERT INTO fx.secured VALUES (1, 'postgres', 's1'), (2, 'fx_reader', 's2'), (200, 'fx_app', NULL);
REFRESH MATERIALIZED VIEW fx.mv_data;

-- Data at the edges of the built-in types.
CREATE TABLE fx.edges (
    id int PRIMARY KEY,
    i2 smallint, i4 int, i8 bigint, num numeric, num_scaled numeric(20, 6), f4 real, f8 double precision, m money,
    b boolean, c char(5), vc varchar(10), t text, ch "char", nm name, by bytea, bt bit(4), vb varbit,
    d date, ts timestamp, tstz timestamptz, tm time, tmtz timetz, iv interval,
    u uuid, ip inet, cidr_v cidr, mac macaddr,
    pt point, ln line, ls lseg, bx box, pth path, pg polygon, ci circle,
    js json, jsb jsonb, x xml, tv tsvector, tq tsquery, lsn pg_lsn, snap txid_snapshot, o oid, x8 xid, cid_v cid, tid_v tid,
    ir int4range, nr numrange, dr daterange, tsr tstzrange, fr fx.floatrange, trc fx.textrange_c,
    arr int[], arr2 text[][], arr_bounds int[], mood fx.mood, pr fx.pair, nst fx.nested, dom fx.even_positive,
    codes fx.int_list
);
INSERT INTO fx.edges (id, i2, i4, i8, num, num_scaled, f4, f8, m) VALUES
    (1, -32768, -2147483648, -9223372036854775808, 'NaN', -99999999999999.999999, 'NaN', 'NaN', '-92233720368547758.08'),
    (2, 32767, 2147483647, 9223372036854775807, 10::numeric ^ 130, 0.000001, 'Infinity', 'Infinity', '92233720368547758.07'),
    (3, 0, 0, 0, -0.0, -0.000000, '-Infinity', '-Infinity', 0),
    (4, NULL, NULL, NULL, 123456789012345678901234567890.123456789012345678901234567890, 1, '-0', '-0', NULL),
    (6, NULL, NULL, NULL, NULL, NULL, 3.4028235e38, 1.7976931348623157e308, NULL),
    (7, NULL, NULL, NULL, NULL, NULL, 0.1, 0.1, NULL);
INSERT INTO fx.edges (id, b, c, vc, t, ch, nm, by, bt, vb) VALUES
    (10, true, 'a', '', '', 'x', '', '', B'1010', B''),
    (11, false, 'ab   ', 'ten chars!', E'tab\tnewline\ncr\rbackslash\\ \\N \\. end', E'\\', repeat('n', 63), '\x00ff00', B'0000', B'1'),
    (12, NULL, NULL, NULL, (SELECT string_agg(chr(p * 65536 + 4660), '') FROM generate_series(0, 16) p) || chr(1114111) || chr(65533) || chr(65279),
        chr(1), 'ü name', (SELECT decode(string_agg(lpad(to_hex(g), 2, '0'), ''), 'hex') FROM generate_series(0, 255) g), NULL,
        (SELECT string_agg(CASE WHEN g % 3 = 0 THEN '1' ELSE '0' END, '')::varbit FROM generate_series(1, 1000) g)),
    (13, NULL, NULL, NULL, E'\x01\x02\x1f\x7f' || 'é€😀 NUL-free' || chr(8232) || chr(173), NULL, NULL, '\x5c2c09', NULL, NULL),
    (14, NULL, NULL, NULL, (SELECT string_agg(md5(g::text), '') FROM generate_series(1, 100000) g), NULL, NULL,
        (SELECT string_agg(decode(md5(g::text), 'hex'), ''::bytea) FROM generate_series(1, 60000) g), NULL, NULL);
INSERT INTO fx.edges (id, d, ts, tstz, tm, tmtz, iv) VALUES
    (20, '4713-01-01 BC', '4713-01-01 00:00:00 BC', '4713-01-01 00:00:00+00 BC', '00:00', '00:00:00-15:59', '-178000000 years'),
    (21, '5874897-12-31', '294276-12-31 23:59:59.999999', '294276-12-31 23:59:59.999999+00', '24:00:00', '24:00:00+15:59', '178000000 years'),
    (22, 'infinity', 'infinity', 'infinity', '23:59:59.999999', '12:00+05:30', '1 day -1 microsecond'),
    (23, '-infinity', '-infinity', '-infinity', '12:34:56.789', '12:00-00:00:01', '-1 mon 2 days -03:04:05.000006'),
    (24, '0001-01-01 BC', '1582-10-10', '1970-01-01 00:00:00.000001+14', NULL, NULL, '0'),
    (25, '2000-02-29', '2000-02-29 12:00', '2016-12-31 23:59:59.999999-12', NULL, NULL, '@ 1 year 2 months ago');
INSERT INTO fx.edges (id, u, ip, cidr_v, mac, pt, ln, ls, bx, pth, pg, ci) VALUES
    (30, '00000000-0000-0000-0000-000000000000', '0.0.0.0/0', '0.0.0.0/0', '00:00:00:00:00:00', '(0,0)', '{1,-1,0}',
        '[(0,0),(1,1)]', '(1,1),(0,0)', '[(0,0),(1,1),(2,0)]', '((0,0),(1,1),(2,0))', '<(0,0),1>'),
    (31, 'ffffffff-ffff-ffff-ffff-ffffffffffff', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128', '::/0', 'ff:ff:ff:ff:ff:ff',
        '(NaN,Infinity)', '{0,1,-1e300}', '[(-1e300,1e300),(0,0)]', '(1e-300,1e-300),(-1,-1)', '((0,0),(1,1))', '((0,0))', '<(1,1),0>'),
    (32, NULL, '192.168.1.5/24', '10.0.0.0/8', '08:00:2b:01:02:03', '(-0,-0)', NULL, NULL, NULL, NULL, NULL, NULL);
INSERT INTO fx.edges (id, js, jsb, tv, tq, lsn, snap, o, x8, cid_v, tid_v) VALUES
    (40, '{"a": [1, 2.50, "\u00fc\ud83d\ude00", null], "a": "dup key kept in json"}', '{"a": [1, 2.50, "ü😀", null, {"": {}}], "b": 1e400}',
        'a:1A b:2B,3 ''quoted word'':4', 'a & !b | (c <-> d)', '0/0', '10:20:10,14,15', 0, '0', '0', '(0,0)'),
    (41, '[]', '"string \\ \" \n \u00fc"', '', 'x:*', 'FFFFFFFF/FFFFFFFF', '100:100:', 4294967295, '4294967295', '4294967295',
        '(4294967295,65535)'),
    (42, (SELECT repeat('[', 1000) || repeat(']', 1000))::json, (SELECT repeat('[', 1000) || repeat(']', 1000))::jsonb,
        NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
INSERT INTO fx.edges (id, ir, nr, dr, tsr, fr, trc) VALUES
    (50, 'empty', '(,)', '[-infinity,infinity]', '[2000-01-01,2000-01-02)', '(-Infinity,Infinity)', '[a,b]'),
    (51, '[1,2)', '[NaN,NaN]', '[4713-01-01 BC,2000-01-01)', '(,infinity]', '[-0,0]', '("",)'),
    (52, '(,5]', '[0.1,0.2)', 'empty', 'empty', 'empty', 'empty');
INSERT INTO fx.edges (id, arr, arr2, arr_bounds, mood, pr, nst, dom, codes) VALUES
    (60, '{}', '{{a,b},{NULL,"x y"}}', '[0:1][-2:-2]={{1},{2}}', 'sad', ROW('label', 1.5, 'ok'),
        ROW(ROW('in"ner', -0.001, 'happy'), ARRAY['t1', NULL, ''], '2000-01-01 00:00+00'), 2, '{1,2,3}'),
    (61, '{NULL,NULL}', '{{"\\","\""}}', '[5:5]={5}', 'with ''quote'' and "double"', ROW(NULL, NULL, NULL), ROW(NULL, NULL, NULL),
        100, '{}'),
    (62, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
DO $$
BEGIN
    -- xml needs a server built with libxml; without it the column stays empty.
    UPDATE fx.edges SET x = '<a b="1"><![CDATA[ü & <>]]><!-- c --></a>' WHERE id = 40;
    UPDATE fx.edges SET x = 'just text, a content fragment' WHERE id = 41;
EXCEPTION WHEN feature_not_supported THEN NULL;
END $$;
COMMENT ON TABLE fx.edges IS 'data at the edges of every built-in type';

-- Types without binary send/receive functions, alone and inside others (isn's too): this table
-- goes as text COPY, fx.edges and fx.ext_types stay binary.
CREATE TYPE fx.grant_pair AS (who text, what aclitem);
CREATE TABLE fx.no_binary_io (id int, txt fx.textish, acl aclitem, acls aclitem[], pairs fx.grant_pair[], isbn fx_ext.isbn13);
INSERT INTO fx.no_binary_io VALUES
    (1, 'plain text', 'fx_reader=arwdDxt/fx_owner', '{fx_app=r*/postgres,=U/postgres}', ARRAY[ROW('x', 'fx_app=r/postgres')::fx.grant_pair],
        '978-0-306-40615-7'),
    (2, E'tab\there \\ back', NULL, '{}', '{}', NULL),
    (3, NULL, NULL, NULL, NULL, NULL);

CREATE TABLE public.in_public (id int);
INSERT INTO public.in_public VALUES (1);

-- Columns of reg* types: they hold oids, which differ between servers, so they travel as names.
CREATE TABLE fx.reg_refs (id int, rc regclass, rt regtype, rp regproc, rpp regprocedure, ro regoper, roo regoperator,
    rcfg regconfig, rd regdictionary, rn regnamespace, rr regrole, rcs regclass[]);
INSERT INTO fx.reg_refs VALUES
    (1, 'fx.edges', 'fx.mood', 'fx.touch', 'fx.mood_rank(fx.mood)', 'fx.=~=', 'fx.=~=(int,int)', 'fx.cfg', 'fx.dict', 'fx', 'fx_owner',
        ARRAY['fx.parent_key', '"Fx Odd ""Schema""".t', 'fx."Mixed Case ""Table"""']::regclass[]),
    (2, 'pg_class', 'int4', 'now', 'abs(int4)', '||/', '+(int,int)', 'english', 'simple', 'pg_catalog', 'fx_reader', '{}'),
    (3, NULL, NULL, '-', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
    (6, 'public.in_public', 'public.in_public', NULL, NULL, NULL, NULL, NULL, NULL, 'public', NULL, '{in_public}');

-- Large objects: owners, privileges, comments, an empty one, a large one.
SELECT lo_from_bytea(424201, convert_to('a large object', 'UTF8'));
SELECT lo_from_bytea(424202, '');
SELECT lo_from_bytea(424203, (SELECT string_agg(decode(md5(g::text), 'hex'), ''::bytea) FROM generate_series(1, 100000) g));
ALTER LARGE OBJECT 424201 OWNER TO fx_owner;
GRANT SELECT ON LARGE OBJECT 424201 TO fx_reader;
GRANT SELECT, UPDATE ON LARGE OBJECT 424203 TO fx_app WITH GRANT OPTION;
COMMENT ON LARGE OBJECT 424201 IS 'a large object''s comment';
COMMENT ON LARGE OBJECT 424202 IS 'empty';

-- The database itself: a comment, a setting, privileges.
DO $$
BEGIN
    EXECUTE format('COMMENT ON DATABASE %I IS %L', current_database(), 'the fidelity fixture');
    EXECUTE format('ALTER DATABASE %I SET work_mem = %L', current_database(), '12MB');
    EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO fx_reader', current_database());
END $$;

-- Default privileges, last, so that the objects above keep their own: for a role in a schema,
-- for a role everywhere, and a revoke from PUBLIC.
ALTER DEFAULT PRIVILEGES FOR ROLE fx_owner IN SCHEMA fx GRANT SELECT ON TABLES TO fx_reader;
ALTER DEFAULT PRIVILEGES FOR ROLE fx_owner REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
ALTER DEFAULT PRIVILEGES FOR ROLE fx_app IN SCHEMA fx_owned GRANT USAGE ON SEQUENCES TO fx_reader;
ALTER DEFAULT PRIVILEGES FOR ROLE fx_app GRANT USAGE ON TYPES TO fx_reader;
ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA fx GRANT SELECT, UPDATE ON TABLES TO fx_app;
