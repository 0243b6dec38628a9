package org.fastcopy.endpoint;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Resolvers over a made-up environment, so no test sees the developer's PG* variables or files. */
final class Resolvers {
    static final String OS_USER = "osuser";

    private Resolvers() {
    }

    static EndpointResolver resolver(Path home, Map<String, String> env, Path... extraServiceFiles) {
        return new EndpointResolver(env, home, List.of(extraServiceFiles), OS_USER);
    }

    static EndpointResolver resolver(Path home) {
        return resolver(home, Map.of());
    }

    static Path write(Path file, String text) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            return Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
