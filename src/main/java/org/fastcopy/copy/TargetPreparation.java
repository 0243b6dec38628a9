package org.fastcopy.copy;

import org.fastcopy.FastcopyException;
import org.fastcopy.endpoint.Connections;
import org.fastcopy.endpoint.Endpoint;
import org.fastcopy.ledger.Ledger;
import org.fastcopy.plan.CopyPlan;
import org.fastcopy.schema.RestoreScript;
import org.fastcopy.schema.SchemaDump;
import org.fastcopy.schema.TocEntry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What the copy does with the target database before any schema goes in: refuse the states the
 * options do not allow (before any work), then create, recreate, drop or resume it. A target is
 * only ever dropped on request or when its own ledger shows fastcopy created it and never
 * finished its schema (so it holds nothing but a partial schema). Also the plan's chunk cuts,
 * recorded in the ledger so a resumed run cuts the tables the same way.
 */
final class TargetPreparation {
    private static final Logger log = LoggerFactory.getLogger("fastcopy");

    private final CopySpec spec;
    private final Connections connections;
    private final Endpoint target;
    private final OnTarget onTarget;

    TargetPreparation(CopySpec spec, Connections connections, Endpoint target) {
        this.spec = spec;
        this.connections = connections;
        this.target = target;
        this.onTarget = new OnTarget(connections, target);
    }

    /** Bad combinations of target state and options, found before any work is done. */
    void refuseEarly(TargetDatabase.State state) {
        String where = "database " + target.database() + " on " + target.name();
        switch (state) {
            case ABSENT, EMPTY -> {
                if (spec.resume()) {
                    throw new FastcopyException(FastcopyException.USAGE, "--resume: " + where
                            + (state == TargetDatabase.State.ABSENT ? " does not exist" : " holds no fastcopy ledger")
                            + ": nothing to resume");
                }
            }
            case RESUMABLE -> {
                if (!spec.resume() && !spec.dropIfExists()) {
                    throw new FastcopyException(FastcopyException.USAGE, where
                            + " holds an unfinished fastcopy run: add --resume to continue it or --drop-if-exists to start over");
                }
            }
            case NOT_EMPTY -> {
                if (!spec.dropIfExists()) {
                    throw new FastcopyException(FastcopyException.USAGE, where
                            + " already exists and is not empty: use --drop-if-exists to replace it");
                }
            }
            default -> throw new IllegalStateException(state.toString());
        }
    }

    /** Decides what happens to the target database and returns true when the run resumes. */
    boolean prepare(TargetDatabase.State state, SchemaDump dump) {
        // refuseEarly has already turned away every state the options do not allow.
        switch (state) {
            case ABSENT -> create(dump);
            case EMPTY -> {
                if (spec.dropIfExists()) {
                    TargetDatabase.drop(connections, target);
                    create(dump);
                } else {
                    initLedger();
                }
            }
            case RESUMABLE -> {
                boolean preDataDone = !spec.dropIfExists()
                        && onTarget.apply(c -> Ledger.get(c, "pre-data").isPresent());
                if (preDataDone) {
                    return true;
                }
                if (!spec.dropIfExists()) {
                    log.info("the earlier run stopped inside pre-data: recreating {}", target);
                }
                TargetDatabase.drop(connections, target);
                create(dump);
            }
            case NOT_EMPTY -> {
                TargetDatabase.drop(connections, target);
                create(dump);
            }
            default -> throw new IllegalStateException(state.toString());
        }
        return false;
    }

    /** The chunk cuts the interrupted run planned with, so resumed units match the ledger's keys. */
    Map<String, CopyPlan.Cut> recordedCuts() {
        return onTarget.apply(c -> {
            Map<String, CopyPlan.Cut> cuts = new HashMap<>();
            Ledger.get(c, "cuts").ifPresent(text -> {
                for (String line : text.split("\n")) {
                    int tab = line.lastIndexOf('\t');
                    if (tab > 0) {
                        cuts.put(line.substring(0, tab), CopyPlan.Cut.decode(line.substring(tab + 1)));
                    }
                }
            });
            return cuts;
        });
    }

    /** Records in the ledger the plan's cuts, then that pre-data is done. */
    void preDataDone(CopyPlan plan) {
        onTarget.run(c -> {
            recordCuts(c, plan);
            Ledger.put(c, "pre-data", "done");
        });
    }

    private static void recordCuts(Connection c, CopyPlan plan) {
        StringBuilder sb = new StringBuilder();
        plan.cuts().forEach((table, cut) -> sb.append(table).append('\t').append(cut.encode()).append('\n'));
        Ledger.put(c, "cuts", sb.toString());
    }

    /**
     * Creates the database from pg_dump's own items: CREATE DATABASE on the maintenance database,
     * then its settings, comment and privileges inside it.
     */
    private void create(SchemaDump dump) {
        RestoreScript items = dump.renderDatabase();
        TocEntry create = items.entries().stream().filter(e -> e.type().equals("DATABASE")).findFirst()
                .orElseThrow(() -> new FastcopyException(FastcopyException.FAILED,
                        "the schema dump holds no CREATE DATABASE item for " + target.database()));
        TargetDatabase.create(connections, target, create);
        List<TocEntry> rest = items.entries().stream().filter(e -> !e.type().equals("DATABASE")).toList();
        onTarget.run(c -> {
            try (Statement st = c.createStatement()) {
                for (TocEntry e : rest) {
                    String sql = e.sql().lines().filter(l -> !l.startsWith("\\")).collect(Collectors.joining("\n"));
                    if (!sql.isBlank()) {
                        st.execute(sql);
                    }
                }
            }
        });
        initLedger();
    }

    private void initLedger() {
        onTarget.run(Ledger::create);
    }
}
