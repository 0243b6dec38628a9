-- The fidelity fixture, PostgreSQL 13 and newer: pg_snapshot and regcollation columns.
ALTER TABLE fx.edges ADD COLUMN snap13 pg_snapshot;
INSERT INTO fx.edges (id, snap13) VALUES (80, '10:20:10,14,15'), (81, '100:100:');
ALTER TABLE fx.reg_refs ADD COLUMN rcoll regcollation;
INSERT INTO fx.reg_refs (id, rcoll) VALUES (4, 'fx.c_copy'), (5, '"C"');
