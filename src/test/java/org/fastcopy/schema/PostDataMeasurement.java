package org.fastcopy.schema;

import org.fastcopy.endpoint.Connections;
import org.fastcopy.endpoint.Endpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Times the post-data phase alone on a real-sized database: the source's post-data items, built on
 * a fresh copy of a target database that already holds the pre-data and the data (all tables
 * reported loaded at once). Not part of "mvn test" (surefire runs *Test classes only); it attaches
 * to running clusters, e.g. the ones bench/copy leaves with --keep:
 *
 * <pre>
 * pg_dump -Fd -j 2 -f bench/work/pd.d -d 'service=flux1 dbname=mttv3'
 * createdb -d service=flux2 pd_base   # then
 * pg_restore -j 2 --section=pre-data --section=data -d 'service=flux2 dbname=pd_base' bench/work/pd.d
 * mvn -o test -Dtest=PostDataMeasurement -Dpd.src=PORT1 -Dpd.dst=PORT2 -Dpd.passfile=$PWD/bench/work/pgpass
 * </pre>
 *
 * Options: {@code pd.db} (source database, mttv3), {@code pd.template} (pd_base), {@code pd.jobs}
 * (comma list, 2), {@code pd.variants} (split,valid: foreign keys in two halves or in one), {@code pd.rounds} (1), {@code pd.types} (comma list of item types, default all).
 */
// mvn test -Dtest=PostDataMeasurement -Dpd.src=... -Dpd.dst=... -Dpd.passfile=...
class PostDataMeasurement {
    @TempDir
    Path workdir;

    @Test
    void measure() throws Exception {
        Path passfile = Path.of(System.getProperty("pd.passfile"));
        Map<String, String> env = new HashMap<>();
        env.put("PGPASSFILE", passfile.toString());
        Connections connections = new Connections(env);
        Endpoint src = new Endpoint("src", "127.0.0.1", Integer.getInteger("pd.src"), "postgres",
                System.getProperty("pd.db", "mttv3"), passfile, Map.of());
        Endpoint dstAdmin = new Endpoint("dst", "127.0.0.1", Integer.getInteger("pd.dst"), "postgres", "postgres", passfile, Map.of());
        String template = System.getProperty("pd.template", "pd_base");
        List<String> results = new ArrayList<>();
        try (Connection holder = connections.open(src, "pd-snapshot")) {
            holder.setAutoCommit(false);
            String snapshot;
            try (Statement st = holder.createStatement()) {
                st.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
                try (ResultSet rs = st.executeQuery("SELECT pg_export_snapshot()")) {
                    rs.next();
                    snapshot = rs.getString(1);
                }
            }
            SchemaDump dump = SchemaDump.dump(connections, src, snapshot, workdir);
            RestoreScript postData = dump.render(Section.POST_DATA);
            EntryTables tables = EntryTables.read(holder, postData.entries());
            List<TableName> all = new ArrayList<>();
            try (Statement st = holder.createStatement();
                 ResultSet rs = st.executeQuery("SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                         + " WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')")) {
                while (rs.next()) {
                    all.add(new TableName(rs.getString(1), rs.getString(2)));
                }
            }
            String types = System.getProperty("pd.types", "");
            List<TocEntry> items = postData.entries().stream()
                    .filter(e -> types.isEmpty() || List.of(types.split(",")).contains(e.type())).toList();
            int rounds = Integer.getInteger("pd.rounds", 1);
            for (int round = 0; round < rounds; round++) {
                for (String variant : System.getProperty("pd.variants", "split,valid").split(",")) {
                boolean split = variant.equals("split");
                for (String j : System.getProperty("pd.jobs", "2").split(",")) {
                    int jobs = Integer.parseInt(j.trim());
                    String db = "pd_run";
                    admin(connections, dstAdmin, "DROP DATABASE IF EXISTS " + db);
                    admin(connections, dstAdmin, "CREATE DATABASE " + db + " TEMPLATE " + template);
                    Endpoint dst = new Endpoint("dst", "127.0.0.1", dstAdmin.port(), "postgres", db, passfile, Map.of());
                    try (PostDataScheduler post = new PostDataScheduler(connections, dst, tables)) {
                        post.splitForeignKeys(split).start(items, jobs);
                        String rules = "split=" + split + "; ";
                        all.forEach(t -> post.tableLoaded(t.schema(), t.name()));
                        DdlReport report = post.awaitCompletion();
                        results.add("round " + round + " jobs=" + jobs + ": " + rules + report.summary());
                        System.out.println("PD round " + round + " jobs=" + jobs + ": " + rules + report.summary());
                    }
                }
                }
            }
            holder.rollback();
        }
        results.forEach(r -> System.out.println("PD " + r));
    }

    private static void admin(Connections connections, Endpoint ep, String sql) throws Exception {
        try (Connection c = connections.open(ep, "pd-admin"); Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }
}
