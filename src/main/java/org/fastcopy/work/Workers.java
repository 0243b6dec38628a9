package org.fastcopy.work;

import org.fastcopy.FastcopyException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A few workers, each on its own named thread, that the caller waits for: the one worker pool of
 * fastcopy (copy, analyze, verify, DDL and the generator's SQL all run on it).
 *
 * <ul>
 * <li>Threads are named {@code <name>-1 .. <name>-<count>}, so a thread dump or a log line says
 *     whose they are; they are daemons, so a worker stuck in a statement never keeps the JVM up.</li>
 * <li>The first failure wins: it is the one thrown; the run is {@linkplain Worker#stopped()
 *     stopped} (workers should stop taking work) and the {@link #onStop} hook runs once, so the
 *     caller can cancel what the others are running. Failures after it are added to it as
 *     suppressed, never lost and never thrown instead.</li>
 * <li>A waiting thread that is interrupted (a signal stopping the run) stops the run, interrupts
 *     the workers, waits up to {@link #stopWait} for them to roll back and close their sessions,
 *     restores its interrupt flag and throws {@link FastcopyException#INTERRUPTED}.</li>
 * <li>Leaving by any path ({@link Running#close()} in finally) stops and interrupts the workers
 *     still alive, so no thread outlives its run unnoticed.</li>
 * </ul>
 *
 * <p>Hazard: interrupting a thread does not stop a statement in PgJDBC (its socket reads ignore
 * interrupts); a caller whose workers run long statements cancels them in {@link #onStop}.
 *
 * <pre>{@code
 * List<Long> rows = Workers.named("verify", n).run(w -> {
 *     long done = 0;
 *     for (Table t; !w.stopped() && (t = queue.poll()) != null; ) { done += compare(t); }
 *     return done;
 * });
 * }</pre>
 */
public final class Workers {
    private static final Logger log = LoggerFactory.getLogger(Workers.class);
    /** How long an interrupted or closed run waits for its workers unless told otherwise. */
    public static final Duration DEFAULT_STOP_WAIT = Duration.ofSeconds(10);

    /** One worker's work; what it returns is collected in worker order. */
    @FunctionalInterface
    public interface Body<R> {
        R run(Worker worker) throws Exception;
    }

    /** What a running body knows about itself and its run. */
    public interface Worker {
        /** 1 .. count, as in the thread's name. */
        int index();

        /** True once another worker failed, the run was interrupted or closed: take no new work. */
        boolean stopped();
    }

    private final String name;
    private final int count;
    private Runnable onStop = () -> { };
    private Duration stopWait = DEFAULT_STOP_WAIT;
    private String interruptedMessage;

    private Workers(String name, int count) {
        if (count < 1) {
            throw new IllegalArgumentException(name + ": the number of workers must be at least 1, got " + count);
        }
        this.name = Objects.requireNonNull(name);
        this.count = count;
        this.interruptedMessage = name + " interrupted";
    }

    /** {@code count} workers on threads named {@code name-1 .. name-count}. */
    public static Workers named(String name, int count) {
        return new Workers(name, count);
    }

    /** Runs once when the run stops (first failure, interrupt, close before the end): cancel statements here. */
    public Workers onStop(Runnable hook) {
        this.onStop = Objects.requireNonNull(hook);
        return this;
    }

    /** How long an interrupted or closed run waits for its workers to end; zero does not wait. */
    public Workers stopWait(Duration wait) {
        this.stopWait = Objects.requireNonNull(wait);
        return this;
    }

    /** The message of the {@link FastcopyException#INTERRUPTED} thrown when the waiting thread is interrupted. */
    public Workers interruptedMessage(String message) {
        this.interruptedMessage = Objects.requireNonNull(message);
        return this;
    }

    /** Runs the body on every worker and waits for all of them; throws the first failure. */
    public <R> List<R> run(Body<R> body) {
        try (Running<R> running = start(body)) {
            return running.await();
        }
    }

    /** Starts the workers and returns at once; {@link Running#close()} them in finally. */
    public <R> Running<R> start(Body<R> body) {
        Running<R> running = new Running<>(this);
        try {
            running.launch(body);
        } catch (RuntimeException | Error e) {
            running.close();
            throw e;
        }
        return running;
    }

    /** Workers that have been started. */
    public static final class Running<R> implements AutoCloseable {
        private final Workers config;
        private final List<Thread> threads = new ArrayList<>();
        private final Object[] results;
        private final AtomicBoolean stopped = new AtomicBoolean();
        private final AtomicReference<Throwable> first = new AtomicReference<>();
        private final ConcurrentLinkedQueue<Throwable> later = new ConcurrentLinkedQueue<>();
        private boolean waited;

        private Running(Workers config) {
            this.config = config;
            this.results = new Object[config.count];
        }

        private void launch(Body<R> body) {
            for (int i = 1; i <= config.count; i++) {
                int index = i;
                Worker worker = new Worker() {
                    @Override
                    public int index() {
                        return index;
                    }

                    @Override
                    public boolean stopped() {
                        return stopped.get();
                    }
                };
                Thread t = new Thread(() -> {
                    try {
                        results[index - 1] = body.run(worker);
                    } catch (Throwable e) {
                        // Anything, even an Error, must reach the waiting thread: a worker that
                        // dies silently would leave its share of the work undone.
                        failed(e);
                    }
                }, config.name + "-" + index);
                t.setDaemon(true);
                threads.add(t);
                t.start();
            }
        }

        private void failed(Throwable e) {
            if (first.compareAndSet(null, e)) {
                stop();
            } else {
                later.add(e);
            }
        }

        /** Marks the run stopped and runs the stop hook, once; does not wait. */
        private void stop() {
            if (stopped.compareAndSet(false, true)) {
                config.onStop.run();
            }
        }

        /** True once the run was stopped (a failure, an interrupt, {@link #stop()}). */
        private boolean stopped() {
            return stopped.get();
        }

        /**
         * Waits for every worker; returns their results in worker order, or throws the first
         * failure (the later ones suppressed in it).
         */
        @SuppressWarnings("unchecked")
        public List<R> await() {
            try {
                for (Thread t : threads) {
                    t.join();
                }
            } catch (InterruptedException e) {
                stopAndWait();
                Thread.currentThread().interrupt();
                throw new FastcopyException(FastcopyException.INTERRUPTED, config.interruptedMessage);
            }
            Throwable f = first.get();
            if (f != null) {
                for (Throwable other : later) {
                    if (other != f) {
                        f.addSuppressed(other);
                    }
                }
                if (f instanceof RuntimeException re) {
                    throw re;
                }
                if (f instanceof Error err) {
                    throw err;
                }
                throw new FastcopyException(FastcopyException.FAILED, config.name + " failed: " + f, f);
            }
            return (List<R>) Arrays.asList(results.clone());
        }

        /** Stops the workers still alive, interrupts them and waits up to the stop wait; keeps the interrupt flag. */
        @Override
        public void close() {
            if (!waited && threads.stream().anyMatch(Thread::isAlive)) {
                stopAndWait();
            }
        }

        private void stopAndWait() {
            waited = true;
            stop();
            threads.forEach(Thread::interrupt);
            // Waiting on an interrupt too: the workers roll back and close their sessions, so the
            // run's end finds no transaction of ours open. The flag is restored afterwards.
            boolean interrupted = Thread.interrupted();
            long deadline = System.nanoTime() + config.stopWait.toNanos();
            for (Thread t : threads) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                try {
                    t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                } catch (InterruptedException e) {
                    interrupted = true;
                    break;
                }
            }
            long alive = threads.stream().filter(Thread::isAlive).count();
            if (alive > 0 && !config.stopWait.isZero()) {
                log.warn("{}: {} worker(s) still running {} ms after the stop", config.name, alive,
                        config.stopWait.toMillis());
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
