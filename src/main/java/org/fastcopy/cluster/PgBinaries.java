package org.fastcopy.cluster;

import org.fastcopy.FastcopyException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Finds a PostgreSQL installation's bin directory. Order: PG_BIN, then {@code pg_config --bindir},
 * then the newest {@code /usr/lib/postgresql/<major>/bin} (Debian's layout, where the server
 * binaries are not on PATH). A candidate counts only if it holds every program asked for.
 */
public final class PgBinaries {
    private static final Path DEBIAN_ROOT = Path.of("/usr/lib/postgresql");

    private static final Pattern VERSION = Pattern.compile("\\(PostgreSQL\\) (\\d+)(?:\\.(\\d+))?(?:\\.(\\d+))?");
    private static final List<String> SERVER_PROGRAMS = List.of("initdb", "pg_ctl", "postgres");

    private final Path bindir;

    private PgBinaries(Path bindir) {
        this.bindir = bindir;
    }

    public Path bindir() {
        return bindir;
    }

    public Path program(String name) {
        return bindir.resolve(name);
    }

    /**
     * The server programs in exactly {@code dir} (a PostgreSQL of another major version than the
     * installed one, e.g. unpacked from Maven for the version tests); no search.
     */
    public static PgBinaries serverAt(Path dir) {
        List<String> missing = SERVER_PROGRAMS.stream().filter(p -> !Files.isExecutable(dir.resolve(p))).toList();
        if (!missing.isEmpty()) {
            throw new FastcopyException(FastcopyException.FAILED, dir + " holds no executable " + String.join(" or ", missing)
                    + ": not the bin directory of a PostgreSQL server");
        }
        return new PgBinaries(dir);
    }

    /**
     * The version of these server programs from {@code postgres --version}, numbered as the
     * server's server_version_num: "9.6.24" is 90624, "12.22" is 120022.
     */
    public int serverVersionNum() {
        try {
            Process p = new ProcessBuilder(program("postgres").toString(), "--version").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new FastcopyException(FastcopyException.FAILED, program("postgres") + " --version failed: " + out);
            }
            return parseVersionNum(out);
        } catch (IOException e) {
            throw new FastcopyException(FastcopyException.FAILED, program("postgres") + " --version could not run: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FastcopyException(FastcopyException.INTERRUPTED, program("postgres") + " --version interrupted");
        }
    }

    /** "postgres (PostgreSQL) 9.6.24" is 90624, "postgres (PostgreSQL) 17.2 (Debian 17.2-1)" is 170002. */
    static int parseVersionNum(String versionLine) {
        Matcher m = VERSION.matcher(versionLine);
        if (!m.find()) {
            throw new FastcopyException(FastcopyException.FAILED, "no PostgreSQL version in '" + versionLine + "'");
        }
        int first = Integer.parseInt(m.group(1));
        int second = m.group(2) == null ? 0 : Integer.parseInt(m.group(2));
        int third = m.group(3) == null ? 0 : Integer.parseInt(m.group(3));
        return first >= 10 ? first * 10_000 + second : first * 10_000 + second * 100 + third;
    }

    /** A bin directory holding the server programs (initdb, pg_ctl, postgres). */
    public static PgBinaries server(Map<String, String> env) {
        return find(env, SERVER_PROGRAMS, "PostgreSQL server binaries (initdb, pg_ctl, postgres)");
    }

    /**
     * The client programs of one major version, for pg_dump/pg_restore that must match the source
     * server (an older pg_dump refuses a newer server; a newer one is fine but we prefer the match).
     * Falls back to any installed version not older than {@code major}.
     */
    public static Optional<PgBinaries> clientAtLeast(Map<String, String> env, int major) {
        List<Path> candidates = new ArrayList<>(debianBindirsNewestFirst());
        candidates.sort(Comparator.comparingInt(PgBinaries::majorOf));
        for (Path dir : candidates) {
            if (majorOf(dir) >= major && hasAll(dir, List.of("pg_dump", "pg_restore"))) {
                return Optional.of(new PgBinaries(dir));
            }
        }
        String pgBin = env.get("PG_BIN");
        if (pgBin != null && hasAll(Path.of(pgBin), List.of("pg_dump", "pg_restore"))) {
            return Optional.of(new PgBinaries(Path.of(pgBin)));
        }
        return Optional.empty();
    }

    /** The newest installed pg_dump/pg_restore of any version (Debian's layout), for messages. */
    public static Optional<PgBinaries> newestClient() {
        return debianBindirsNewestFirst().stream().filter(d -> hasAll(d, List.of("pg_dump", "pg_restore")))
                .findFirst().map(PgBinaries::new);
    }

    /**
     * pg_dump and pg_restore from exactly {@code dir}, as a user named it ({@code option} in the
     * message); no search, so a wrong directory is an error rather than a silent fallback.
     */
    public static PgBinaries at(Path dir, String option) {
        List<String> missing = List.of("pg_dump", "pg_restore").stream().filter(p -> !Files.isExecutable(dir.resolve(p))).toList();
        if (!missing.isEmpty()) {
            throw new FastcopyException(FastcopyException.USAGE, option + " " + dir + " holds no executable "
                    + String.join(" or ", missing) + ": point it at the bin directory of PostgreSQL client programs");
        }
        return new PgBinaries(dir);
    }

    private static PgBinaries find(Map<String, String> env, List<String> programs, String what) {
        List<Path> tried = new ArrayList<>();
        String pgBin = env.get("PG_BIN");
        if (pgBin != null && !pgBin.isBlank()) {
            tried.add(Path.of(pgBin));
        }
        pgConfigBindir().ifPresent(tried::add);
        tried.addAll(debianBindirsNewestFirst());
        for (Path dir : tried) {
            if (hasAll(dir, programs)) {
                return new PgBinaries(dir);
            }
        }
        throw new FastcopyException(FastcopyException.FAILED, "no " + what + " found in PG_BIN, pg_config --bindir or "
                + DEBIAN_ROOT + "/*/bin: install the postgresql package or set PG_BIN");
    }

    private static boolean hasAll(Path dir, List<String> programs) {
        return programs.stream().allMatch(p -> Files.isExecutable(dir.resolve(p)));
    }

    private static Optional<Path> pgConfigBindir() {
        try {
            Process p = new ProcessBuilder("pg_config", "--bindir").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            if (p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0 && !out.isEmpty()) {
                return Optional.of(Path.of(out));
            }
        } catch (IOException e) {
            // pg_config is optional (it ships with libpq-dev on Debian)
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return Optional.empty();
    }

    private static List<Path> debianBindirsNewestFirst() {
        if (!Files.isDirectory(DEBIAN_ROOT)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(DEBIAN_ROOT)) {
            return s.map(d -> d.resolve("bin"))
                    .filter(Files::isDirectory)
                    .sorted(Comparator.comparingInt(PgBinaries::majorOf).reversed())
                    .toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** /usr/lib/postgresql/15/bin -> 15; anything unparseable sorts first. */
    static int majorOf(Path bindir) {
        Path parent = bindir.getParent();
        if (parent == null) {
            return -1;
        }
        try {
            return (int) Double.parseDouble(parent.getFileName().toString());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
