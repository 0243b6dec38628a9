package org.fastcopy.cluster;

import org.fastcopy.FastcopyException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.List;

/**
 * initdb and postgres refuse to run as root. When we are root (CI and these sessions are), the
 * server programs run as the {@code postgres} OS user through runuser, on directories that user
 * owns; otherwise they run as ourselves.
 */
final class OsUser {
    static final String SERVER_USER = "postgres";

    private OsUser() {
    }

    static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** The command, wrapped so that it runs as the server user when we are root. */
    static List<String> asServerUser(List<String> command) {
        if (!isRoot()) {
            return command;
        }
        List<String> wrapped = new ArrayList<>(List.of("runuser", "-u", SERVER_USER, "--"));
        wrapped.addAll(command);
        return wrapped;
    }

    /** Hands a directory we created to the server user (no-op when we are not root). */
    static void giveToServerUser(Path dir) {
        if (!isRoot()) {
            return;
        }
        try {
            UserPrincipal owner = dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(SERVER_USER);
            Files.setOwner(dir, owner);
        } catch (IOException e) {
            throw new FastcopyException(FastcopyException.FAILED, "running as root needs an OS user '" + SERVER_USER
                    + "' to own " + dir + " (initdb refuses root): " + e.getMessage(), e);
        }
    }
}
