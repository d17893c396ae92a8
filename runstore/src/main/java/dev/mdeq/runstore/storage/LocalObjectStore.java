package dev.mdeq.runstore.storage;

import dev.mdeq.runstore.storage.StorageException.Kind;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A local folder used as an object store ({@code file:/path}): the embedded default for a single
 * machine. Key {@code a/b/c} is the file {@code root/a/b/c}.
 *
 * <ul>
 *   <li>Never touches anything outside its root: keys are validated, and the real path (symbolic
 *       links resolved) of every file it reads, writes or deletes must lie inside the root.</li>
 *   <li>Writes go to a temporary file in the same folder, are forced to disk, then renamed over
 *       the target: a reader sees the old object or the new one, never a part.</li>
 *   <li>ETag: {@code <size>-<mtime ns>-<file id>} in hex, from metadata, not an MD5 of the content.
 *       Every put creates a new file (new inode and mtime), so the tag changes with every write,
 *       while {@code stat} and {@code list} stay cheap for folders of thousands of large files.
 *       (S3 ETags are not content MD5s either once an upload is multipart: verify content with
 *       your own checksums, as checkpoint manifests do.)</li>
 *   <li>A folder cannot hold both an object {@code a} and objects {@code a/...} (S3 can); such a
 *       put fails with a clear message. Empty folders left by deletes are removed.</li>
 * </ul>
 */
public final class LocalObjectStore implements ObjectStore {
    private final Path root;
    /** The top store's root: no path may escape it, also for children. */
    private final Path boundary;

    /** A store rooted at {@code folder}, created on the first write; a missing folder is empty. */
    public LocalObjectStore(Path folder) {
        this.root = folder.toAbsolutePath().normalize();
        this.boundary = root;
    }

    private LocalObjectStore(Path root, Path boundary) {
        this.root = root;
        this.boundary = boundary;
    }

    @Override
    public StoreUri root() {
        return StoreUri.ofPath(root);
    }

    @Override
    public LocalObjectStore child(String prefix) {
        String folder = ObjectKeys.validate(stripTrailingSlash(prefix));
        return new LocalObjectStore(root.resolve(folder), boundary);
    }

    /**
     * The file holding {@code key} (checked to lie inside the store), for callers that can use a
     * file directly, e.g. to upload it without a copy. The file may not exist.
     */
    public Path file(String key) {
        Path path = resolve(key);
        checkInside(path, key, "resolve");
        return path;
    }

    @Override
    public void put(String key, InputStream data, long size) {
        write("put", key, out -> {
            long copied = data.transferTo(out);
            if (size >= 0 && copied != size) {
                throw new StorageException(Kind.INVALID_INPUT, "put " + uri(key) + ": the stream held " + copied
                        + " bytes, but the size given was " + size + "; nothing was written");
            }
        });
    }

    @Override
    public void put(String key, Path file) {
        ObjectKeys.validate(key);
        if (!Files.isRegularFile(file)) {
            throw new StorageException(Kind.INVALID_INPUT, "put " + uri(key) + ": no such file " + file);
        }
        write("put", key, out -> Files.copy(file, out));
    }

    @Override
    public void putBytes(String key, byte[] bytes) {
        write("put", key, out -> out.write(bytes));
    }

    @Override
    public boolean putBytesIfAbsent(String key, byte[] bytes) {
        boolean[] created = {false};
        writeFile("put", key, target -> created[0] = AtomicFiles.create(target, out -> out.write(bytes)));
        return created[0];
    }

    @Override
    public InputStream get(String key) {
        Path path = existingFile("get", key);
        try {
            return Files.newInputStream(path);
        } catch (NoSuchFileException e) {
            throw notFound("get", key);
        } catch (IOException e) {
            throw failed("get", key, e);
        }
    }

    @Override
    public void getToFile(String key, Path file) {
        Path source = existingFile("get", key);
        try {
            Path target = file.toAbsolutePath();
            Files.createDirectories(target.getParent());
            AtomicFiles.write(target, out -> Files.copy(source, out));
        } catch (NoSuchFileException e) {
            if (!Files.exists(source)) {
                throw notFound("get", key);
            }
            throw failed("get", key + " to " + file, e);
        } catch (IOException e) {
            throw failed("get", key + " to " + file, e);
        }
    }

    @Override
    public Optional<ObjectInfo> stat(String key) {
        Path path = resolve(key);
        checkInside(path, key, "stat");
        try {
            BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
            return attributes.isRegularFile() ? Optional.of(info(key, attributes)) : Optional.empty();
        } catch (NoSuchFileException | NotDirectoryException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw failed("stat", key, e);
        }
    }

