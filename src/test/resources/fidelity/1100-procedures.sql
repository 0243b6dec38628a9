-- The fidelity fixture, PostgreSQL 11 and newer: procedures, hash partitions, default
-- partitions, keys and indexes on partitioned tables, keys from them, INCLUDE columns.
CREATE PROCEDURE fx.add_parent(new_id int, new_code text) LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO fx.parent_key (id, code) VALUES (new_id, new_code);
END $$;
CREATE PROCEDURE fx.noop_sql() LANGUAGE sql AS 'SELECT 1';
COMMENT ON PROCEDURE fx.add_parent(int, text) IS 'a procedure';
ALTER PROCEDURE fx.noop_sql() OWNER TO fx_app;
REVOKE EXECUTE ON PROCEDURE fx.add_parent(int, text) FROM PUBLIC;
GRANT EXECUTE ON PROCEDURE fx.add_parent(int, text) TO fx_app;

-- Hash partitions, a default partition, a primary key on the parent, a key from a partitioned
-- table to a plain one, partitioned indexes of several kinds.
CREATE TABLE fx.orders (id bigint NOT NULL, parent_id int REFERENCES fx.parent_key, kind text NOT NULL, note text,
    PRIMARY KEY (id, kind)) PARTITION BY LIST (kind);
CREATE TABLE fx.orders_web PARTITION OF fx.orders FOR VALUES IN ('web') PARTITION BY HASH (id);
CREATE TABLE fx.orders_web_0 PARTITION OF fx.orders_web FOR VALUES WITH (MODULUS 3, REMAINDER 0);
CREATE TABLE fx.orders_web_1 PARTITION OF fx.orders_web FOR VALUES WITH (MODULUS 3, REMAINDER 1);
CREATE TABLE fx.orders_web_2 PARTITION OF fx.orders_web FOR VALUES WITH (MODULUS 3, REMAINDER 2);
CREATE TABLE fx.orders_shop PARTITION OF fx.orders FOR VALUES IN ('shop') PARTITION BY RANGE (id);
CREATE TABLE fx.orders_shop_low PARTITION OF fx.orders_shop FOR VALUES FROM (MINVALUE) TO (1000);
CREATE TABLE fx.orders_shop_other PARTITION OF fx.orders_shop DEFAULT;
CREATE TABLE fx.orders_other PARTITION OF fx.orders DEFAULT;
CREATE INDEX orders_note ON fx.orders (note) INCLUDE (parent_id);
CREATE INDEX orders_parent ON ONLY fx.orders (parent_id);
CREATE INDEX orders_web_parent ON fx.orders_web (parent_id);
ALTER INDEX fx.orders_parent ATTACH PARTITION fx.orders_web_parent;
INSERT INTO fx.orders SELECT g, 1 + g % 4, (ARRAY['web', 'shop', 'phone'])[1 + g % 3], 'order ' || g FROM generate_series(1, 3000) g;
COMMENT ON TABLE fx.orders IS 'partitioned by list, then by hash and range, with defaults';
COMMENT ON INDEX fx.orders_note IS 'a partitioned index with INCLUDE';
ALTER TABLE fx.orders_web OWNER TO fx_app;
CREATE TABLE fx.covering (id int, a int, b text, CONSTRAINT covering_pk PRIMARY KEY (id) INCLUDE (a));
INSERT INTO fx.covering SELECT g, g, 'b' FROM generate_series(1, 10) g;

-- Triggers on a partitioned table are cloned to its partitions.
CREATE FUNCTION fx.orders_note() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.note := coalesce(NEW.note, 'set by trigger');
    RETURN NEW;
END $$;
CREATE TRIGGER orders_note AFTER INSERT ON fx.orders FOR EACH ROW EXECUTE FUNCTION fx.orders_note();
