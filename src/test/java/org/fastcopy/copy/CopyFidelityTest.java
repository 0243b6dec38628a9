package org.fastcopy.copy;

import org.fastcopy.endpoint.Endpoint;
import org.fastcopy.schema.SchemaComparison;
import org.fastcopy.testing.ClusterExtension;
import org.fastcopy.testing.TestClusters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Path;
import java.sql.Connection;

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
}