    @Override
    public List<ObjectInfo> list(String prefix) {
        String valid = ObjectKeys.validatePrefix(prefix);
        int slash = valid.lastIndexOf('/');
        Path start = slash < 0 ? root : root.resolve(valid.substring(0, slash));
        List<ObjectInfo> found = new ArrayList<>();
        if (!Files.isDirectory(start)) {
            return found;
        }
        checkInside(start, valid, "list");
        try {
            Files.walkFileTree(start, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                    if (AtomicFiles.isTemporary(file)) {
                        return FileVisitResult.CONTINUE;
                    }
                    String key = keyOf(file);
                    if (!key.startsWith(valid)) {
                        return FileVisitResult.CONTINUE;
                    }
                    if (attributes.isRegularFile()) {
                        found.add(info(key, attributes));
                    } else if (attributes.isSymbolicLink()) {
                        // Links are listed only when they name a regular file inside the store.
                        Path target = file.toRealPath();
                        if (target.startsWith(realBoundary()) && Files.isRegularFile(target)) {
                            found.add(info(key, Files.readAttributes(target, BasicFileAttributes.class)));
                        }
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                    if (e instanceof NoSuchFileException) {
                        return FileVisitResult.CONTINUE; // deleted while we walked: not an object any more
                    }
                    throw e;
                }
            });
        } catch (IOException e) {
            throw failed("list", valid, e);
        }
        found.sort((a, b) -> ObjectKeys.ORDER.compare(a.key(), b.key()));
        return found;
    }

    @Override
    public void delete(String key) {
        Path path = resolve(key);
        checkInside(path.getParent(), key, "delete");
        try {
            if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
                return; // a folder of other objects, not an object
            }
            if (Files.deleteIfExists(path)) {
                removeEmptyFolders(path.getParent());
            }
        } catch (NotDirectoryException e) {
            // a parent segment is an object, so this key cannot exist
        } catch (IOException e) {
            throw failed("delete", key, e);
        }
    }

    @Override
    public void close() {
        // nothing to release
    }

    @Override
    public String toString() {
        return root().toString();
    }

    private void write(String operation, String key, AtomicFiles.Content content) {
        writeFile(operation, key, target -> AtomicFiles.write(target, content));
    }

    /** What a write does to its target file, once the folders exist. */
    private interface FileWrite {
        void to(Path target) throws IOException;
    }

    private void writeFile(String operation, String key, FileWrite fileWrite) {
        Path target = resolve(key);
        // A concurrent delete may remove a folder we just created (empty-folder cleanup): try again.
        for (int attempt = 1; ; attempt++) {
            try {
                checkInside(target, key, operation);
                createFolders(target.getParent(), key);
                if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                    throw new StorageException(Kind.INVALID_INPUT, operation + " " + uri(key) + ": " + target
                            + " is a folder holding other objects; a file store cannot hold both '" + key
                            + "' and '" + key + "/...'");
                }
                fileWrite.to(target);
                return;
            } catch (NoSuchFileException e) {
                if (attempt == 3) {
                    throw failed(operation, key, e);
                }
            } catch (IOException e) {
                throw failed(operation, key, e);
            }
        }
    }

    /** Creates the folders of a key one by one, so that no symbolic link can lead a write outside. */
    private void createFolders(Path folder, String key) throws IOException {
        Path current = boundary;
        Files.createDirectories(boundary);
        if (folder.equals(boundary)) {
            return;
        }
        for (Path segment : boundary.relativize(folder)) {
            current = current.resolve(segment);
            try {
                Files.createDirectory(current);
            } catch (FileAlreadyExistsException e) {
                if (!Files.isDirectory(current)) {
                    throw new StorageException(Kind.INVALID_INPUT, "put " + uri(key) + ": " + current
                            + " is an object, so it cannot also be a folder of objects in a file store");
                }
                checkInside(current, key, "put");
            }
        }
    }

    private Path existingFile(String operation, String key) {
        Path path = resolve(key);
        checkInside(path, key, operation);
        if (!Files.isRegularFile(path)) {
            throw notFound(operation, key);
        }
        return path;
    }

    private Path resolve(String key) {
        Path path = root.resolve(ObjectKeys.validate(key)).normalize();
        if (!path.startsWith(boundary)) { // cannot happen for a valid key; a second line of defence
            throw new StorageException(Kind.INVALID_INPUT, "key '" + key + "' leaves the store " + root());
        }
        return path;
    }

    /** Fails when the real path of {@code path} (or of its deepest existing ancestor) leaves the store. */
    private void checkInside(Path path, String key, String operation) {
        Path existing = path;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return;
        }
        try {
            Path real = existing.toRealPath().resolve(existing.relativize(path));
            if (!real.startsWith(realBoundary())) {
                throw new StorageException(Kind.INVALID_INPUT, operation + " " + uri(key) + ": " + existing
                        + " leads outside the store (to " + real + ", through a symbolic link); refused");
            }
        } catch (IOException e) {
            throw failed(operation, key, e);
        }
    }

    private Path realBoundary() throws IOException {
        Path existing = boundary;
        while (!Files.exists(existing)) {
            existing = existing.getParent();
        }
        return existing.toRealPath().resolve(existing.relativize(boundary));
    }

    private void removeEmptyFolders(Path folder) throws IOException {
        Path current = folder;
        while (current != null && current.startsWith(boundary) && !current.equals(boundary)) {
            try {
                Files.delete(current);
            } catch (DirectoryNotEmptyException | NoSuchFileException e) {
                return;
            }
            current = current.getParent();
        }
    }

    private String keyOf(Path file) {
        StringBuilder key = new StringBuilder();
        for (Path segment : root.relativize(file)) {
            if (key.length() > 0) {
                key.append('/');
            }
            key.append(segment);
        }
        return key.toString();
    }

    private static ObjectInfo info(String key, BasicFileAttributes attributes) {
        long mtime = attributes.lastModifiedTime().to(TimeUnit.NANOSECONDS);
        String etag = Long.toHexString(attributes.size()) + "-" + Long.toHexString(mtime) + "-"
                + Integer.toHexString(Objects.hashCode(attributes.fileKey()));
        return new ObjectInfo(key, attributes.size(), etag, attributes.lastModifiedTime().toInstant());
    }

    private String uri(String key) {
        return root() + "/" + key;
    }

    private StorageException notFound(String operation, String key) {
        return new StorageException(Kind.NOT_FOUND, operation + " " + uri(key) + ": no such object");
    }

    private StorageException failed(String operation, String key, IOException e) {
        return new StorageException(Kind.FAILED, operation + " " + uri(key) + " failed: " + e, e);
    }

    private static String stripTrailingSlash(String prefix) {
        return prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
    }
}
