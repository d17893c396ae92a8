package dev.mdeq.model.weights;

import dev.mdeq.runstore.run.InvalidInputException;
import dev.mdeq.runstore.storage.LocalFolders;
import dev.mdeq.runstore.storage.ObjectStore;
import dev.mdeq.runstore.storage.ObjectStores;
import dev.mdeq.runstore.storage.StoreUri;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;

/**
 * A weights file named by a local path, a {@code file:} URI or an {@code s3://bucket/key} URI.
 * Readers need a seekable local file (zip central directory, storages read on demand), so an
 * object in S3 is downloaded to a temporary folder for the read and deleted afterwards; a file is
 * written locally and uploaded. Messages name the location as the user gave it.
 */
final class WeightsLocation {
    private final String given;
    private final StoreUri uri;

    private WeightsLocation(String given, StoreUri uri) {
        this.given = given;
        this.uri = uri;
    }

    /** Something that writes a file at a path. */
    @FunctionalInterface
    interface FileWriter {
        void write(Path file) throws IOException;
    }

    static WeightsLocation parse(String location) {
        if (location == null || location.isBlank()) {
            throw new InvalidInputException("no weights file given: expected a path, file:/path or s3://bucket/key");
        }
        return new WeightsLocation(location, ObjectStores.parse(location));
    }

    /** Applies {@code reader} to the file (for S3, a temporary local copy). */
    <T> T read(Function<Path, T> reader) {
        if (!uri.isS3()) {
            return reader.apply(localPath());
        }
        String name = objectName();
        try (ObjectStore store = ObjectStores.open(parent())) {
            if (store.stat(name).isEmpty()) {
                throw new InvalidInputException("weights file " + given + " does not exist");
            }
            return readCopy(store, name, reader);
        }
    }

    private <T> T readCopy(ObjectStore store, String name, Function<Path, T> reader) {
        Path folder = LocalFolders.createTemporary("mdeq-weights-");
        try {
            Path copy = folder.resolve(name);
            store.getToFile(name, copy);
            try {
                return reader.apply(copy);
            } catch (InvalidInputException e) {
                throw new InvalidInputException(e.getMessage().replace(copy.toString(), given), e);
            }
        } finally {
            LocalFolders.deleteTemporary(folder);
        }
    }

    /**
     * Writes the file with {@code writer}: in place for a local path (the writer must be atomic),
     * else to a temporary file uploaded in one put. Refuses to replace an existing file unless
     * {@code replace}.
     */
    void write(FileWriter writer, boolean replace) {
        if (!uri.isS3()) {
            run(writer, localTarget(replace));
            return;
        }
        String name = objectName();
        try (ObjectStore store = ObjectStores.open(parent())) {
            refuseExisting(store.stat(name).isPresent(), replace);
            Path folder = LocalFolders.createTemporary("mdeq-weights-");
            try {
                Path file = folder.resolve(name);
                run(writer, file);
                store.put(name, file);
            } finally {
                LocalFolders.deleteTemporary(folder);
            }
        }
    }

    /** Refuses what {@link #write} would refuse, without writing. */
    void checkWritable(boolean replace) {
        if (!uri.isS3()) {
            localTarget(replace);
            return;
        }
        try (ObjectStore store = ObjectStores.open(parent().toString())) {
            refuseExisting(store.stat(objectName()).isPresent(), replace);
        }
    }

    /** The local file to write: not a folder, and not an existing file unless {@code replace}. */
    private Path localTarget(boolean replace) {
        Path file = localPath();
        if (Files.isDirectory(file)) {
            throw new InvalidInputException(given + " is a directory; give the weights file's name");
        }
        refuseExisting(Files.exists(file), replace);
        return file;
    }

    private void refuseExisting(boolean exists, boolean replace) {
        if (exists && !replace) {
            throw new InvalidInputException(given + " already exists; it was left as it is (choose another name, or"
                    + " --force to replace it)");
        }
    }

    /** A plain path as given (messages keep the user's relative name); a {@code file:} URI's path. */
    private Path localPath() {
        return given.startsWith(StoreUri.FILE + ":") ? Path.of(uri.path()) : Path.of(given);
    }

    private String objectName() {
        String name = uri.name();
        if (name.isEmpty() || uri.parent().isEmpty()) {
            throw new InvalidInputException(given + " names a bucket, not a weights file: expected s3://bucket/key");
        }
        return name;
    }

    private StoreUri parent() {
        return uri.parent().orElseThrow();
    }

    private static void run(FileWriter writer, Path file) {
        try {
            writer.write(file);
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + file + " failed", e);
        }
    }
}
