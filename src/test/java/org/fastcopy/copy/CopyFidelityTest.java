package org.fastcopy.copy;

import org.fastcopy.data.CopyFormat;
import org.fastcopy.endpoint.Endpoint;
import org.fastcopy.schema.SchemaComparison;
import org.fastcopy.testing.ClusterExtension;
import org.fastcopy.testing.FidelityFixture;
import org.fastcopy.testing.TestClusters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Path;
import java.sql.Connection;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.fastcopy.copy.CopyFixture.exec;
import static org.fastcopy.copy.CopyFixture.scalar;
import static org.fastcopy.copy.CopyFixture.text;

/** Copies of schema corners this project did not write, each compared with its source. */
@ExtendWith(ClusterExtension.class)
class CopyFidelityTest {
    private final TestClusters clusters;
    private final Path work = Path.of("target", "copy-fidelity-work");

    CopyFidelityTest(TestClusters clusters) {
        this.clusters = clusters;
    }

    private CopyReport copy(Endpoint src) {
        return new CopyJob(CopyFixture.spec(clusters, src.database(), work), clusters.flux1().connections()).run().get(0);
    }

    private void assertSameSchema(Endpoint src) {
        assertThat(SchemaComparison.compare(clusters.flux1().connections(), src, clusters.flux2().endpoint(src.database()),
                work.resolve(src.database() + "-compare"))).isEmpty();
    }

    @Test
    void sqlStandardFunctionsAndProceduresCopyWithTheViewsAndDefaultsThatUseThem() throws Exception {
        Endpoint src = clusters.createDatabase(clusters.flux1(), "atomic");
        try (Connection c = clusters.connect(clusters.flux1(), src.database())) {
            exec(c, "CREATE TABLE log (id int, v int)");
            exec(c, "CREATE FUNCTION next_id() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 41; SELECT 42; END");
            exec(c, "CREATE FUNCTION twice(x int) RETURNS int LANGUAGE sql IMMUTABLE RETURN x * 2");
            exec(c, "CREATE PROCEDURE log_twice(x int) LANGUAGE sql BEGIN ATOMIC"
                    + " INSERT INTO log VALUES (0, twice(x)); INSERT INTO log VALUES (1, twice(x + 1)); END");
            exec(c, "CREATE TABLE uses (id int DEFAULT next_id(), label text)");
            exec(c, "CREATE VIEW doubled AS SELECT id, twice(id) AS two FROM uses");
            exec(c, "INSERT INTO uses (label) VALUES ('a'), ('b')");
        }
        CopyReport report = copy(src);

        assertThat(report.verify().ok()).isTrue();
        assertSameSchema(src);
        try (Connection dst = clusters.connect(clusters.flux2(), src.database())) {
            exec(dst, "CALL log_twice(5)");
            assertThat(text(dst, "SELECT string_agg(v::text, ',' ORDER BY id) FROM log")).isEqualTo("10,12");
            exec(dst, "INSERT INTO uses (label) VALUES ('c')");
            assertThat(scalar(dst, "SELECT sum(two) FROM doubled")).isEqualTo(3 * 84);
        }
    }

