package org.fastcopy.generate;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.fastcopy.FastcopyException;
import org.fastcopy.pg.ServerError;
import org.fastcopy.endpoint.Connections;
import org.fastcopy.endpoint.Endpoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Generates an MTT v3 database with production's shape: the full schema with its weekly
 * inheritance children and insert rules, and data that is deterministic for (seed, scale, years).
 * <p>
 * The steps follow a bulk load's best order: tables first; data by COPY into bare tables in
 * parallel (the insert rules are built meanwhile); then primary keys, indexes and foreign keys,
 * each built once over the data instead of maintained row by row; then the sequences and a
 * measurement. Every statement runs in autocommit or in batches of a few dozen, so no transaction
 * ever locks more than a handful of the thousands of tables.
 */
public final class MttV3Generator {
    private static final Logger log = LoggerFactory.getLogger(MttV3Generator.class);

    private final Connections connections;
    private final Endpoint server;
    private final MttV3Schema schema = new MttV3Schema();

    /**
     * @param connections how to connect
     * @param server      the target server; its database is ignored, the spec names the database
     */
    public MttV3Generator(Connections connections, Endpoint server) {
        this.connections = connections;
        this.server = server;
    }

    /** Generates the database the spec describes and reports what it made. */
    public GenerateReport generate(GenerateSpec spec) {
        long started = System.nanoTime();
        Map<String, Duration> steps = new LinkedHashMap<>();
        Dimensions dims = new Dimensions(spec.seed(), spec.scale());
        ResultPlan plan = new ResultPlan(spec.seed(), spec.scale(), spec.years());
        DanglingCounts dangling = new DanglingCounts();
        SqlWorkers workers = new SqlWorkers(connections, server.withDatabase(spec.database()), spec.jobs());
        Map<String, Long> rows = new ConcurrentHashMap<>();

        step(steps, "1 prepare database", () -> new TargetDatabase(connections, server)
                .prepare(spec.database(), spec.dropIfExists()));
        step(steps, "2 create tables", () -> {
            withConnection(workers, "create tables", c -> Ddl.inBatches(c, createStatements()));
            workers.runAll("create children", List.of(), childLanes(plan));
        });
        step(steps, "3 load dimension tables", () -> workers.runAll("load dimensions",
                dimensionLoadTasks(spec, dims, rows)));
        // The parents' keys before their rules exist: every ALTER of a parent rereads all its rules.
        step(steps, "4 dimension and parent keys", () -> {
            workers.runAll("dimension keys", dimensionKeyTasks());
            workers.runAll("dimension foreign keys", List.of(), List.of(dimensionForeignKeyTasks()));
        });
        // COPY does not fire rules and the rules lock only the parents, which no COPY touches: the
        // rules can be built beside the load.
        step(steps, "5 load results and rules", () -> workers.runAll("load results",
                resultLoadTasks(spec, dims, plan, dangling, rows), List.of(ruleTasks(plan))));
        step(steps, "6 primary keys and indexes", () -> workers.runAll("indexes", indexTasks(plan)));
        // Apart from the indexes: a foreign key waits for an index build on its child, and the
        // lanes are CPU-bound anyway.
        step(steps, "7 foreign keys", () -> workers.runAll("foreign keys", List.of(),
                ForeignKeyLanes.plan(schema, plan.weeks, spec.jobs())));
        step(steps, "8 sequences", () -> withConnection(workers, "sequences",
                c -> Ddl.inBatches(c, sequenceStatements(dims, plan))));
        SizeProbe.Sizes sizes = SizeProbe.measure(workers);
        steps.put("9 measure", sizes.took());

        Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
        int partitions = plan.weeks.size() * ResultTable.values().length;
        GenerateReport report = new GenerateReport(spec, orderedRows(rows), partitions, dangling.snapshot(),
                sizes.databaseBytes(), sizes.biggestTables(), steps, elapsed);
        log.info("generated {}: {} rows, {} bytes, in {} s", spec.database(), report.totalRows(),
                report.databaseBytes(), elapsed.toSeconds());
        return report;
    }

