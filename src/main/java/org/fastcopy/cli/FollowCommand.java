package org.fastcopy.cli;

import org.fastcopy.FastcopyException;
import org.fastcopy.endpoint.Connections;
import org.fastcopy.endpoint.Endpoint;
import org.fastcopy.follow.FollowSpec;
import org.fastcopy.follow.SlotCleanup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code fastcopy follow --drop-slot}: removes what a following run left on the source (its slot,
 * which holds WAL until dropped, and its publications). Following itself is {@code fastcopy ... --follow}.
 */
@Command(name = "follow",
        mixinStandardHelpOptions = true,
        showDefaultValues = true,
        sortOptions = false,
        description = {"Manages what a following run (fastcopy --follow) leaves on the source.",
                "--drop-slot drops its replication slot (which keeps WAL on the source until it is read on or dropped) "
                        + "and its publications; a following run still using the slot must be stopped first.",
                "--status prints whether the slot exists and how much WAL it holds."},
        footer = {"", "Examples:",
                "  fastcopy follow --drop-slot --src flux1 --db mttv3",
                "  fastcopy follow --status --src flux1 --db mttv3"})
public final class FollowCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--src", required = true, paramLabel = "ENDPOINT", description = "The source server.")
    String src;

    @Option(names = "--db", paramLabel = "NAME", description = "The database followed (default: the database of --src).")
    String database;

    @Option(names = "--slot-name", paramLabel = "NAME", description = "The slot (default: fastcopy_ and the database name).")
    String slotName;

    @Option(names = "--drop-slot", description = "Drop the slot and its publications.")
    boolean dropSlot;

    @Option(names = "--status", description = "Print whether the slot exists and the WAL it holds.")
    boolean status;

    @Option(names = "--hosts-file", paramLabel = "FILE", description = "A pg_service.conf-format file of endpoint names.")
    Path hostsFile;

    @Override
    public Integer call() {
        if (dropSlot == status) {
            throw new FastcopyException(FastcopyException.USAGE, "follow needs exactly one of --drop-slot and --status");
        }
        Endpoint source = CliEndpoints.resolve(src, hostsFile, "--src");
        if (database != null) {
            source = source.withDatabase(database);
        }
        if (source.database() == null) {
            throw new FastcopyException(FastcopyException.USAGE, "--db is missing and --src names no database");
        }
        String slot = slotName != null ? slotName : FollowSpec.defaultSlotName(source.database());
        String line = dropSlot ? SlotCleanup.drop(Connections.fromSystem(), source, slot)
                : SlotCleanup.status(Connections.fromSystem(), source, slot);
        spec.commandLine().getOut().println(line);
        spec.commandLine().getOut().flush();
        return 0;
    }
}
