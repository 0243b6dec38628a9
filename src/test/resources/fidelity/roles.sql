-- The roles the fidelity fixture's objects name (owners, grantees). Roles are global, so these go
-- to both servers before the fixture is made, and tolerate existing already.
DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['fx_owner', 'fx_app', 'fx_reader'] LOOP
        IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = r) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN', r);
        END IF;
    END LOOP;
END $$;
