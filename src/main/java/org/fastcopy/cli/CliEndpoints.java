package org.fastcopy.cli;

import org.fastcopy.FastcopyException;
import org.fastcopy.endpoint.Endpoint;
import org.fastcopy.endpoint.EndpointResolver;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * How the commands turn --src/--dst into endpoints: the --hosts-file the user named (it must
 * exist) first, then libpq's PGSERVICEFILE or ~/.pg_service.conf and PGSYSCONFDIR, and last
 * fastcopy's shipped conf/hosts.conf, so the example never shadows the user's own services.
 */
final class CliEndpoints {
    private CliEndpoints() {
    }

    static Endpoint resolve(String spec, Path hostsFile, String option) {
        if (spec == null || spec.isBlank()) {
            throw new FastcopyException(FastcopyException.USAGE, option + " is missing");
        }
        return resolver(hostsFile).resolve(spec);
    }

    private static EndpointResolver resolver(Path hostsFile) {
        return EndpointResolver.fromSystem(serviceFiles(hostsFile), List.of(home().resolve("conf").resolve("hosts.conf")));
    }

    static List<Path> serviceFiles(Path hostsFile) {
        List<Path> files = new ArrayList<>();
        if (hostsFile != null) {
            if (!Files.isReadable(hostsFile)) {
                throw new FastcopyException(FastcopyException.USAGE, "--hosts-file " + hostsFile + " does not exist or is not readable");
            }
            files.add(hostsFile);
        }
        return files;
    }

    /**
     * One database on each side. The names differ only when --dst names another database than
     * --src: then every line a command prints names both.
     */
    record DatabasePair(String source, String target) {
        boolean renamed() {
            return !source.equals(target);
        }

        /** "db1", or "db1 -> db2" when the target's name differs. */
        String label() {
            return renamed() ? source + " -> " + target : source;
        }
    }

    /**
     * Which database is compared or copied with which. Without --db: the database of --src (libpq's
     * default when it names none) and, on the target, the one --dst names, else the same name.
     * With --db: each name on both sides, and a database typed in --src or --dst (a URI's path,
     * dbname=) must be that one name: ignoring it would compare or copy a database the user did
     * not name. A service's dbname= is a default, which --db replaces.
     */
    static List<DatabasePair> databases(List<String> given, String srcSpec, Endpoint source, String dstSpec,
                                        Endpoint target, Path hostsFile) {
        EndpointResolver resolver = resolver(hostsFile);
        if (given == null) {
            String targetDb = resolver.databaseOrigin(dstSpec) == EndpointResolver.DatabaseOrigin.DEFAULT
                    ? source.database() : target.database();
            return List.of(new DatabasePair(source.database(), targetDb));
        }
        if (given.isEmpty()) {
            throw new FastcopyException(FastcopyException.USAGE, "--db names no database");
        }
        typedAgrees(resolver, srcSpec, source, "--src", given);
        typedAgrees(resolver, dstSpec, target, "--dst", given);
        return given.stream().map(db -> new DatabasePair(db, db)).toList();
    }

    private static void typedAgrees(EndpointResolver resolver, String spec, Endpoint endpoint, String option,
                                    List<String> given) {
        if (resolver.databaseOrigin(spec) != EndpointResolver.DatabaseOrigin.TYPED
                || given.equals(List.of(endpoint.database()))) {
            return;
        }
        throw new FastcopyException(FastcopyException.USAGE, option + " names database " + quoted(endpoint.database())
                + " and --db names " + given.stream().map(CliEndpoints::quoted).collect(Collectors.joining(", "))
                + ": name the databases in one place (--db means the same names on both sides)");
    }

    /**
     * One name of --db, after picocli split the value on commas. picocli does not split inside
     * double quotes and keeps them, so a name holding a comma is written as SQL writes an
     * identifier: {@code --db '"a,b",c'} names {@code a,b} and {@code c} ({@code ""} inside the
     * quotes stands for one {@code "}).
     */
    static final class DatabaseName implements picocli.CommandLine.ITypeConverter<String> {
        @Override
        public String convert(String value) {
            if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                return value.substring(1, value.length() - 1).replace("\"\"", "\"");
            }
            return value;
        }
    }

    /** A database name as a message shows it: quoted, as SQL would, even when empty. */
    static String quoted(String name) {
        return '"' + name.replace("\"", "\"\"") + '"';
    }

    /** Where fastcopy is installed: set by bin/fastcopy, else the working directory. */
    static Path home() {
        String home = System.getProperty("fastcopy.home");
        return home == null ? Path.of("") : Path.of(home);
    }
}
