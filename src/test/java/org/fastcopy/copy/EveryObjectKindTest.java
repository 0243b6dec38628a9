package org.fastcopy.copy;

import org.fastcopy.data.CopyFormat;
import org.fastcopy.endpoint.Endpoint;
import org.fastcopy.schema.SchemaComparison;
import org.fastcopy.testing.ClusterExtension;
import org.fastcopy.testing.DatabaseContents;
import org.fastcopy.testing.FidelityFixture;
import org.fastcopy.testing.TestClusters;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Path;
import java.sql.Connection;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.fastcopy.copy.CopyFixture.scalar;

/**
 * The fidelity fixture ({@link FidelityFixture}: every object kind pg_dump knows, data at the edges
 * of every built-in type, large objects with owners, privileges and comments) copied once from
 * flux1 to flux2, then compared with its source three ways, none of them fastcopy's own: the
 * target's {@code pg_dump --schema-only}, every table's and materialized view's rows, sequence and
 * large object ({@link DatabaseContents}), and the database's comment, privileges and settings.
 *
 * <p>{@code pg_dump | psql} of this fixture gives a schema dump equal to the source's, item for
 * item, so the copy's must be equal too: nothing here is excused. The one difference a restore
 * does make, the column order of inheritance children whose parent gained a column later
 * ({@code fx.inh_ab}, {@code fx.inh_a_child}), does not show in a dump (a child lists its own
 * columns only); the row digests name columns in name order for that reason.
 */
@ExtendWith(ClusterExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EveryObjectKindTest {
    private final TestClusters clusters;
    private final Path work = Path.of("target", "every-object-kind-work");
    private Endpoint source;
    private CopyReport report;

    EveryObjectKindTest(TestClusters clusters) {
        this.clusters = clusters;
    }

    @BeforeAll
    void copyTheFixture() throws Exception {
        try (Connection s = clusters.connect(clusters.flux1(), "postgres");
             Connection t = clusters.connect(clusters.flux2(), "postgres")) {
            FidelityFixture.createRoles(s);
            FidelityFixture.createRoles(t);
        }
        source = clusters.createDatabase(clusters.flux1(), "everykind");
        try (Connection c = clusters.connect(clusters.flux1(), source.database())) {
            FidelityFixture.create(c, (int) scalar(c, "SHOW server_version_num"));
        }
        report = new CopyJob(CopyFixture.spec(clusters, source.database(), work), clusters.flux1().connections()).run().get(0);
    }

    @Test
    void theCopysOwnChecksumVerifyFindsEveryTableEqual() {
        assertThat(report.verify().mismatches()).isEmpty();
        assertThat(report.verify().tablesCompared()).isGreaterThan(40);
    }

    @Test
    void tablesOfTypesWhoseBinaryFormIsNoUseElsewhereGoAsTextAndTheEdgeValuesAsBinary() {
        Map<String, CopyFormat> formats = new TreeMap<>();
        report.plan().tables().forEach(t -> formats.put(t.schema() + "." + t.name(), report.plan().formatOf(t)));
        assertThat(formats).containsEntry("fx.no_binary_io", CopyFormat.TEXT).containsEntry("fx.reg_refs", CopyFormat.TEXT)
                .containsEntry("fx.edges", CopyFormat.BINARY).containsEntry("fx.ext_types", CopyFormat.BINARY);
        assertThat(formats.values().stream().filter(f -> f == CopyFormat.TEXT)).as(formats.toString()).hasSize(2);
    }

    @Test
    void theTargetsSchemaDumpEqualsTheSourcesItemForItem() {
        assertThat(SchemaComparison.compare(clusters.flux1().connections(), source,
                clusters.flux2().endpoint(source.database()), work.resolve("compare"))).isEmpty();
    }

    @Test
    void everyTableSequenceLargeObjectAndTheDatabaseItselfHoldWhatTheSourceHolds() throws Exception {
        Map<String, String> expected;
        Map<String, String> actual;
        try (Connection s = clusters.connect(clusters.flux1(), source.database());
             Connection t = clusters.connect(clusters.flux2(), source.database())) {
            expected = DatabaseContents.of(s);
            actual = DatabaseContents.of(t);
        }
        assertThat(expected).containsKeys("table fx.edges", "table fx.reg_refs", "materialized view fx.mv_data",
                "large object 424203", "sequence fx.seq_desc");
        assertThat(expected.get("materialized view fx.mv_no_data")).isEqualTo("not populated");
        assertThat(actual).containsExactlyEntriesOf(expected);
    }
}
