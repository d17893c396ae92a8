package dev.mdeq.runstore.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Local scratch folders (checkpoint copies, work folders, downloaded weights). */
public final class LocalFolders {
    private LocalFolders() {
    }

    /**
     * Deletes {@code folder} and everything in it; nothing happens when it does not exist.
     *
     * @param what what the folder is, for the error message (e.g. "the local checkpoint copy")
     * @throws UncheckedIOException naming {@code what} and the folder when something cannot be deleted
     */
    public static void deleteRecursively(Path folder, String what) {
        if (folder == null || !Files.exists(folder)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(folder)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + what + " " + folder, e);
        }
    }

    /** Creates a temporary folder whose name starts with {@code prefix}. */
    public static Path createTemporary(String prefix) {
        try {
            return Files.createTempDirectory(prefix);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary folder " + prefix + "...", e);
        }
    }

    /** Deletes a temporary folder, best effort: a leftover one is harmless and must not hide the result. */
    public static void deleteTemporary(Path folder) {
        try {
            deleteRecursively(folder, "the temporary folder");
        } catch (UncheckedIOException e) {
            // left behind; the operating system's temporary space is cleaned independently
        }
    }
}
