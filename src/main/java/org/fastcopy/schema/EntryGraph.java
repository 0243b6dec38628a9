package org.fastcopy.schema;

import org.fastcopy.FastcopyException;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Decides which items may run now. An item is ready when every dependency it has inside this
 * graph is done and every gate it waits for is open; among ready items those of a busy lock group
 * wait. Workers take batches of ready items, lowest script position first (pg_restore's order), and
 * stay with the group they ran last while it has work, so a group's items run back to back on one
 * connection.
 *
 * <p>A batch may hold an item together with items that depend on it: they run in order in one
 * transaction. Other batches see an item's dependents only once its batch is done.
 *
 * <p>Thread-safe: every method holds this object's monitor; {@link #take} waits on it.
 */
final class EntryGraph {
    private enum State { WAITING, READY, RUNNING, DONE }

    private static final class Node {
        final TocEntry entry;
        final int position;
        final Group group;
        final List<Node> dependents = new ArrayList<>();
        final List<String> countsToward;
        int pendingDeps;
        int pendingGates;
        /** Dependencies claimed by the batch being built: scratch, zero outside {@link #build}. */
        int inBatch;
        State state = State.WAITING;

        Node(TocEntry entry, int position, Group group, List<String> countsToward) {
            this.entry = entry;
            this.position = position;
            this.group = group;
            this.countsToward = countsToward;
        }
    }

    /** One comparator for every group's set: there is a group per item that has none. */
    private static final Comparator<Node> BY_POSITION = Comparator.comparingInt(n -> n.position);

    /** Ready items of one lock group; an item without a group gets a group of its own. */
    static final class Group {
        final String key;
        final int id;
        final TreeSet<Node> ready = new TreeSet<>(BY_POSITION);
        boolean busy;
        boolean inHeads;

        Group(String key, int id) {
            this.key = key;
            this.id = id;
        }

        boolean shared() {
            return key != null;
        }
    }

    /** Items taken together, to run in order in one transaction. */
    record Batch(List<TocEntry> entries, List<Node> nodes, Set<Group> groups) {
        /** The shared group the batch ended in, for the worker to continue with; null if none. */
        Group lastGroup() {
            Group g = nodes.get(nodes.size() - 1).group;
            return g.shared() ? g : null;
        }
    }

    /** Free groups with ready items, by their first ready item's position. */
    private final TreeSet<Group> heads = new TreeSet<>(Comparator
            .<Group>comparingInt(g -> g.ready.first().position).thenComparingInt(g -> g.id));
    private final Map<String, List<Node>> waitingOn = new HashMap<>();
    private final Map<String, Integer> countdowns = new HashMap<>();
    private final Set<String> externalGates = new HashSet<>();
    private final Set<String> openGates = new HashSet<>();
    private final List<Node> nodes = new ArrayList<>();
    private int closedExternal;
    private int remaining;
    private int running;
    private FastcopyException failure;

    /**
     * @param archiveEntries the items in script order; dependencies on dump ids outside this list
     *                       (the other section, or items left out) count as met, and those pg_dump
     *                       does not record are added ({@link UnrecordedDependencies})
     */
    EntryGraph(List<TocEntry> archiveEntries, Function<TocEntry, EntryPlan> planner) {
        List<TocEntry> entries = UnrecordedDependencies.added(archiveEntries);
        Map<String, Group> groups = new HashMap<>();
        Map<Integer, Node> byDumpId = new HashMap<>();
        List<EntryPlan> plans = new ArrayList<>(entries.size());
        for (TocEntry e : entries) {
            EntryPlan plan = planner.apply(e);
            plans.add(plan);
            Group g = plan.group() == null ? new Group(null, groups.size() + nodes.size())
                    : groups.computeIfAbsent(plan.group(), k -> new Group(k, groups.size() + nodes.size()));
            Node n = new Node(e, nodes.size(), g, plan.countsToward());
            nodes.add(n);
            if (e.dumpId() >= 0) {
                byDumpId.put(e.dumpId(), n);
            }
            for (String key : plan.countsToward()) {
                countdowns.merge(key, 1, Integer::sum);
            }
        }
        for (int i = 0; i < nodes.size(); i++) {
            Node n = nodes.get(i);
            for (Integer dep : new LinkedHashSet<>(n.entry.dependencies())) {
                Node d = byDumpId.get(dep);
                if (d != null && d != n) {
                    if (d.position > n.position) {
                        throw new FastcopyException(FastcopyException.FAILED, n.entry + " depends on " + d.entry
                                + ", which the script runs later: the archive's order is broken");
                    }
                    d.dependents.add(n);
                    n.pendingDeps++;
                }
            }
            for (Gate gate : plans.get(i).waitsFor()) {
                if (gate.external()) {
                    externalGates.add(gate.key());
                } else if (!countdowns.containsKey(gate.key())) {
                    continue; // nothing counts toward it: open from the start
                }
                waitingOn.computeIfAbsent(gate.key(), k -> new ArrayList<>()).add(n);
                n.pendingGates++;
            }
        }
        closedExternal = externalGates.size();
        remaining = nodes.size();
        for (Node n : nodes) {
            if (n.pendingDeps == 0 && n.pendingGates == 0) {
                enqueue(n);
            }
        }
    }

    /** Opens an external gate (idempotent); items waiting only for it become ready. */
    synchronized void open(String key) {
        if (!openGates.add(key)) {
            return;
        }
        if (externalGates.contains(key)) {
            closedExternal--;
        }
        List<Node> waiting = waitingOn.remove(key);
        if (waiting != null) {
            for (Node n : waiting) {
                n.pendingGates--;
                if (n.pendingGates == 0 && n.pendingDeps == 0 && n.state == State.WAITING) {
                    enqueue(n);
                }
            }
            notifyAll();
        }
    }

    /** External gates some unfinished item still waits for. */
    synchronized List<String> closedExternalGates() {
        List<String> out = new ArrayList<>();
        for (String key : externalGates) {
            if (!openGates.contains(key) && waitingOn.containsKey(key)) {
                out.add(key);
            }
        }
        out.sort(null);
        return out;
    }

    /**
     * The next batch for a worker, waiting until one is ready.
     *
     * @param preferred the group the worker ran last, tried first
     * @return null when every item is done or the graph has failed
     */
    synchronized Batch take(Group preferred, BatchLimit limit) throws InterruptedException {
        while (true) {
            if (failure != null || remaining == 0) {
                return null;
            }
            Batch b = build(preferred, limit);
            if (b != null) {
                running++;
                return b;
            }
            if (running == 0 && closedExternal == 0) {
                // nothing runs, nothing is ready, nothing outside can help: a cycle
                fail(new FastcopyException(FastcopyException.FAILED, remaining + " items wait for each other, e.g. "
                        + firstWaiting() + ": the archive's dependencies form a cycle"));
                return null;
            }
            wait();
        }
    }

    /** Like {@link #take} but returns null at once when nothing is ready. */
    synchronized Batch poll(Group preferred, BatchLimit limit) {
        if (failure != null) {
            return null;
        }
        Batch b = build(preferred, limit);
        if (b != null) {
            running++;
        }
        return b;
    }

    private Batch build(Group preferred, BatchLimit limit) {
        List<Node> taken = new ArrayList<>();
        Set<Group> groups = new LinkedHashSet<>();
        List<Node> madeReady = new ArrayList<>();
        List<Node> touched = new ArrayList<>();
        int locks = 0;
        Group next = preferred != null && !preferred.busy && !preferred.ready.isEmpty() ? preferred : null;
        while (taken.size() < limit.maxEntries()) {
            Group g = next != null && !next.ready.isEmpty() ? next : heads.isEmpty() ? null : heads.first();
            if (g == null || limit.groupOnly() && !taken.isEmpty() && (g != taken.get(0).group || !g.shared())) {
                break;
            }
            Node n = g.ready.first();
            int cost = limit.locks().locks(n.entry, g.shared() && groups.contains(g));
            if (!taken.isEmpty() && (locks + cost > limit.maxLocks()
                    || !n.entry.settings().equals(taken.get(0).entry.settings()))) {
                break;
            }
            removeReady(n);
            n.state = State.RUNNING;
            taken.add(n);
            groups.add(g);
            locks += cost;
            next = g;
            for (Node d : n.dependents) {
                if (d.inBatch++ == 0) {
                    touched.add(d);
                }
                if (d.state == State.WAITING && d.pendingGates == 0 && d.pendingDeps == d.inBatch) {
                    enqueue(d);
                    madeReady.add(d);
                }
            }
        }
        // Items made ready by this batch's own items may only run inside it: not yet committed.
        for (Node d : madeReady) {
            if (d.state == State.READY) {
                removeReady(d);
                d.state = State.WAITING;
            }
        }
        for (Node d : touched) {
            d.inBatch = 0;
        }
        if (taken.isEmpty()) {
            return null;
        }
        for (Group g : groups) {
            g.busy = true;
            removeHead(g);
        }
        List<TocEntry> entries = new ArrayList<>(taken.size());
        for (Node n : taken) {
            entries.add(n.entry);
        }
        return new Batch(entries, taken, groups);
    }

    /** Marks a batch committed: its items' dependents and countdowns move on. */
    synchronized void completed(Batch b) {
        running--;
        for (Node n : b.nodes()) {
            n.state = State.DONE;
            remaining--;
            for (Node d : n.dependents) {
                d.pendingDeps--;
                if (d.pendingDeps == 0 && d.pendingGates == 0 && d.state == State.WAITING) {
                    enqueue(d);
                }
            }
            for (String key : n.countsToward) {
                if (countdowns.merge(key, -1, Integer::sum) == 0) {
                    openCountdown(key);
                }
            }
        }
        for (Group g : b.groups()) {
            g.busy = false;
            addHead(g);
        }
        notifyAll();
    }

    /** Stops the graph: {@link #take} returns null from now on. The first failure wins. */
    synchronized void fail(FastcopyException e) {
        if (failure == null) {
            failure = e;
        }
        notifyAll();
    }

    /** Waits until every item is done (returns) or the graph fails (throws the failure). */
    synchronized void awaitDone() throws InterruptedException {
        while (failure == null && remaining > 0) {
            wait();
        }
        if (failure != null) {
            throw failure;
        }
    }

    synchronized boolean isDone() {
        return remaining == 0;
    }

    private void openCountdown(String key) {
        if (!openGates.add(key)) {
            return;
        }
        Collection<Node> waiting = waitingOn.remove(key);
        if (waiting != null) {
            for (Node n : waiting) {
                n.pendingGates--;
                if (n.pendingGates == 0 && n.pendingDeps == 0 && n.state == State.WAITING) {
                    enqueue(n);
                }
            }
        }
    }

    private String firstWaiting() {
        for (Node n : nodes) {
            if (n.state == State.WAITING) {
                return n.entry.toString();
            }
        }
        return "none";
    }

    private void enqueue(Node n) {
        n.state = State.READY;
        Group g = n.group;
        removeHead(g);
        g.ready.add(n);
        addHead(g);
    }

    private void removeReady(Node n) {
        Group g = n.group;
        removeHead(g);
        g.ready.remove(n);
        addHead(g);
    }

    private void removeHead(Group g) {
        if (g.inHeads) {
            heads.remove(g);
            g.inHeads = false;
        }
    }

    private void addHead(Group g) {
        if (!g.busy && !g.ready.isEmpty() && !g.inHeads) {
            heads.add(g);
            g.inHeads = true;
        }
    }
}
