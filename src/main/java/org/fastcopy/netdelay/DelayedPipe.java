package org.fastcopy.netdelay;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * One direction of a relayed connection: a reader thread stamps each chunk with the time it may
 * leave, a writer thread sends chunks in order once their time has come. Two threads rather than
 * one so that reading never waits for a delay: the delay adds latency, not a cap on throughput.
 *
 * <p>End of stream travels through the queue like data, so the far side sees its half-close only
 * after every earlier byte, delayed like them. Any I/O error closes both sockets of the connection.
 */
final class DelayedPipe {
    /** Bytes read but not yet written, per direction; bounds memory if the writer side stalls. */
    static final int MAX_IN_FLIGHT = 64 << 20;
    private static final int CHUNK = 64 << 10;

    /** Sees each chunk as it is read, on the reader thread, before it is queued. */
    @FunctionalInterface
    interface Arrival {
        void bytes(byte[] buf, int n);
    }

    private record Chunk(long dueNanos, byte[] bytes) {
        boolean endOfStream() {
            return bytes == null;
        }
    }

    private final LinkedBlockingQueue<Chunk> queue = new LinkedBlockingQueue<>();
    private final Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
    private final Socket from;
    private final Socket to;
    private final long delayNanos;
    private final Runnable closeBoth;
    private final Runnable directionEnded;
    private final Arrival arrived;

    private DelayedPipe(Socket from, Socket to, Duration delay, Runnable closeBoth, Runnable directionEnded,
                        Arrival arrived) {
        this.arrived = arrived;
        this.from = from;
        this.to = to;
        this.delayNanos = delay.toNanos();
        this.closeBoth = closeBoth;
        this.directionEnded = directionEnded;
    }

    /**
     * Starts relaying {@code from} to {@code to}. {@code closeBoth} cuts the connection (any I/O
     * error); {@code directionEnded} runs once this direction has passed its end of stream on;
     * {@code arrived} runs on the reader thread each time bytes arrive, before they are queued.
     */
    static void start(String name, Socket from, Socket to, Duration delay, Runnable closeBoth, Runnable directionEnded,
                      Arrival arrived) {
        DelayedPipe pipe = new DelayedPipe(from, to, delay, closeBoth, directionEnded, arrived);
        Thread reader = new Thread(pipe::readLoop, name + "-read");
        Thread writer = new Thread(pipe::writeLoop, name + "-write");
        reader.setDaemon(true);
        writer.setDaemon(true);
        try {
            reader.start();
            writer.start();
        } catch (OutOfMemoryError | IllegalStateException e) {
            throw new UncheckedIOException(new IOException("cannot start relay threads: " + e, e));
        }
    }

    private void readLoop() {
        byte[] buf = new byte[CHUNK];
        // Not try-with-resources: closing a socket's stream closes the socket, and the other
        // direction may still be sending.
        try {
            InputStream in = from.getInputStream();
            while (true) {
                int n = in.read(buf);
                long due = System.nanoTime() + delayNanos;
                if (n < 0) {
                    queue.put(new Chunk(due, null));
                    return;
                }
                arrived.bytes(buf, n);
                inFlight.acquire(n);
                queue.put(new Chunk(due, Arrays.copyOf(buf, n)));
            }
        } catch (IOException e) {
            closeBoth.run();
            queue.offer(new Chunk(System.nanoTime(), null));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closeBoth.run();
        }
    }

    private void writeLoop() {
        try {
            OutputStream out = to.getOutputStream();
            while (true) {
                Chunk c = queue.poll(1, TimeUnit.HOURS);
                if (c == null) {
                    continue;
                }
                waitUntil(c.dueNanos());
                if (c.endOfStream()) {
                    halfClose();
                    return;
                }
                out.write(c.bytes());
                out.flush();
                inFlight.release(c.bytes().length);
            }
        } catch (IOException e) {
            closeBoth.run();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closeBoth.run();
        }
    }

    /**
     * Passes the end of stream on as a half-close, as the client or server sent it: PostgreSQL's
     * Terminate is followed by a FIN, and a relay that closed both ways at once could cut off
     * bytes still travelling the other way.
     */
    private void halfClose() {
        try {
            to.shutdownOutput();
        } catch (IOException e) {
            closeBoth.run();
            return;
        }
        directionEnded.run();
    }

    /** Parks until {@code due}; parkNanos may return early, so loop on the clock. */
    private static void waitUntil(long due) throws InterruptedException {
        long left;
        while ((left = due - System.nanoTime()) > 0) {
            LockSupport.parkNanos(left);
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
        }
    }
}
