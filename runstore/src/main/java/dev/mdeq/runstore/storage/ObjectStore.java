package dev.mdeq.runstore.storage;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Object storage as the trainer, evaluator and operator use it: an S3 bucket prefix or a local
 * folder. Keys are relative to the store's root ({@link #root()}), use {@code /} as separator and
 * are validated before any request ({@link ObjectKeys#validate}). Open one with
 * {@link ObjectStores#open(String)}.
 *
 * <p>Every operation either succeeds or throws a {@link StorageException} that names the store,
 * the key and the operation, never a credential. Transient failures are retried with backoff
 * inside the implementation. A write is atomic: a reader sees the old object or the new one,
 * never a part. Implementations are safe for use by several threads at once.
 */
public interface ObjectStore extends AutoCloseable {

    /** The URI of the store's root, e.g. {@code s3://bucket/runs/ns/job} or {@code file:/data/run}. */
    StoreUri root();

    /**
     * A store rooted at {@code root()/prefix} sharing this store's connection (closing the child
     * does not close the connection; closing this store does).
     */
    ObjectStore child(String prefix);

    /** Writes {@code size} bytes from {@code data} (size -1: unknown); does not close {@code data}. */
    void put(String key, InputStream data, long size);

    /** Uploads a file (multipart for large files). */
    void put(String key, Path file);

    /** Writes a small object. */
    void putBytes(String key, byte[] bytes);

    /**
     * Writes a small object only if no object has this key: true when it was written, false when
     * one already existed (it is left as it was). Atomic against every other writer of the key: of
     * several concurrent calls exactly one returns true. S3: a PUT with {@code If-None-Match: *}
     * (the server must support conditional writes; see docs/storage.md); a folder: a hard link.
     */
    boolean putBytesIfAbsent(String key, byte[] bytes);

    /** Opens an object for reading; the caller closes the stream. Missing: NOT_FOUND. */
    InputStream get(String key);

    /** Reads a small object entirely. Missing: NOT_FOUND. */
    default byte[] getBytes(String key) {
        try (InputStream in = get(key)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new StorageException(StorageException.Kind.FAILED, "get " + root().resolve(key) + " failed: " + e, e);
        }
    }

    /** Downloads an object to a file, replacing it atomically (written to a temporary file first). */
    void getToFile(String key, Path file);

    /** Size, ETag and time of an object, or empty when there is none. */
    Optional<ObjectInfo> stat(String key);

    /** Every object whose key starts with {@code prefix} ("" = all), in key order, all pages. */
    List<ObjectInfo> list(String prefix);

    /** Deletes an object; deleting a missing object is not an error. */
    void delete(String key);

    /** Deletes every object whose key starts with {@code prefix}; returns the deleted keys in order. */
    default List<String> deleteAll(String prefix) {
        List<String> deleted = new ArrayList<>();
        for (ObjectInfo info : list(prefix)) {
            delete(info.key());
            deleted.add(info.key());
        }
        return deleted;
    }

    /**
     * The atomic publish pattern: the parts are already written; this writes the small pointer
     * object last, so a reader that follows the pointer sees only complete sets.
     */
    default void publishPointer(String pointerKey, String target) {
        putBytes(pointerKey, target.getBytes(StandardCharsets.UTF_8));
    }

    /** Reads a pointer written by {@link #publishPointer}, or empty when it does not exist. */
    default Optional<String> readPointer(String pointerKey) {
        try {
            return Optional.of(new String(getBytes(pointerKey), StandardCharsets.UTF_8).trim());
        } catch (StorageException e) {
            if (e.kind() == StorageException.Kind.NOT_FOUND) {
                return Optional.empty();
            }
            throw e;
        }
    }

    @Override
    void close();
}
