package org.fastcopy.schema;

import org.fastcopy.FastcopyException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.fastcopy.schema.Entries.entry;
import static org.fastcopy.schema.Entries.ids;

/** Scheduling rules, without a server: what may be taken when. */
class EntryGraphTest {
    private static final BatchLimit ONE = BatchLimit.SINGLE;
    private static final BatchLimit MANY = new BatchLimit(100, 100, (e, seen) -> 1);

    private static EntryGraph graph(List<TocEntry> entries, Map<Integer, EntryPlan> plans) {
        return new EntryGraph(entries, e -> plans.getOrDefault(e.dumpId(), EntryPlan.free()));
    }

    @Test
    void anItemWaitsForItsDependencyUnlessBothGoInOneBatch() {
        List<TocEntry> entries = List.of(entry(1, "TABLE", "parent", "a"), entry(2, "TABLE", "child", "b", 1));
        EntryGraph g = graph(entries, Map.of());

        EntryGraph.Batch first = g.poll(null, ONE);
        assertThat(ids(first.entries())).containsExactly(1);
        assertThat(g.poll(null, ONE)).as("the child is not ready while its parent's batch runs").isNull();
        g.completed(first);
        assertThat(ids(g.poll(null, ONE).entries())).containsExactly(2);

        EntryGraph together = graph(entries, Map.of());
        assertThat(ids(together.poll(null, MANY).entries())).containsExactly(1, 2);
    }

    @Test
    void anItemWaitsForItsSchemaAndAUserMappingForTheServersEvenWherePgDumpRecordsNeither() {
        // As pg_dump writes them: a SHELL TYPE and a USER MAPPING list no dependencies at all.
        List<TocEntry> entries = List.of(
                new TocEntry(1, 0, 0, List.of(), "fx", "SCHEMA", null, "postgres", "CREATE SCHEMA fx;", SessionSettings.EMPTY),
                new TocEntry(2, 0, 0, List.of(), "textish", "SHELL TYPE", "fx", "postgres", "CREATE TYPE fx.textish;",
                        SessionSettings.EMPTY),
                new TocEntry(3, 0, 0, List.of(), "fdw", "FOREIGN DATA WRAPPER", null, "postgres", "CREATE FOREIGN DATA WRAPPER fdw;",
                        SessionSettings.EMPTY),
                new TocEntry(4, 0, 0, List.of(3), "my server", "SERVER", null, "postgres", "CREATE SERVER ...;", SessionSettings.EMPTY),
                new TocEntry(5, 0, 0, List.of(), "USER MAPPING public SERVER my server", "USER MAPPING", null, "postgres",
                        "CREATE USER MAPPING ...;", SessionSettings.EMPTY));
        EntryGraph g = graph(entries, Map.of());

        EntryGraph.Batch schema = g.poll(null, ONE);
        EntryGraph.Batch wrapper = g.poll(null, ONE);
        assertThat(ids(schema.entries())).containsExactly(1);
        assertThat(ids(wrapper.entries())).containsExactly(3);
        assertThat(g.poll(null, ONE)).as("the shell type waits for its schema, the mapping for the server").isNull();
        g.completed(schema);
        g.completed(wrapper);
        EntryGraph.Batch type = g.poll(null, ONE);
        EntryGraph.Batch server = g.poll(null, ONE);
        assertThat(ids(type.entries())).containsExactly(2);
        assertThat(ids(server.entries())).containsExactly(4);
        assertThat(g.poll(null, ONE)).isNull();
        g.completed(server);
        assertThat(ids(g.poll(null, ONE).entries())).containsExactly(5);
    }

    @Test
    void itemsOfOneGroupNeverRunAtTheSameTime() {
        List<TocEntry> entries = List.of(entry(1, "FK CONSTRAINT", "a fk", "a"), entry(2, "FK CONSTRAINT", "b fk", "b"),
                entry(3, "INDEX", "c", "c"));
        EntryPlan dim = new EntryPlan("fk:dim", List.of(), List.of());
        EntryGraph g = graph(entries, Map.of(1, dim, 2, dim));

        EntryGraph.Batch a = g.poll(null, ONE);
        EntryGraph.Batch other = g.poll(null, ONE);
        assertThat(ids(a.entries())).containsExactly(1);
        assertThat(ids(other.entries())).as("the second key on dim waits; free work goes first").containsExactly(3);
        assertThat(g.poll(null, ONE)).isNull();
        g.completed(a);
        assertThat(ids(g.poll(a.lastGroup(), ONE).entries())).containsExactly(2);
    }