    @Test
    void tablesWhoseTypesCannotTravelInBinaryCopyInTextAndTheOthersStayBinary() throws Exception {
        // (Arrays and composites of user types go binary here, between two 15s; ServerPairTest has the rule before 14.)
        Endpoint src = clusters.createDatabase(clusters.flux1(), "aclitems");
        try (Connection c = clusters.connect(clusters.flux1(), src.database())) {
            exec(c, "CREATE DOMAIN grant_item AS aclitem");
            exec(c, "CREATE TYPE grant_pair AS (who text, what aclitem)");
            exec(c, "CREATE TABLE acl_one (id int, a aclitem)");
            exec(c, "CREATE TABLE acl_many (id int, a aclitem[])");
            exec(c, "CREATE TABLE acl_domain (id int, a grant_item)");
            exec(c, "CREATE TABLE acl_composite (id int, p grant_pair[])");
            exec(c, "CREATE TABLE plain (id int, t text, n numeric[])");
            // Binary arrays and composites carry their element and attribute type oids, which
            // differ in the target database for user types: refused before 14, accepted from 14.
            exec(c, "CREATE TYPE mood AS ENUM ('sad', 'ok')");
            exec(c, "CREATE TYPE pair AS (a int, b text)");
            exec(c, "CREATE TABLE one_mood (id int, m mood, p pair)");
            exec(c, "CREATE TABLE mood_array (id int, ms mood[])");
            exec(c, "CREATE TABLE pair_array (id int, ps pair[])");
            // Binary COPY of an oid alias carries the oid, which names another object on the target.
            exec(c, "CREATE TABLE refs (id int, r regclass, t regtype)");
            exec(c, "INSERT INTO one_mood SELECT g, CASE WHEN g % 2 = 0 THEN 'ok' ELSE 'sad' END::mood, ROW(g, 'p' || g)::pair"
                    + " FROM generate_series(1, 20) g");
            exec(c, "INSERT INTO mood_array SELECT g, ARRAY['ok', 'sad']::mood[] FROM generate_series(1, 20) g");
            exec(c, "INSERT INTO pair_array SELECT g, ARRAY[ROW(g, 'x')::pair] FROM generate_series(1, 20) g");
            exec(c, "INSERT INTO refs VALUES (1, 'plain', 'pair'), (2, 'one_mood', 'mood[]')");
            exec(c, "INSERT INTO acl_one SELECT g, makeaclitem('pg_monitor'::regrole, 'pg_read_all_data'::regrole, 'SELECT', g % 2 = 0)"
                    + " FROM generate_series(1, 50) g");
            exec(c, "INSERT INTO acl_one VALUES (0, NULL)");
            exec(c, "INSERT INTO acl_many SELECT oid::int, relacl FROM pg_class WHERE relacl IS NOT NULL");
            exec(c, "INSERT INTO acl_many VALUES (0, '{}'), (-1, NULL)");
            exec(c, "INSERT INTO acl_domain SELECT id, a FROM acl_one");
            exec(c, "INSERT INTO acl_composite SELECT id, ARRAY[ROW('x', a)::grant_pair] FROM acl_one");
            exec(c, "INSERT INTO plain SELECT g, 'row ' || g, ARRAY[g, g / 3.0] FROM generate_series(1, 100) g");
        }
        CopyReport dry = new CopyJob(CopyFixture.dryRun(CopyFixture.spec(clusters, src.database(), work)),
                clusters.flux1().connections()).run().get(0);
        String why = ": a column type has no binary send/receive functions, or holds oids (reg* types)";
        assertThat(dry.planLines()).contains("  COPY format text for public.acl_one" + why,
                "  COPY format text for public.acl_many" + why, "  COPY format text for public.refs" + why);
        assertThat(dry.planLines()).noneMatch(l -> l.contains("text for public.plain"));

        CopyReport report = copy(src);

        Map<String, CopyFormat> formats = new TreeMap<>();
        report.plan().tables().forEach(t -> formats.put(t.name(), report.plan().formatOf(t)));
        assertThat(formats).containsExactlyEntriesOf(new TreeMap<>(Map.of("acl_composite", CopyFormat.TEXT,
                "acl_domain", CopyFormat.TEXT, "acl_many", CopyFormat.TEXT, "acl_one", CopyFormat.TEXT,
                "plain", CopyFormat.BINARY, "one_mood", CopyFormat.BINARY, "mood_array", CopyFormat.BINARY,
                "pair_array", CopyFormat.BINARY, "refs", CopyFormat.TEXT)));
        assertThat(report.verify().ok()).isTrue();
        assertThat(report.verify().tablesCompared()).isEqualTo(9);
        try (Connection d = clusters.connect(clusters.flux2(), src.database())) {
            assertThat(text(d, "SELECT string_agg(r::text || ' ' || t::text, ', ' ORDER BY id) FROM refs"))
                    .isEqualTo("plain pair, one_mood mood[]");
        }
        assertSameSchema(src);
        try (Connection s = clusters.connect(clusters.flux1(), src.database());
             Connection d = clusters.connect(clusters.flux2(), src.database())) {
            for (String table : formats.keySet()) {
                String rows = "SELECT string_agg(t::text, E'\\n' ORDER BY t::text) FROM " + table + " t";
                assertThat(text(d, rows)).as(table).isEqualTo(text(s, rows));
            }
        }
    }

