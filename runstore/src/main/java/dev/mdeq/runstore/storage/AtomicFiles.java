package dev.mdeq.runstore.storage;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.UUID;

/** Writes a file so that readers see the old content or the new one, never a part. */
final class AtomicFiles {

    /** Produces the content of a file. */
    interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    private AtomicFiles() {
    }

    /**
     * Writes {@code content} to a temporary file in {@code target}'s folder (which must exist),
     * forces it to disk, then renames it over {@code target}. On any failure the temporary file is
     * removed and {@code target} is left as it was.
     */
    static void write(Path target, Content content) throws IOException {
        Path temp = target.resolveSibling(ObjectKeys.RESERVED_PREFIX + UUID.randomUUID());
        boolean moved = false;
        try {
            writeDurably(temp, content);
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            moved = true;
        } finally {
            if (!moved) {
                Files.deleteIfExists(temp);
            }
        }
    }

    /**
     * Creates {@code target} with {@code content} only if it does not exist: the content goes to a
     * temporary file (forced to disk) that is then hard-linked to {@code target}, which fails
     * atomically when {@code target} exists. Returns false (and leaves {@code target} alone) then.
     * Where hard links are not supported, a rename without replace is used: that check and the
     * rename are two steps, so two racing creators could both succeed there.
     */
    static boolean create(Path target, Content content) throws IOException {
        Path temp = target.resolveSibling(ObjectKeys.RESERVED_PREFIX + UUID.randomUUID());
        try {
            writeDurably(temp, content);
            try {
                Files.createLink(target, temp);
            } catch (UnsupportedOperationException e) {
                Files.move(temp, target);
            }
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** Writes a new file and forces it to disk. */
    private static void writeDurably(Path file, Content content) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            OutputStream out = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16);
            content.writeTo(out);
            out.flush();
            // Durable before it becomes visible: a pointer must never name a file still in the page cache only.
            channel.force(true);
        }
    }

    /** True for the temporary files {@link #write} leaves behind when a process dies mid-write. */
    static boolean isTemporary(Path file) {
        return file.getFileName().toString().startsWith(ObjectKeys.RESERVED_PREFIX);
    }
}
