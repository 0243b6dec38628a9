package org.fastcopy.migrate;

import io.micrometer.core.instrument.MeterRegistry;
import org.fastcopy.FastcopyException;
import org.fastcopy.copy.CopyJob;
import org.fastcopy.copy.CopySpec;
import org.fastcopy.endpoint.Connections;
import org.fastcopy.follow.FollowJob;
import org.fastcopy.follow.FollowSpec;
import org.fastcopy.follow.decode.Lsn;
import org.fastcopy.metrics.CopyMetrics;
import org.fastcopy.metrics.FollowMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The followers of a plan with {@code follow = yes}: one {@link FollowJob} per database, each on a
 * thread of its own in this process, so that phase 1 can end (every copy done, every follower
 * streaming) while the followers keep flux2's copies current until phase 2 cuts them over.
 *
 * <p>A follower is started fresh (phase 1: a new slot, a copy in its snapshot, then following) or
 * resumed (phase 2 of a later invocation: the slots and flux2's follow ledgers are still there;
 * the resumed {@code --follow --resume} run streams on from the ledger, or finishes a cutover a
 * killed run had recorded). The cutover is asked for through the same flag SIGUSR1 sets in the
 * command line's follower. Followers still running when the invocation ends are interrupted: they
 * stop with their slot kept (the slot line says so), and phase 2 resumes them.
 */
final class Followers {
    private static final Logger log = LoggerFactory.getLogger("fastcopy.migrate");
    /** How long a stopped follower may take to unwind (its open target transaction rolls back). */
    private static final long STOP_MILLIS = 30_000;

    private record Running(Thread thread, AtomicBoolean cutover, CompletableFuture<Lsn> following,
                           CompletableFuture<FollowJob.Result> result) {
    }

    private final Connections connections;
    private final CopyMetrics.Factory copyMetrics;
    private final MeterRegistry registry;
    private final PrintWriter out;
    private final Map<String, Running> running = new LinkedHashMap<>();

    Followers(Connections connections, CopyMetrics.Factory copyMetrics, MeterRegistry registry, PrintWriter out) {
        this.connections = connections;
        this.copyMetrics = copyMetrics;
        this.registry = registry;
        this.out = out;
    }

    /** The slot a database's follower uses (the command line's default name). */
    static String slot(String database) {
        return FollowSpec.defaultSlotName(database);
    }

    boolean isRunning(String database) {
        Running r = running.get(database);
        return r != null && !r.result.isDone();
    }

    /**
     * Starts the follower of {@code copy}'s one database and returns once it streams (its copy, if
     * any, is done), with the position it follows from; or, when a resumed run only had a recorded
     * cutover to finish, once it has, with the cutover's position.
     *
     * @throws FastcopyException what the follower failed with before it streamed
     */
    Lsn start(CopySpec copy) {
        String db = copy.databases().get(0);
        FollowSpec spec = new FollowSpec(copy, slot(db), false, false, Duration.ofSeconds(10));
        AtomicBoolean cutover = new AtomicBoolean();
        CompletableFuture<Lsn> following = new CompletableFuture<>();
        CompletableFuture<FollowJob.Result> result = new CompletableFuture<>();
        FollowJob.Listener listener = new FollowJob.Listener() {
            @Override
            public void following(Lsn from) {
                following.complete(from);
            }
        };
        FollowJob job = new FollowJob(spec, connections, CopyJob.Listener.NONE, listener, copyMetrics,
                registry == null ? FollowMetrics.NONE : FollowMetrics.micrometer(registry, db), cutover::get, out);
        Thread thread = new Thread(() -> {
            try {
                result.complete(job.run());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            } finally {
                following.completeExceptionally(new IllegalStateException("the follower of " + db + " ended"));
            }
        }, "migrate-follow-" + db);
        running.put(db, new Running(thread, cutover, following, result));
        thread.start();
        try {
            CompletableFuture.anyOf(following, result).get();
            if (following.isDone() && !following.isCompletedExceptionally()) {
                return following.getNow(null);
            }
            // a resumed run that found its cutover recorded finished it without streaming
            return result.get().cutoverLsn();
        } catch (ExecutionException e) {
            throw failure(db, result, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FastcopyException(FastcopyException.INTERRUPTED, "interrupted while the copy of " + db + " ran");
        }
    }

    /**
     * Asks the follower of {@code database} to cut over and waits for it: everything committed on
     * the source before now applied, sequences set, slot and publication dropped.
     *
     * @return the source LSN of the cutover
     */
    Lsn cutOver(String database) {
        Running r = running.get(database);
        r.cutover.set(true);
        try {
            return r.result.get().cutoverLsn();
        } catch (ExecutionException e) {
            throw failure(database, r.result, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FastcopyException(FastcopyException.INTERRUPTED, "interrupted while " + database + " cut over");
        }
    }

    /**
     * Stops every follower still running (end of the invocation: phase 2 not selected, or failed).
     * Each stops with its slot kept and says so; phase 2 resumes them.
     */
    void stopAll() {
        for (Map.Entry<String, Running> e : running.entrySet()) {
            Running r = e.getValue();
            if (r.result.isDone()) {
                continue;
            }
            log.info("stopping the follower of {}: its slot stays on the source and phase 2 resumes it", e.getKey());
            r.thread.interrupt();
            try {
                r.result.get(STOP_MILLIS, TimeUnit.MILLISECONDS);
            } catch (ExecutionException | TimeoutException ex) {
                log.debug("follower of {} stopped: {}", e.getKey(), ex.toString());
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static FastcopyException failure(String db, CompletableFuture<FollowJob.Result> result, ExecutionException e) {
        Throwable cause = e.getCause();
        if (result.isCompletedExceptionally()) {
            try {
                result.getNow(null);
            } catch (java.util.concurrent.CompletionException ce) {
                cause = ce.getCause();
            }
        }
        if (cause instanceof FastcopyException fe) {
            return fe;
        }
        return new FastcopyException(FastcopyException.FAILED, "the follower of " + db + " failed: " + cause, cause);
    }
}
