package org.fastcopy.generate;

import static org.fastcopy.generate.Vocabulary.pick;

import java.sql.SQLException;
import java.util.SplittableRandom;

/**
 * The rows of the dimension tables: the sentinel 0 first, then ids 1..n. Every table draws from
 * its own random stream, and values under a unique constraint are built from the id so they are
 * distinct without checking.
 */
final class DimensionRows {
    private static final String UNDEF = "undef";
    private static final String[] DOMAINS = {"cs.indiana.edu", "cisco.com", "sun.com", "hlrs.de", "lanl.gov",
        "ornl.gov", "sandia.gov", "riken.jp", "bsc.es", "inria.fr", "titech.ac.jp", "fz-juelich.de"};

    private final long seed;
    private final Dimensions dims;

    DimensionRows(long seed, Dimensions dims) {
        this.seed = seed;
        this.dims = dims;
    }

    /** Rows of one dimension table, sentinel included. */
    CopyLoader.RowSource rowsOf(DimensionTable table) {
        SplittableRandom rng = new SplittableRandom(Seeds.of(seed, table.name(), 0));
        return switch (table.name()) {
            case "compute_cluster" -> out -> computeClusters(out, rng);
            case "submit" -> out -> submits(out, rng);
            case "compiler" -> out -> compilers(out);
            case "mpi_get" -> out -> mpiGets(out, rng);
            case "mpi_install_configure_args" -> out -> configureArgs(out, rng);
            case "description" -> out -> texts(out, dims.descriptions, i -> Texts.description(rng, i));
            case "environment" -> out -> texts(out, dims.environments, i -> Texts.environment(rng, i));
            case "result_message" -> out -> texts(out, dims.messages, i -> Texts.resultMessage(rng, i, i % 4));
            case "test_suites" -> this::testSuites;
            case "test_names" -> out -> testNames(out, rng);
            case "latency_bandwidth" -> out -> latencyBandwidth(out, rng);
            case "performance" -> this::performance;
            case "interconnects" -> this::interconnects;
            case "test_run_networks" -> this::networks;
            case "test_run_command" -> out -> commands(out, rng);
            default -> throw new IllegalArgumentException("no generator for dimension table " + table.name());
        };
    }

    /** How many rows rowsOf(table) writes, sentinel included. */
    static long rowCount(Dimensions dims, DimensionTable table) {
        return 1 + switch (table.name()) {
            case "compute_cluster" -> dims.clusters;
            case "submit" -> dims.submits;
            case "compiler" -> dims.compilers;
            case "mpi_get" -> dims.mpiGets;
            case "mpi_install_configure_args" -> dims.configures;
            case "description" -> dims.descriptions;
            case "environment" -> dims.environments;
            case "result_message" -> dims.messages;
            case "test_suites" -> dims.suites();
            case "test_names" -> dims.testNames;
            case "latency_bandwidth", "performance" -> dims.latencyBandwidths;
            case "interconnects" -> Vocabulary.INTERCONNECTS.length;
            case "test_run_networks" -> dims.networkRows();
            case "test_run_command" -> dims.commands;
            default -> throw new IllegalArgumentException("no generator for dimension table " + table.name());
        };
    }

    private void computeClusters(CopyTextRows out, SplittableRandom rng) throws SQLException {
        out.add(0).addText(UNDEF).addText(UNDEF).addText(UNDEF).addText(UNDEF).addText(UNDEF).endRow();
        int orgs = Vocabulary.ORGS.length;
        int machines = Vocabulary.MACHINES.length;
        for (int i = 1; i <= dims.clusters; i++) {
            int j = i - 1;
            int generation = j / (orgs * machines);
            // Machine (a + a * orgs + org) % machines, a = j / orgs: for one org, consecutive a give
            // distinct machines because orgs + 1 and machines are coprime, so names stay unique.
            int a = j / orgs;
            String machine = Vocabulary.MACHINES[(a * (orgs + 1) + j % orgs) % machines];
            String name = Vocabulary.ORGS[j % orgs] + " " + machine + (generation == 0 ? "" : " " + (generation + 1));
            out.add(i).addText(name).addText(pick(rng, Vocabulary.HARDWARE))
                    .addText(pick(rng, Vocabulary.PLATFORM_TYPES)).addText(pick(rng, Vocabulary.OS_NAMES))
                    .addText(pick(rng, Vocabulary.OS_VERSIONS)).endRow();
        }
    }

    private void submits(CopyTextRows out, SplittableRandom rng) throws SQLException {
        out.add(0).addText(UNDEF).addText(UNDEF).addText(UNDEF).addText(UNDEF).endRow();
        for (int i = 1; i <= dims.submits; i++) {
            String machine = pick(rng, Vocabulary.MACHINES).toLowerCase().replaceAll("[^a-z0-9]", "");
            String host = machine + String.format("%03d", rng.nextInt(1000)) + "." + pick(rng, DOMAINS);
            out.add(i).addText(host).addText(pick(rng, Vocabulary.USERS)).addText(pick(rng, Vocabulary.HTTP_USERS))
                    .addText(pick(rng, Vocabulary.CLIENT_VERSIONS)).endRow();
        }
    }

