package org.fastcopy.generate;

import static org.fastcopy.generate.Vocabulary.pick;

import java.util.SplittableRandom;

/**
 * The free texts of the dimension tables: descriptions, environments, result messages. Each id
 * gets a distinct text (the id is part of it), a share of them non-ASCII.
 */
final class Texts {
    private static final String[] DESCRIPTION_EXTRAS = {
        " Nightly regression run; compare with the previous snapshot before filing a ticket.",
        " Run by Jürgen Müller's cron job at HLRS.",
        " 東京 cluster, queue 'short', 2 nodes per job.",
        " Pruebas de año nuevo en España: señal ñ correcta.",
        " Tests with the new openib BTL defaults (eager limit raised).",
        " Only collectives; point-to-point ran in the morning job.",
        " Rerun after the NFS outage.",
        " Heterogeneous run: mixed endianness between the head node and compute nodes."};
    private static final String[] MESSAGES_FAIL = {"Failed; exit status: ", "Failed; signal ",
        "Failed: MPI_ABORT was invoked on rank ", "Failed: test did not find expected output, code "};
    private static final String[] MESSAGES_PASS = {"Passed", "Success", "Passed; exit status 0, run ",
        "Passed (all ranks reported), run "};

    private Texts() {
    }

    static CharSequence description(SplittableRandom rng, int id) {
        StringBuilder sb = new StringBuilder(160);
        sb.append(pick(rng, Vocabulary.BRANCHES)).append(" tested on ").append(pick(rng, Vocabulary.MACHINES))
                .append(" (").append(pick(rng, Vocabulary.ORGS)).append("), configuration #").append(id).append('.');
        int extras = rng.nextInt(4);
        for (int k = 0; k < extras; k++) {
            sb.append(pick(rng, DESCRIPTION_EXTRAS));
        }
        return sb;
    }

    static CharSequence environment(SplittableRandom rng, int id) {
        StringBuilder sb = new StringBuilder(400);
        sb.append("export MTT_RUN=").append(id).append('\n');
        sb.append("export PATH=/home/mtt/scratch/").append(Long.toString(104729L * id, 36)).append("/bin:$PATH\n");
        int lines = 1 + rng.nextInt(8);
        for (int k = 0; k < lines; k++) {
            switch (rng.nextInt(4)) {
                case 0 -> sb.append("export OMPI_MCA_btl=").append(pick(rng, Vocabulary.INTERCONNECTS))
                        .append(",self\n");
                case 1 -> sb.append("export LD_LIBRARY_PATH=/opt/").append(pick(rng, Vocabulary.COMPILERS))
                        .append("/lib64:$LD_LIBRARY_PATH\n");
                case 2 -> sb.append("ulimit -s ").append(8192 << rng.nextInt(4)).append('\n');
                default -> sb.append("export LANG=").append(rng.nextBoolean() ? "de_DE.UTF-8" : "ja_JP.UTF-8")
                        .append('\n');
            }
        }
        return sb;
    }

    /** A message of one outcome: 0 fail, 1 pass, 2 skipped, 3 timed out. */
    static CharSequence resultMessage(SplittableRandom rng, int id, int outcome) {
        return switch (outcome) {
            case 0 -> pick(rng, MESSAGES_FAIL) + (1 + rng.nextInt(255)) + " (message " + id + ")";
            case 1 -> pick(rng, MESSAGES_PASS) + " [" + id + "]";
            case 2 -> "Skipped: test exited with status 77; feature not built (" + id + ")";
            default -> "Timed out after " + (60 * (1 + rng.nextInt(30))) + " seconds; killed (" + id + ")";
        };
    }

    static CharSequence testNameDescription(SplittableRandom rng, String name) {
        String base = "Checks " + name + " with " + (1 << rng.nextInt(8)) + " ranks";
        return rng.nextInt(10) == 0 ? base + "; author: Müller (東京)" : base;
    }

    /** Appends x with three decimals, without the cost of String.format. */
    static void appendFixed3(StringBuilder sb, double x) {
        if (x < 0) {
            sb.append('-');
            x = -x;
        }
        long thousandths = Math.round(x * 1000);
        sb.append(thousandths / 1000).append('.');
        long frac = thousandths % 1000;
        if (frac < 100) {
            sb.append('0');
        }
        if (frac < 10) {
            sb.append('0');
        }
        sb.append(frac);
    }
}
