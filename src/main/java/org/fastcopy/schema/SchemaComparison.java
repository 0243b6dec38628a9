package org.fastcopy.schema;

import org.fastcopy.FastcopyException;
import org.fastcopy.cluster.PgBinaries;
import org.fastcopy.endpoint.Connections;
import org.fastcopy.endpoint.Endpoint;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Compares the schemas of two databases the way a user would check a copy: a plain
 * {@code pg_dump --schema-only} of each, normalised ({@link SchemaNormalizer}) and compared item
 * by item. Uses one pg_dump, new enough for both servers, so both dumps are printed alike.
 */
public final class SchemaComparison {
    private SchemaComparison() {
    }

    /**
     * @param workdir receives source-schema.sql and target-schema.sql, kept for inspection
     * @return the first difference, one line naming the item; empty when the schemas match
     */
    public static Optional<String> compare(Connections connections, Endpoint source, Endpoint target, Path workdir) {
        SchemaDump.ServerVersion sv = SchemaDump.ServerVersion.of(connections, source);
        SchemaDump.ServerVersion tv = SchemaDump.ServerVersion.of(connections, target);
        SchemaDump.ServerVersion newer = sv.major() >= tv.major() ? sv : tv;
        PgBinaries bin = SchemaDump.clientFor(newer, sv.major() >= tv.major() ? "source " + source : "target " + target);
        List<SchemaNormalizer.Item> a = SchemaNormalizer.normalize(plainSchema(bin, connections, source,
                workdir.resolve("source-schema.sql")), source.database());
        List<SchemaNormalizer.Item> b = SchemaNormalizer.normalize(plainSchema(bin, connections, target,
                workdir.resolve("target-schema.sql")), target.database());
        return SchemaNormalizer.difference(a, b);
    }

    private static String plainSchema(PgBinaries bin, Connections connections, Endpoint ep, Path file) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            // --no-subscriptions: the copy leaves them out on purpose (see SchemaDump)
            PgTool.run(List.of(bin.program("pg_dump").toString(), "--schema-only", "--no-subscriptions", "--encoding=UTF8",
                    "--file=" + file), pb -> connections.applyTo(pb, ep), Path.of(file + ".log"), "pg_dump --schema-only of " + ep);
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new FastcopyException(FastcopyException.FAILED, "cannot write or read " + file + ": " + e.getMessage(), e);
        }
    }
}