    @Test
    void aWorkerStaysWithItsGroupWhileItHasWork() {
        List<TocEntry> entries = List.of(entry(1, "RULE", "p r1", "1"), entry(2, "INDEX", "i", "2"), entry(3, "RULE", "p r2", "3"));
        EntryPlan rules = new EntryPlan("rule:p", List.of(), List.of());
        EntryGraph g = graph(entries, Map.of(1, rules, 3, rules));
        EntryGraph.Batch first = g.poll(null, ONE);
        g.completed(first);
        assertThat(ids(g.poll(first.lastGroup(), ONE).entries())).containsExactly(3);
        assertThat(ids(g.poll(null, ONE).entries())).containsExactly(2);
    }

    @Test
    void anExternalGateHoldsItsItemsUntilOpened() {
        List<TocEntry> entries = List.of(entry(1, "INDEX", "t_idx", "i"), entry(2, "RULE", "p r", "r"));
        EntryGraph g = graph(entries, Map.of(1, new EntryPlan(null, List.of(Gate.external("loaded:t")), List.of())));

        assertThat(ids(g.poll(null, MANY).entries())).containsExactly(2);
        assertThat(g.poll(null, MANY)).isNull();
        assertThat(g.closedExternalGates()).containsExactly("loaded:t");
        g.open("loaded:t");
        assertThat(ids(g.poll(null, MANY).entries())).containsExactly(1);
    }

    @Test
    void aCountdownGateOpensWhenTheLastItemCountingTowardItIsDone() {
        List<TocEntry> entries = List.of(entry(1, "CONSTRAINT", "dim pk", "pk"), entry(2, "INDEX", "dim_idx", "ix"),
                entry(3, "FK CONSTRAINT", "t fk", "fk"));
        EntryGraph g = graph(entries, Map.of(
                1, new EntryPlan(null, List.of(), List.of("keys:dim")),
                2, new EntryPlan(null, List.of(), List.of("keys:dim")),
                3, new EntryPlan("fk:dim", List.of(Gate.countdown("keys:dim")), List.of())));
        EntryGraph.Batch pk = g.poll(null, ONE);
        EntryGraph.Batch idx = g.poll(null, ONE);
        assertThat(g.poll(null, ONE)).isNull();
        g.completed(pk);
        assertThat(g.poll(null, ONE)).as("one key of dim still runs").isNull();
        g.completed(idx);
        assertThat(ids(g.poll(null, ONE).entries())).containsExactly(3);
    }

    @Test
    void aCountdownNobodyCountsTowardIsOpenFromTheStart() {
        List<TocEntry> entries = List.of(entry(3, "FK CONSTRAINT", "t fk", "fk"));
        EntryGraph g = graph(entries, Map.of(3, new EntryPlan(null, List.of(Gate.countdown("keys:keyless")), List.of())));
        assertThat(ids(g.poll(null, ONE).entries())).containsExactly(3);
    }

    @Test
    void aBatchEndsWhereItsLockBudgetEnds() {
        List<TocEntry> entries = List.of(entry(1, "TABLE", "a", "a"), entry(2, "TABLE", "b", "b"), entry(3, "TABLE", "c", "c"));
        EntryGraph g = graph(entries, Map.of());
        BatchLimit twoTables = new BatchLimit(100, 9, (e, seen) -> 4);
        assertThat(ids(g.poll(null, twoTables).entries())).containsExactly(1, 2);
        assertThat(ids(g.poll(null, twoTables).entries())).containsExactly(3);
    }

    @Test
    void aGroupOnlyBatchHoldsItemsOfOneGroupAndAnUngroupedItemAlone() {
        List<TocEntry> entries = List.of(entry(1, "FK CONSTRAINT", "a fk", "a"), entry(2, "FK CONSTRAINT", "b fk", "b"),
                entry(3, "FK CONSTRAINT", "c fk", "c"), entry(4, "INDEX", "i", "i"), entry(5, "INDEX", "j", "j"));
        EntryPlan one = new EntryPlan("fk:one", List.of(), List.of());
        EntryPlan two = new EntryPlan("fk:two", List.of(), List.of());
        EntryGraph g = graph(entries, Map.of(1, one, 2, one, 3, two));
        BatchLimit groupOnly = new BatchLimit(100, 100, (e, seen) -> 1, true);

        assertThat(ids(g.poll(null, groupOnly).entries())).containsExactly(1, 2);
        assertThat(ids(g.poll(null, groupOnly).entries())).containsExactly(3);
        assertThat(ids(g.poll(null, groupOnly).entries())).containsExactly(4);
        assertThat(ids(g.poll(null, groupOnly).entries())).containsExactly(5);
    }