    /** Sequences, dimension tables and the result parents. */
    private List<String> createStatements() {
        List<String> sql = new ArrayList<>(schema.createSequences());
        MttV3Tables.DIMENSIONS.forEach(t -> sql.add(schema.createTable(t)));
        sql.add(schema.createFieldsTable());
        for (ResultTable t : ResultTable.values()) {
            sql.add(schema.createParent(t));
        }
        return sql;
    }

    /**
     * The weekly children, a lane per parent: creating a child locks its parent against other
     * children being created, so children of one parent go one after another.
     */
    private List<List<SqlTask>> childLanes(ResultPlan plan) {
        List<List<SqlTask>> lanes = new ArrayList<>();
        for (ResultTable t : ResultTable.values()) {
            List<String> sql = plan.weeks.stream().map(w -> schema.createChild(t, w)).toList();
            lanes.add(List.of(new SqlTask("children of " + t.table(), sql.size(),
                    c -> Ddl.inBatches(c, sql))));
        }
        return lanes;
    }

    private static List<SqlTask> dimensionLoadTasks(GenerateSpec spec, Dimensions dims, Map<String, Long> rows) {
        List<SqlTask> tasks = new ArrayList<>();
        DimensionRows dimensionRows = new DimensionRows(spec.seed(), dims);
        for (DimensionTable t : MttV3Tables.DIMENSIONS) {
            long expected = DimensionRows.rowCount(dims, t);
            long weight = expected * (t == MttV3Tables.LATENCY_BANDWIDTH ? 10 : 1);
            tasks.add(new SqlTask("load " + t.name(), weight, c -> {
                long loaded = CopyLoader.load(c, t.name(), t.copyColumns(), dimensionRows.rowsOf(t));
                check(t.name(), expected, loaded);
                rows.put(t.name(), loaded);
            }));
        }
        return tasks;
    }

    /** A task per weekly child with rows, and the parents' sentinels. */
    private static List<SqlTask> resultLoadTasks(GenerateSpec spec, Dimensions dims, ResultPlan plan,
                                                 DanglingCounts dangling, Map<String, Long> rows) {
        List<SqlTask> tasks = new ArrayList<>();
        ResultRows resultRows = new ResultRows(spec.seed(), spec.dangling(), dims, plan, dangling);
        for (ResultTable t : ResultTable.values()) {
            AtomicLong total = new AtomicLong();
            rows.put(t.table(), 0L);
            tasks.add(new SqlTask("load " + t.table() + " sentinel", 1, c ->
                    CopyLoader.load(c, t.table(), t.copyColumns(), ResultRows.sentinel(t))));
            for (int w = 0; w < plan.weeks.size(); w++) {
                int week = w;
                String child = plan.weeks.get(w).childName(t.table());
                long expected = plan.ids(t).count(w);
                if (expected == 0) {
                    continue;
                }
                tasks.add(new SqlTask("load " + child, expected * bytesPerRow(t), c -> {
                    long loaded = CopyLoader.load(c, child, t.copyColumns(), resultRows.rowsOf(t, week));
                    check(child, expected, loaded);
                    rows.put(t.table(), total.addAndGet(loaded));
                }));
            }
        }
        return tasks;
    }

    private List<SqlTask> dimensionKeyTasks() {
        List<SqlTask> tasks = new ArrayList<>();
        for (DimensionTable t : MttV3Tables.DIMENSIONS) {
            tasks.add(new SqlTask("keys of " + t.name(), 1, c -> Ddl.each(c, schema.dimensionKeys(t))));
        }
        return tasks;
    }

    /** Each child's primary key and indexes: independent of other children, so spread over the workers. */
    private List<SqlTask> indexTasks(ResultPlan plan) {
        List<SqlTask> tasks = new ArrayList<>();
        for (ResultTable t : ResultTable.values()) {
            for (int w = 0; w < plan.weeks.size(); w++) {
                Week week = plan.weeks.get(w);
                List<String> sql = schema.childKeysAndIndexes(t, week);
                tasks.add(new SqlTask("indexes of " + week.childName(t.table()),
                        1 + plan.ids(t).count(w) * t.childIndexed().size(), c -> Ddl.each(c, sql)));
            }
        }
        return tasks;
    }

