package org.fastcopy.migrate;

import org.fastcopy.FastcopyException;
import org.fastcopy.util.Json;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The migration's own record of which phases are done, kept as a local JSON file
 * ({@value #FILE} in the plan's state dir) rather than in a database: the phases span three
 * servers, one of which (flux2) is emptied at the end and another (flux1) has its databases
 * dropped and rebuilt in the middle. Every change is written atomically (temporary file, fsync,
 * rename, directory fsync), so after a crash the file holds the state before or after the last
 * change. A phase found {@code running} on load was interrupted (killed, rebooted) and counts as
 * failed. A done phase is never run again by this run; the next migration starts a new file and
 * keeps the old one as {@code migrate-state-RUNID.json}.
 */
final class PhaseLedger {
    static final String FILE = "migrate-state.json";
    static final int FORMAT = 1;

    enum Status {
        PENDING, RUNNING, DONE, FAILED, SKIPPED;

        String json() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    static final class Entry {
        final Phase phase;
        Status status = Status.PENDING;
        String started;
        String finished;
        double elapsedSeconds;
        int attempts;
        String error;
        final Map<String, Object> details = new LinkedHashMap<>();

        Entry(Phase phase) {
            this.phase = phase;
        }

        boolean finished() {
            return status == Status.DONE || status == Status.SKIPPED;
        }
    }

    private final Path file;
    private final String runId;
    private final String plan;
    private final String created;
    private final Map<Phase, Entry> entries = new EnumMap<>(Phase.class);

    private PhaseLedger(Path file, String runId, String plan, String created) {
        this.file = file;
        this.runId = runId;
        this.plan = plan;
        this.created = created;
        for (Phase p : Phase.values()) {
            entries.put(p, new Entry(p));
        }
    }

    static Path fileIn(Path stateDir) {
        return stateDir.resolve(FILE);
    }

    static PhaseLedger create(Path stateDir, Path planFile, Instant now) {
        String runId = now.toString().replace("-", "").replace(":", "").replaceAll("\\.\\d+", "");
        PhaseLedger l = new PhaseLedger(fileIn(stateDir), runId, planFile.toAbsolutePath().toString(), now.toString());
        l.save();
        return l;
    }

    /** The ledger in the state dir, or null when there is none. */
    @SuppressWarnings("unchecked")
    static PhaseLedger load(Path stateDir) {
        Path f = fileIn(stateDir);
        if (!Files.exists(f)) {
            return null;
        }
        try {
            Map<String, Object> m = (Map<String, Object>) Json.read(Files.readString(f));
            if (((Number) m.get("format")).intValue() != FORMAT) {
                throw new FastcopyException(FastcopyException.USAGE, f + ": unknown ledger format " + m.get("format"));
            }
            PhaseLedger l = new PhaseLedger(f, (String) m.get("run_id"), (String) m.get("plan"), (String) m.get("created"));
            for (Object o : (List<Object>) m.get("phases")) {
                Map<String, Object> pm = (Map<String, Object>) o;
                Entry e = l.entries.get(Phase.of(((Number) pm.get("phase")).intValue()));
                e.status = Status.valueOf(((String) pm.get("status")).toUpperCase(Locale.ROOT));
                e.started = (String) pm.get("started");
                e.finished = (String) pm.get("finished");
                e.elapsedSeconds = pm.get("elapsed_s") == null ? 0 : ((Number) pm.get("elapsed_s")).doubleValue();
                e.attempts = pm.get("attempts") == null ? 0 : ((Number) pm.get("attempts")).intValue();
                e.error = (String) pm.get("error");
                if (pm.get("details") instanceof Map<?, ?> d) {
                    e.details.putAll((Map<String, Object>) d);
                }
                if (e.status == Status.RUNNING) {
                    e.status = Status.FAILED;
                    e.error = "interrupted: the process ended while this phase ran";
                }
            }
            return l;
        } catch (IOException | RuntimeException e) {
            if (e instanceof FastcopyException fe) {
                throw fe;
            }
            throw new FastcopyException(FastcopyException.USAGE, f + ": not a readable phase ledger (" + e.getMessage()
                    + "); move it away to start over");
        }
    }

    String runId() {
        return runId;
    }

    String plan() {
        return plan;
    }

    Path file() {
        return file;
    }

    Entry entry(Phase p) {
        return entries.get(p);
    }

    List<Entry> entries() {
        return new ArrayList<>(entries.values());
    }

    /** Every phase done or skipped: nothing left to resume. */
    boolean complete() {
        return entries.values().stream().allMatch(Entry::finished);
    }

    void started(Phase p, Instant now) {
        Entry e = entries.get(p);
        e.status = Status.RUNNING;
        e.started = now.toString();
        e.finished = null;
        e.error = null;
        e.attempts++;
        save();
    }

    void done(Phase p, Instant now, Map<String, Object> details) {
        Entry e = entries.get(p);
        e.status = Status.DONE;
        finish(e, now);
        e.details.putAll(details);
        save();
    }

    void skipped(Phase p, Instant now, String reason) {
        Entry e = entries.get(p);
        e.status = Status.SKIPPED;
        e.started = e.started == null ? now.toString() : e.started;
        finish(e, now);
        e.details.put("skipped", reason);
        save();
    }

    void failed(Phase p, Instant now, String error) {
        Entry e = entries.get(p);
        e.status = Status.FAILED;
        finish(e, now);
        e.error = error;
        save();
    }

    /** A step inside a phase that must not be repeated when the phase is resumed (e.g. "flat dropped"). */
    void mark(Phase p, String key, Object value) {
        entries.get(p).details.put(key, value);
        save();
    }

    /** Keeps a finished run's ledger under its run id, so the next migration starts a fresh one. */
    void archive() {
        try {
            Files.move(file, file.resolveSibling("migrate-state-" + runId + ".json"), StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new FastcopyException(FastcopyException.FAILED, "could not archive " + file + ": " + e.getMessage(), e);
        }
    }

    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", FORMAT);
        m.put("run_id", runId);
        m.put("plan", plan);
        m.put("created", created);
        List<Object> phases = new ArrayList<>();
        for (Entry e : entries.values()) {
            Map<String, Object> pm = new LinkedHashMap<>();
            pm.put("phase", e.phase.number);
            pm.put("name", e.phase.slug);
            pm.put("status", e.status.json());
            pm.put("started", e.started);
            pm.put("finished", e.finished);
            pm.put("elapsed_s", e.elapsedSeconds);
            pm.put("attempts", e.attempts);
            pm.put("error", e.error);
            pm.put("details", e.details);
            phases.add(pm);
        }
        m.put("phases", phases);
        return m;
    }

    private static void finish(Entry e, Instant now) {
        e.finished = now.toString();
        e.elapsedSeconds = e.started == null ? 0
                : Duration.between(Instant.parse(e.started), now).toMillis() / 1000.0;
    }

    private void save() {
        writeAtomically(file, Json.write(toJson()));
    }

    /** Temporary file in the same directory, fsync, rename over the old one, fsync the directory. */
    static void writeAtomically(Path target, String text) {
        Path dir = target.toAbsolutePath().getParent();
        try {
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
            try {
                try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                    ch.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
                    ch.force(true);
                }
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(tmp);
            }
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true);
            }
        } catch (IOException e) {
            throw new FastcopyException(FastcopyException.FAILED, "could not write " + target + ": " + e.getMessage(), e);
        }
    }
}