    @Test
    void aBatchNeverMixesSessionSettings() {
        SessionSettings other = SessionSettings.EMPTY.with("default_tablespace", "SET default_tablespace = 'fast';");
        List<TocEntry> entries = List.of(entry(1, "TABLE", "a", "a"),
                new TocEntry(2, 0, 0, List.of(), "b", "TABLE", "public", null, "b", other));
        EntryGraph g = graph(entries, Map.of());
        assertThat(ids(g.poll(null, MANY).entries())).containsExactly(1);
        assertThat(ids(g.poll(null, MANY).entries())).containsExactly(2);
    }

    @Test
    void takeWaitsForWorkAndReturnsNullOnceAllIsDone() throws Exception {
        List<TocEntry> entries = List.of(entry(1, "INDEX", "t_idx", "i"));
        EntryGraph g = graph(entries, Map.of(1, new EntryPlan(null, List.of(Gate.external("loaded:t")), List.of())));
        FutureTask<EntryGraph.Batch> taken = takerWaitingInside(g);
        assertThat(taken).isNotDone();
        g.open("loaded:t");
        EntryGraph.Batch b = taken.get(10, TimeUnit.SECONDS);
        g.completed(b);
        assertThat(g.take(null, ONE)).isNull();
        g.awaitDone();
    }

    @Test
    void aFailureStopsEveryTakerAndIsRethrownToTheWaiter() throws Exception {
        List<TocEntry> entries = List.of(entry(1, "INDEX", "t_idx", "i"));
        EntryGraph g = graph(entries, Map.of(1, new EntryPlan(null, List.of(Gate.external("loaded:t")), List.of())));
        FutureTask<EntryGraph.Batch> taken = takerWaitingInside(g);
        g.fail(new FastcopyException("boom"));
        assertThat(taken.get(10, TimeUnit.SECONDS)).isNull();
        assertThatThrownBy(g::awaitDone).hasMessage("boom");
    }

    @Test
    void itemsWaitingOnEachOtherAreReportedNotWaitedForForever() throws Exception {
        // a key that would wait for the keys of its own table, itself included
        List<TocEntry> entries = List.of(entry(1, "CONSTRAINT", "t pk", "pk"));
        EntryGraph g = graph(entries, Map.of(1, new EntryPlan(null, List.of(Gate.countdown("keys:t")), List.of("keys:t"))));
        assertThat(g.take(null, ONE)).isNull();
        assertThatThrownBy(g::awaitDone).hasMessageContaining("1 items wait for each other, e.g. CONSTRAINT \"t pk\"");
    }

    @Test
    void aDependencyOnALaterItemIsABrokenArchive() {
        List<TocEntry> entries = List.of(entry(1, "TABLE", "a", "a", 2), entry(2, "TABLE", "b", "b"));
        assertThatThrownBy(() -> graph(entries, Map.of()))
                .hasMessage("TABLE \"a\" in schema public (TOC entry 1) depends on TABLE \"b\" in schema public (TOC entry 2),"
                        + " which the script runs later: the archive's order is broken");
    }

    /**
     * Calls take on a thread of its own and returns once that thread waits inside it (or take has
     * returned), so that what the test does next meets a waiting taker, however loaded the machine.
     * The deadline only ends a real hang.
     */
    private static FutureTask<EntryGraph.Batch> takerWaitingInside(EntryGraph g) {
        FutureTask<EntryGraph.Batch> task = new FutureTask<>(() -> g.take(null, ONE));
        Thread taker = new Thread(task, "entry-graph-taker");
        taker.setDaemon(true);
        taker.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (taker.getState() != Thread.State.WAITING && !task.isDone()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the taker neither waited nor returned within 60 s: " + taker.getState());
            }
            Thread.yield();
        }
        return task;
    }
}
