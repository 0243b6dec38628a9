package org.fastcopy.cli;

import org.fastcopy.FastcopyException;
import org.fastcopy.endpoint.Endpoint;
import org.fastcopy.endpoint.EndpointResolver;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

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
        return EndpointResolver.fromSystem(serviceFiles(hostsFile), List.of(home().resolve("conf").resolve("hosts.conf")))
                .resolve(spec);
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

    /** The databases of --db, or else the one database --src names. */
    static List<String> databases(List<String> given, Endpoint source) {
        List<String> dbs = given != null ? given : source.database() == null ? List.of() : List.of(source.database());
        if (dbs.isEmpty()) {
            throw new FastcopyException(FastcopyException.USAGE, "--db is missing and --src names no database");
        }
        return dbs;
    }

    /** Where fastcopy is installed: set by bin/fastcopy, else the working directory. */
    static Path home() {
        String home = System.getProperty("fastcopy.home");
        return home == null ? Path.of("") : Path.of(home);
    }
}
