package org.fastcopy.work;

import org.fastcopy.FastcopyException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

class WorkersTest {

    @Test
    void shouldReturnResultsInWorkerOrderOnNamedThreads() {
        List<String> names = Workers.named("probe", 3).run(w -> w.index() + " " + Thread.currentThread().getName());
        assertThat(names).containsExactly("1 probe-1", "2 probe-2", "3 probe-3");
    }

    @Test
    void shouldThrowTheFirstFailureWithTheOthersSuppressedAndStopOnce() {
        CountDownLatch firstThrown = new CountDownLatch(1);
        AtomicInteger hooks = new AtomicInteger();
        AtomicInteger sawStopped = new AtomicInteger();
        Throwable thrown = catchThrowable(() -> Workers.named("fail", 3).onStop(hooks::incrementAndGet).run(w -> {
            if (w.index() == 1) {
                firstThrown.countDown();
                throw new IllegalStateException("first");
            }
            assertThat(firstThrown.await(10, TimeUnit.SECONDS)).isTrue();
            while (!w.stopped()) {
                Thread.onSpinWait();
            }
            sawStopped.incrementAndGet();
            throw new IllegalStateException("later " + w.index());
        }));
        assertThat(thrown).isInstanceOf(IllegalStateException.class).hasMessage("first");
        assertThat(thrown.getSuppressed()).extracting(Throwable::getMessage)
                .containsExactlyInAnyOrder("later 2", "later 3");
        assertThat(hooks).hasValue(1);
        assertThat(sawStopped).hasValue(2);
    }

    @Test
    void shouldWrapACheckedFailure() {
        Throwable thrown = catchThrowable(() -> Workers.named("checked", 1).run(w -> {
            throw new java.io.IOException("disk");
        }));
        assertThat(thrown).isInstanceOf(FastcopyException.class).hasMessageContaining("checked failed")
                .hasCauseInstanceOf(java.io.IOException.class);
    }

    @Test
    void shouldStopInterruptAndRestoreTheFlagWhenTheWaiterIsInterrupted() throws Exception {
        CountDownLatch started = new CountDownLatch(2);
        AtomicInteger ended = new AtomicInteger();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicReference<Boolean> flag = new AtomicReference<>();
        Thread waiter = new Thread(() -> {
            try {
                Workers.named("slow", 2).stopWait(Duration.ofSeconds(30)).interruptedMessage("slow interrupted")
                        .run(w -> {
                            started.countDown();
                            try {
                                new CountDownLatch(1).await();
                            } finally {
                                ended.incrementAndGet();
                            }
                            return null;
                        });
            } catch (Throwable e) {
                thrown.set(e);
                flag.set(Thread.currentThread().isInterrupted());
            }
        });
        waiter.start();
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        waiter.interrupt();
        waiter.join(30_000);
        assertThat(thrown.get()).isInstanceOf(FastcopyException.class).hasMessage("slow interrupted");
        assertThat(((FastcopyException) thrown.get()).exitCode()).isEqualTo(FastcopyException.INTERRUPTED);
        assertThat(flag.get()).isTrue();
        assertThat(ended).hasValue(2);
    }
}