    @Test
    void columnsOfOidAliasTypesCopyAsTheNamesTheyHoldNotAsOids() throws Exception {
        Endpoint src = clusters.createDatabase(clusters.flux1(), "regtypes");
        try (Connection c = clusters.connect(clusters.flux1(), src.database())) {
            // Objects made and dropped first, so the source's oids are not the ones the target will give.
            for (int i = 0; i < 20; i++) {
                exec(c, "CREATE TABLE gone_" + i + " (id int)");
                exec(c, "DROP TABLE gone_" + i);
            }
            exec(c, "CREATE SCHEMA app");
            exec(c, "CREATE TYPE app.mood AS ENUM ('ok')");
            exec(c, "CREATE TABLE app.things (id int)");
            exec(c, "CREATE TABLE public_thing (id int)");
            exec(c, "CREATE FUNCTION app.f(app.mood) RETURNS int LANGUAGE sql AS 'SELECT 1'");
            exec(c, "CREATE TABLE refs (id int, rc regclass, rt regtype, rp regprocedure, rn regnamespace, rcs regclass[])");
            exec(c, "INSERT INTO refs VALUES (1, 'app.things', 'app.mood', 'app.f(app.mood)', 'app', '{app.things,public_thing}'),"
                    + " (2, 'public_thing', 'app.mood[]', 'now()', 'public', '{}'), (3, NULL, NULL, NULL, NULL, NULL)");
            exec(c, "CREATE TABLE plain (id int, o oid)");
            exec(c, "INSERT INTO plain VALUES (1, 'app.things'::regclass)");
        }
        CopyReport report = copy(src);

        assertThat(report.planLines()).contains("  COPY format text for public.refs: a column type has no binary send/receive functions,"
                + " or holds oids (reg* types)");
        assertThat(report.planLines()).noneMatch(l -> l.contains("text for public.plain"));
        assertThat(report.verify().ok()).isTrue();
        String rows = "SELECT string_agg(r::text, E'\\n' ORDER BY id) FROM refs r";
        try (Connection s = clusters.connect(clusters.flux1(), src.database());
             Connection d = clusters.connect(clusters.flux2(), src.database())) {
            assertThat(text(d, rows)).isEqualTo(text(s, rows)).contains("app.things", "public_thing", "app.f(app.mood)");
            assertThat(scalar(d, "SELECT count(*) FROM refs WHERE rc = 'app.things'::regclass")).isEqualTo(1);
        }
    }

    @Test
    void aLargeObjectsPrivilegesKeepTheirOrderWhateverTheRolesAreCalled() throws Exception {
        // fx_app sorts before postgres, the owner, whose rights lomacl lists first.
        try (Connection s = clusters.connect(clusters.flux1(), "postgres");
             Connection t = clusters.connect(clusters.flux2(), "postgres")) {
            FidelityFixture.createRoles(s);
            FidelityFixture.createRoles(t);
        }
        Endpoint src = clusters.createDatabase(clusters.flux1(), "loacl");
        String acls = "SELECT string_agg(oid || ' ' || lomacl::text, ', ' ORDER BY oid) FROM pg_largeobject_metadata";
        String expected;
        try (Connection c = clusters.connect(clusters.flux1(), src.database())) {
            exec(c, "SELECT lo_from_bytea(7001, 'x'), lo_from_bytea(7002, 'y')");
            exec(c, "GRANT SELECT, UPDATE ON LARGE OBJECT 7001 TO fx_app WITH GRANT OPTION");
            exec(c, "ALTER LARGE OBJECT 7002 OWNER TO fx_reader");
            exec(c, "GRANT SELECT ON LARGE OBJECT 7002 TO fx_app, PUBLIC");
            expected = text(c, acls);
        }
        assertThat(expected).isEqualTo("7001 {postgres=rw/postgres,fx_app=r*w*/postgres}, "
                + "7002 {fx_reader=rw/fx_reader,fx_app=r/fx_reader,=r/fx_reader}");

        copy(src);

        try (Connection d = clusters.connect(clusters.flux2(), src.database())) {
            assertThat(text(d, acls)).isEqualTo(expected);
        }
    }
}
