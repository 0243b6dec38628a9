package org.fastcopy.cli;

import org.fastcopy.FastcopyException;
import org.fastcopy.endpoint.Connections;
import org.fastcopy.endpoint.Endpoint;
import org.fastcopy.follow.FollowLedger;
import org.fastcopy.ledger.Ledger;
import org.fastcopy.pg.ServerError;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;

/**
 * {@code fastcopy cutover}: asks the follower of a target database to cut over, through the
 * target itself (a request in its ledger, which the follower reads a few times a second), and
 * waits for its answer (a NOTIFY sent in the transaction that ends following).
 */
@Command(name = "cutover",
        mixinStandardHelpOptions = true,
        showDefaultValues = true,
        sortOptions = false,
        description = {"Asks the running `fastcopy --follow` of a database to cut over: apply everything committed on "
                + "the source until now, set the target's sequences from the source, drop its slot and publications "
                + "(unless it runs with --keep-slot) and exit 0. Waits for it and prints the LSN reached.",
                "Stop the writes on the source first: what commits after the request is not carried.",
                "The same as sending SIGUSR1 to the follower."},
        footer = {"", "Example:", "  fastcopy cutover --dst flux2 --db mttv3"})
public final class CutoverCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--dst", required = true, paramLabel = "ENDPOINT", description = "The target server being followed into.")
    String dst;

    @Option(names = "--db", paramLabel = "NAME", description = "The database followed (default: the database of --dst).")
    String database;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "600",
            description = "How long to wait for the follower to finish the cutover.")
    long timeoutSeconds;

    @Option(names = "--hosts-file", paramLabel = "FILE", description = "A pg_service.conf-format file of endpoint names.")
    Path hostsFile;

    @Override
    public Integer call() throws InterruptedException {
        if (timeoutSeconds < 1) {
            throw new FastcopyException(FastcopyException.USAGE, "--timeout must be at least 1 second");
        }
        Endpoint target = CliEndpoints.resolve(dst, hostsFile, "--dst");
        if (database != null) {
            target = target.withDatabase(database);
        }
        if (target.database() == null) {
            throw new FastcopyException(FastcopyException.USAGE, "--db is missing and --dst names no database");
        }
        try (Connection c = Connections.fromSystem().open(target, "fastcopy-cutover")) {
            if (!FollowLedger.followed(c)) {
                throw new FastcopyException(FastcopyException.USAGE, target + " is not being followed (no follow "
                        + "position in its ledger): nothing to cut over");
            }
            try (Statement st = c.createStatement()) {
                st.execute("LISTEN " + FollowLedger.CUTOVER_DONE_CHANNEL);
            }
            Ledger.put(c, FollowLedger.CUTOVER_REQUESTED, Instant.now().toString());
            String lsn = await(c, Duration.ofSeconds(timeoutSeconds));
            if (lsn == null) {
                throw new FastcopyException(FastcopyException.FAILED, "no follower cut over " + target + " within "
                        + timeoutSeconds + " s: is fastcopy --follow running for it? The request stays in the ledger; "
                        + "a follower started with --follow --resume cuts over at once");
            }
            spec.commandLine().getOut().println("cutover of " + target.database() + " done at source LSN " + lsn
                    + ": final lag 0 bytes");
            spec.commandLine().getOut().flush();
            return 0;
        } catch (SQLException e) {
            throw new FastcopyException(FastcopyException.FAILED, "cutover of " + target + ": " + ServerError.describe(e), e);
        }
    }

    private static String await(Connection c, Duration timeout) throws SQLException {
        PGConnection pg = c.unwrap(PGConnection.class);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            long waitMillis = Math.max(1, Math.min(1000, (deadline - System.nanoTime()) / 1_000_000));
            PGNotification[] got = pg.getNotifications((int) waitMillis);
            if (got != null) {
                for (PGNotification n : got) {
                    if (FollowLedger.CUTOVER_DONE_CHANNEL.equals(n.getName())) {
                        return n.getParameter();
                    }
                }
            }
        }
        return null;
    }
}
