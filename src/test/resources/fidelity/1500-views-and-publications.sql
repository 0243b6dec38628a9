-- The fidelity fixture, PostgreSQL 15 and newer: security_invoker views, NULLS NOT DISTINCT,
-- publications of schemas, column lists and row filters.
CREATE VIEW fx.v_invoker WITH (security_invoker = true, security_barrier = false) AS SELECT id, secret FROM fx.secured;
CREATE TABLE fx.nulls_not_distinct (a int, b int, CONSTRAINT one_null UNIQUE NULLS NOT DISTINCT (a, b));
INSERT INTO fx.nulls_not_distinct VALUES (1, NULL), (NULL, NULL);
CREATE PUBLICATION fx_pub_schema FOR TABLES IN SCHEMA fx_owned;
CREATE PUBLICATION fx_pub_filtered FOR TABLE fx.parent_key (id, mood) WHERE (id > 1), fx.generated WITH (publish_via_partition_root = true);
ALTER PUBLICATION fx_pub_filtered ADD TABLE fx.measure;
