package org.fastcopy.generate;

import static org.fastcopy.generate.Vocabulary.pick;

import java.util.SplittableRandom;

/**
 * Captured stdout and stderr, the bulk of production's bytes. Lengths are very uneven, as they
 * are in production: most outputs are a few lines, a fifth are kilobytes, a few are tens of
 * kilobytes and about one in a thousand is a runaway log of 100 KB or more. The lines carry
 * varying numbers so that TOAST compression shrinks them about as much as real logs.
 */
final class OutputText {
    private static final String[] CHECKS = {"for gcc", "whether the C compiler works", "for C compiler default output",
        "for suffix of executables", "whether we are cross compiling", "for pthread_create in -lpthread",
        "for ibv_open_device in -libverbs", "size of long", "alignment of double", "for sys/mman.h",
        "if Fortran compiler works", "for __sync builtin atomics", "whether to enable heterogeneous support"};
    private static final String[] CHECK_ANSWERS = {"yes", "no", "gcc", "8", "4", "none needed", "(cached) yes"};
    private static final String[] WARNINGS = {"mca_btl_openib: warning: retrying connection to ",
        "WARNING: There are more than one active ports on host ", "mca_oob_tcp: peer unreachable at ",
        "WARNING: registered memory limit too low on ", "plm:base:receive stop comm, node "};
    private static final String[] FAILURES = {"Segmentation fault (11)", "Bus error (7)",
        "MPI_ERR_TRUNCATE: message truncated", "MPI_ERR_COMM: invalid communicator", "Assertion `count >= 0' failed.",
        "free(): invalid pointer"};

    private OutputText() {
    }

    /** stdout of one test run. */
    static void testRunStdout(StringBuilder sb, SplittableRandom rng, int np, String test, boolean performance) {
        int target = targetLength(rng);
        int line = 0;
        do {
            if (performance && line % 2 == 0) {
                perfLine(sb, rng, line);
            } else if (sb.length() > 4096 && rng.nextInt(4) != 0) {
                warningLine(sb, rng);
            } else {
                helloLine(sb, rng, line % Math.max(1, np), np, test);
            }
            line++;
        } while (sb.length() < target);
    }

    /** stderr of one test run: usually empty, longer when the test failed or timed out. */
    static void testRunStderr(StringBuilder sb, SplittableRandom rng, int testResult) {
        switch (testResult) {
            case 1 -> {
                if (rng.nextInt(10) == 0) {
                    warningLine(sb, rng);
                }
            }
            case 0 -> {
                int lines = 1 + rng.nextInt(25);
                for (int k = 0; k < lines; k++) {
                    sb.append("[node").append(rng.nextInt(512)).append(':').append(rng.nextInt(99_999))
                            .append("] *** Process received signal: ").append(pick(rng, FAILURES))
                            .append(" at address 0x").append(Long.toHexString(rng.nextLong() & 0xFFFFFFFFFFFL))
                            .append('\n');
                }
            }
            case 3 -> sb.append("mpirun: killing job...\n\n--------------------------------------------------\n"
                    + "mpirun noticed that the job aborted, but has no info as to the process\n"
                    + "that caused that situation.\n");
            default -> sb.append("Test skipped: exit status 77\n");
        }
    }

    /** stdout of an MPI install: configure and make, kilobytes to tens of kilobytes. */
    static void installStdout(StringBuilder sb, SplittableRandom rng) {
        int target = 2_000 + rng.nextInt(20_000);
        while (sb.length() < target) {
            if (rng.nextInt(3) == 0) {
                sb.append("  CC       ").append(pick(rng, Vocabulary.TEST_WORDS)).append('_')
                        .append(rng.nextInt(1000)).append(".lo\n");
            } else {
                sb.append("checking ").append(pick(rng, CHECKS)).append("... ").append(pick(rng, CHECK_ANSWERS))
                        .append('\n');
            }
        }
    }

    /** stdout of a test build: compiler lines, up to a few kilobytes. */
    static void buildStdout(StringBuilder sb, SplittableRandom rng) {
        int target = 300 + rng.nextInt(rng.nextInt(10) == 0 ? 12_000 : 2_500);
        while (sb.length() < target) {
            sb.append("mpicc -g -O").append(rng.nextInt(4)).append(" -c ").append(pick(rng, Vocabulary.TEST_WORDS))
                    .append(".c -o ").append(pick(rng, Vocabulary.TEST_WORDS)).append(rng.nextInt(100)).append(".o\n");
        }
    }

    private static int targetLength(SplittableRandom rng) {
        double u = rng.nextDouble();
        if (u < 0.001) {
            return 100_000 + rng.nextInt(300_000);
        }
        if (u < 0.02) {
            return 8_000 + rng.nextInt(52_000);
        }
        if (u < 0.20) {
            return 1_000 + rng.nextInt(5_000);
        }
        return 40 + rng.nextInt(360);
    }

    private static void helloLine(StringBuilder sb, SplittableRandom rng, int rank, int np, String test) {
        if (rng.nextInt(50) == 0) {
            sb.append(pick(rng, Vocabulary.WORLD_GREETINGS));
        } else {
            sb.append("Hello, world");
        }
        sb.append(", I am ").append(rank).append(" of ").append(np).append(" (").append(test)
                .append(", pid ").append(1000 + rng.nextInt(60_000)).append(")\n");
    }

    private static void perfLine(StringBuilder sb, SplittableRandom rng, int line) {
        sb.append("  ").append(1L << Math.min(22, line / 2)).append("  ").append(1000).append("  ");
        Texts.appendFixed3(sb, 0.5 + rng.nextDouble() * 200);
        sb.append("  ");
        Texts.appendFixed3(sb, rng.nextDouble() * 5000);
        sb.append('\n');
    }

    private static void warningLine(StringBuilder sb, SplittableRandom rng) {
        sb.append('[').append(pick(rng, Vocabulary.MACHINES).toLowerCase().replace(' ', '-')).append(rng.nextInt(1000))
                .append(':').append(rng.nextInt(99_999)).append("] ").append(pick(rng, WARNINGS))
                .append("10.").append(rng.nextInt(256)).append('.').append(rng.nextInt(256)).append(" (attempt ")
                .append(rng.nextInt(20)).append(")\n");
    }
}
