package org.fastcopy.schema;

import org.fastcopy.cluster.LocalCluster;
import org.fastcopy.endpoint.Endpoint;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The schema phases run the way the copy command runs them: a snapshot exported on the source and
 * held open, the dump in that snapshot, pre-data, then post-data alongside a stand-in for the data
 * phase that reports each table when its rows are in.
 */
final class SchemaCopyHarness implements AutoCloseable {
    final LocalCluster sourceCluster;
    final LocalCluster targetCluster;
    final Endpoint source;
    final Endpoint target;
    final Connection holder;
    final String snapshot;
    final SchemaDump dump;
    final RestoreScript preData;
    final RestoreScript postData;
    final EntryTables tables;

    SchemaCopyHarness(LocalCluster sourceCluster, Endpoint source, LocalCluster targetCluster, Endpoint target, Path workdir)
            throws SQLException {
        this.sourceCluster = sourceCluster;
        this.targetCluster = targetCluster;
        this.source = source;
        this.target = target;
        holder = sourceCluster.connections().open(source, "fastcopy-test-snapshot");
        holder.setAutoCommit(false);
        try (Statement st = holder.createStatement()) {
            st.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
            try (ResultSet rs = st.executeQuery("SELECT pg_export_snapshot()")) {
                rs.next();
                snapshot = rs.getString(1);
            }
        }
        dump = SchemaDump.dump(sourceCluster.connections(), source, snapshot, workdir);
        preData = dump.render(Section.PRE_DATA);
        postData = dump.render(Section.POST_DATA);
        tables = EntryTables.read(holder, postData.entries());
    }

    DdlReport loadPreData(int jobs) {
        return new PreDataLoader(targetCluster.connections(), target).load(preData, jobs);
    }

    /** @param marks appended to every pre-data transaction (e.g. a {@link LockProbe}) */
    DdlReport loadPreData(int jobs, StepMarks marks) {
        return new PreDataLoader(targetCluster.connections(), target).load(preData, jobs, PreDataLoader.MAX_ITEMS_PER_BATCH, marks);
    }

    PostDataScheduler postDataScheduler() {
        return postDataScheduler(StepMarks.NONE);
    }

    /** @param marks appended to every post-data transaction (e.g. a {@link LockProbe}) */
    PostDataScheduler postDataScheduler(StepMarks marks) {
        return new PostDataScheduler(targetCluster.connections(), target, tables, marks);
    }

    /** Ordinary tables of the source's public schema, as the data phase would list them. */
    List<TableName> sourceTables() throws SQLException {
        List<TableName> out = new ArrayList<>();
        try (Statement st = holder.createStatement();
             ResultSet rs = st.executeQuery("SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                     + " WHERE c.relkind = 'r' AND n.nspname = 'public' ORDER BY 1, 2")) {
            while (rs.next()) {
                out.add(new TableName(rs.getString(1), rs.getString(2)));
            }
        }
        return out;
    }

    Connection connectTarget() {
        return targetCluster.connections().open(target, "fastcopy-test");
    }

    @Override
    public void close() throws SQLException {
        holder.rollback();
        holder.close();
    }
}
