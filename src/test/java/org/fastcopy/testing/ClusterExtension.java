package org.fastcopy.testing;

import org.fastcopy.cluster.LocalCluster;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Gives tests a {@link TestClusters}: two real PostgreSQL servers (flux1 and flux2 roles), started
 * once per test JVM under {@code target/test-clusters} and stopped when the JVM's test plan ends
 * (the root store closes them). A run killed halfway leaves servers that the next run's start
 * stops by their data directories.
 */
public final class ClusterExtension implements ParameterResolver {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(ClusterExtension.class);

    @Override
    public boolean supportsParameter(ParameterContext p, ExtensionContext ctx) {
        return p.getParameter().getType() == TestClusters.class;
    }

    @Override
    public Object resolveParameter(ParameterContext p, ExtensionContext ctx) {
        return ctx.getRoot().getStore(NS)
                .getOrComputeIfAbsent("clusters", k -> new Holder(), Holder.class)
                .clusters;
    }

    /** Closed by JUnit when the root context ends, i.e. after the last test class. */
    private static final class Holder implements ExtensionContext.Store.CloseableResource, AutoCloseable {
        final TestClusters clusters;
        private final LocalCluster flux1;
        private final LocalCluster flux2;

        private final FileChannel lockChannel;

        Holder() {
            // Each concurrent test JVM in this tree (two mvn runs at once) takes its own slot, found
            // by an exclusive lock; a slot nobody holds may still have servers from a killed run,
            // which LocalCluster.start stops before reusing the directory.
            FileChannel chosen = null;
            Path base = null;
            for (int slot = 0; chosen == null; slot++) {
                base = Path.of("target", "test-clusters", "slot-" + slot);
                chosen = tryLock(base);
            }
            lockChannel = chosen;
            flux1 = LocalCluster.start("flux1", base);
            LocalCluster second;
            try {
                second = LocalCluster.start("flux2", base);
            } catch (RuntimeException e) {
                flux1.stop();
                throw e;
            }
            flux2 = second;
            clusters = new TestClusters(flux1, flux2);
        }

        private static FileChannel tryLock(Path dir) {
            try {
                Files.createDirectories(dir);
                dir.toFile().setExecutable(true, false);
                dir.getParent().toFile().setExecutable(true, false);
                FileChannel ch = FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                if (ch.tryLock() != null) {
                    return ch;
                }
                ch.close();
                return null;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void close() throws IOException {
            try {
                flux1.stop();
            } finally {
                try {
                    flux2.stop();
                } finally {
                    lockChannel.close();
                }
            }
        }
    }
}
