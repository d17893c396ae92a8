package dev.mdeq.runstore.storage;

import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Object storage as the trainer, evaluator and operator use it: an S3 bucket prefix or a local
 * folder. Keys are relative to the store's root ({@link #root()}), use {@code /} as separator and
 * are validated before any request ({@link ObjectKeys#validate}).
 *
 * <p>Every operation either succeeds or throws a {@link StorageException} that names the store,
 * the key and the operation, never a credential. Transient failures are retried with backoff
 * inside the implementation.
 */
public interface ObjectStore extends AutoCloseable {

    /** The URI of the store's root, e.g. {@code s3://bucket/runs/ns/job} or {@code file:/data/run}. */
    StoreUri root();

    /** A store rooted at {@code root()/prefix} sharing this store's connection. */
    ObjectStore child(String prefix);

    /** Writes {@code size} bytes from {@code data} (size -1: unknown, streamed in parts). */
    void put(String key, InputStream data, long size);

    /** Uploads a file (multipart for large files). */
    void put(String key, Path file);

    /** Writes a small object. */
    void putBytes(String key, byte[] bytes);

    /** Opens an object for reading; the caller closes the stream. */
    InputStream get(String key);

    /** Reads a small object entirely. */
    byte[] getBytes(String key);

    /** Downloads an object to a file, replacing it atomically (written to a temporary file first). */
    void getToFile(String key, Path file);

    /** Size, ETag and time of an object, or empty when there is none. */
    Optional<ObjectInfo> stat(String key);

    /** Every object whose key starts with {@code prefix}, in key order, all pages. */
    List<ObjectInfo> list(String prefix);

    /** Deletes an object; deleting a missing object is not an error. */
    void delete(String key);

    /**
     * The atomic publish pattern: the parts are already written; this writes the small pointer
     * object last, so a reader that follows the pointer sees only complete sets.
     */
    default void publishPointer(String pointerKey, String target) {
        putBytes(pointerKey, target.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** Reads a pointer written by {@link #publishPointer}, or empty when it does not exist. */
    default Optional<String> readPointer(String pointerKey) {
        if (stat(pointerKey).isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new String(getBytes(pointerKey), java.nio.charset.StandardCharsets.UTF_8).trim());
    }

    @Override
    void close();
}