    /**
     * The keys between dimension tables and the parents' keys: few, but they need the dimension
     * tables' primary keys and must not wait behind thousands of child keys.
     */
    private List<SqlTask> dimensionForeignKeyTasks() {
        List<SqlTask> tasks = new ArrayList<>();
        for (DimensionTable t : MttV3Tables.DIMENSIONS) {
            List<String> keys = schema.dimensionForeignKeys(t);
            if (!keys.isEmpty()) {
                tasks.add(new SqlTask("foreign keys of " + t.name(), 1, c -> Ddl.each(c, keys)));
            }
        }
        for (ResultTable t : ResultTable.values()) {
            tasks.add(new SqlTask("keys of " + t.table(), 1, c -> Ddl.each(c, schema.parentKeys(t))));
        }
        return tasks;
    }

    /**
     * The insert rules, in one lane: every CREATE RULE takes its parent's exclusive lock and
     * rereads all of the parent's rules, so they cannot go faster in parallel. Batched to save
     * commits (and the reread each commit causes).
     */
    private List<SqlTask> ruleTasks(ResultPlan plan) {
        List<SqlTask> tasks = new ArrayList<>();
        for (ResultTable t : ResultTable.values()) {
            List<String> rules = plan.weeks.stream().map(w -> schema.insertRule(t, w)).toList();
            tasks.add(new SqlTask("rules of " + t.table(), rules.size(), c -> Ddl.inBatches(c, rules)));
        }
        return tasks;
    }

    private List<String> sequenceStatements(Dimensions dims, ResultPlan plan) {
        List<String> sql = new ArrayList<>();
        for (DimensionTable t : MttV3Tables.DIMENSIONS) {
            // Ids run from the sentinel 0 to rows - 1.
            sql.add(schema.setSerial(t.name(), t.idColumn(), DimensionRows.rowCount(dims, t) - 1));
        }
        for (ResultTable t : ResultTable.values()) {
            // Past the last hole too, so a new row can never fill a hole a dangling reference points at.
            sql.add(schema.setSerial(t.table(), t.idColumn(), plan.ids(t).maxId()));
        }
        // A client run's serial is its MPI install's id (see ResultFacts), so the highest install id.
        sql.add(schema.setSequence(MttV3Tables.CLIENT_SERIAL, plan.mpiInstall.maxId()));
        sql.add(schema.setSequence(MttV3Tables.TEST_RUN_NETWORK_ID, dims.networkGroups));
        return sql;
    }

    private static Map<String, Long> orderedRows(Map<String, Long> rows) {
        Map<String, Long> ordered = new LinkedHashMap<>();
        MttV3Tables.DIMENSIONS.forEach(t -> ordered.put(t.name(), rows.getOrDefault(t.name(), 0L)));
        for (ResultTable t : ResultTable.values()) {
            ordered.put(t.table(), rows.getOrDefault(t.table(), 0L));
        }
        return ordered;
    }

    private static void check(String table, long expected, long loaded) {
        if (expected != loaded) {
            throw new IllegalStateException("COPY into " + table + " took " + loaded + " rows, generated " + expected);
        }
    }

    @FunctionalInterface
    private interface Step {
        void run();
    }

    @FunctionalInterface
    private interface ConnectionWork {
        void run(Connection c) throws SQLException;
    }

    private static void step(Map<String, Duration> steps, String name, Step step) {
        log.info("step {}", name);
        long t0 = System.nanoTime();
        step.run();
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        steps.put(name, took);
        log.info("step {} done in {} ms", name, took.toMillis());
    }

    private static void withConnection(SqlWorkers workers, String what, ConnectionWork work) {
        try (Connection c = workers.open(what)) {
            work.run(c);
        } catch (SQLException e) {
            throw new FastcopyException(FastcopyException.FAILED, "generate: " + what + " failed: "
                    + ServerError.describe(e), e);
        }
    }

    /** Rough size of a row, to start the biggest loads first. */
    private static long bytesPerRow(ResultTable t) {
        return switch (t) {
            case MPI_INSTALL -> 12_000;
            case TEST_BUILD -> 2_000;
            case TEST_RUN -> 1_000;
        };
    }
}