    private void compilers(CopyTextRows out) throws SQLException {
        out.add(0).addText(UNDEF).addText(UNDEF).endRow();
        int names = Vocabulary.COMPILERS.length;
        for (int i = 1; i <= dims.compilers; i++) {
            int v = (i - 1) / names;
            // v = 12 major + 3 minor + patch: distinct versions for distinct v.
            String version = (3 + v / 12) + "." + (v / 3 % 4) + "." + (v % 3);
            out.add(i).addText(Vocabulary.COMPILERS[(i - 1) % names]).addText(version).endRow();
        }
    }

    private void mpiGets(CopyTextRows out, SplittableRandom rng) throws SQLException {
        out.add(0).addText(UNDEF).addText(UNDEF).endRow();
        String[] branches = Vocabulary.BRANCHES;
        for (int i = 1; i <= dims.mpiGets; i++) {
            // Ids follow time: the branches of 2006 first, master last; revisions only grow.
            String branch = branches[(int) ((long) (i - 1) * branches.length / dims.mpiGets)];
            int dash = branch.lastIndexOf("-v");
            String base = dash >= 0 ? branch.substring(dash + 2) : "1.9";
            long revision = 10_000L + 53L * i + rng.nextInt(53);
            out.add(i).addText(branch).addText(base + "a1r" + revision).endRow();
        }
    }

    private void configureArgs(CopyTextRows out, SplittableRandom rng) throws SQLException {
        out.add(0).addPlain("00").addPlain("000000").addPlain("00").addText("").endRow();
        String[] vpath = {"00", "01", "10"};
        String[] bitness = {"000100", "001000", "001100"};
        String[] endian = {"01", "10"};
        for (int i = 1; i <= dims.configures; i++) {
            StringBuilder args = new StringBuilder();
            int flags = 1 + rng.nextInt(5);
            for (int f = 0; f < flags; f++) {
                args.append(pick(rng, Vocabulary.CONFIGURE_FLAGS)).append(' ');
            }
            args.append("--prefix=/scratch/mtt/installs/").append(Long.toString(7919L * i, 36)).append("/install");
            out.add(i).addPlain(pick(rng, vpath)).addPlain(pick(rng, bitness)).addPlain(pick(rng, endian))
                    .addText(args).endRow();
        }
    }

    @FunctionalInterface
    private interface TextOf {
        CharSequence of(int id);
    }

    private static void texts(CopyTextRows out, int n, TextOf text) throws SQLException {
        out.add(0).addText("").endRow();
        for (int i = 1; i <= n; i++) {
            out.add(i).addText(text.of(i)).endRow();
        }
    }

    private void testSuites(CopyTextRows out) throws SQLException {
        out.add(0).addText(UNDEF).addText("").endRow();
        for (int s = 1; s <= dims.suites(); s++) {
            Vocabulary.Suite suite = Vocabulary.SUITES.get(s - 1);
            out.add(s).addText(suite.name()).addText(suite.description()).endRow();
        }
    }

    private void testNames(CopyTextRows out, SplittableRandom rng) throws SQLException {
        out.add(0).add(0).addText(UNDEF).addText("").endRow();
        for (int i = 1; i <= dims.testNames; i++) {
            String name = dims.testName[i];
            out.add(i).add(dims.testNameSuite[i]).addText(name)
                    .addText(Texts.testNameDescription(rng, name)).endRow();
        }
    }

    private void latencyBandwidth(CopyTextRows out, SplittableRandom rng) throws SQLException {
        out.add(0);
        for (int k = 0; k < 7; k++) {
            out.addPlain("{}");
        }
        out.endRow();
        for (int i = 1; i <= dims.latencyBandwidths; i++) {
            out.add(i);
            PerformanceArrays.write(out, rng);
            out.endRow();
        }
    }

    private void performance(CopyTextRows out) throws SQLException {
        // One performance row per measurement: performance id k describes latency_bandwidth k.
        for (int i = 0; i <= dims.latencyBandwidths; i++) {
            out.add(i).add(i).endRow();
        }
    }

    private void interconnects(CopyTextRows out) throws SQLException {
        out.add(0).addText(UNDEF).endRow();
        for (int i = 1; i <= Vocabulary.INTERCONNECTS.length; i++) {
            out.add(i).addText(Vocabulary.INTERCONNECTS[i - 1]).endRow();
        }
    }

    private void networks(CopyTextRows out) throws SQLException {
        out.add(0).add(0).add(0).endRow();
        int networkId = 1;
        for (int g = 1; g <= dims.networkGroups; g++) {
            for (int interconnect : dims.networkInterconnects[g]) {
                out.add(networkId++).add(g).add(interconnect).endRow();
            }
        }
    }

    private void commands(CopyTextRows out, SplittableRandom rng) throws SQLException {
        out.add(0).addText(UNDEF).addText(UNDEF).addText("").addText(UNDEF).add(0).endRow();
        for (int c = 1; c <= dims.commands; c++) {
            String line = dims.commandLine[c];
            int space = line.indexOf(' ');
            String launcher = space < 0 ? line : line.substring(0, space);
            String parameters = space < 0 ? "" : line.substring(space + 1);
            int group = 1 + rng.nextInt(dims.networkGroups);
            StringBuilder network = new StringBuilder();
            for (int interconnect : dims.networkInterconnects[group]) {
                network.append(network.length() == 0 ? "" : ",").append(Vocabulary.INTERCONNECTS[interconnect - 1]);
            }
            out.add(c).addText(launcher).addText(pick(rng, Vocabulary.RESOURCE_MANAGERS)).addText(parameters)
                    .addText(network).add(group).endRow();
        }
    }
}
