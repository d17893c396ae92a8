package dev.mdeq.runstore.storage;

/**
 * A storage operation failed. The message names the store (endpoint and bucket, or folder), the
 * operation and the key, and never contains a credential.
 */
public class StorageException extends RuntimeException {
    public StorageException(String message) {
        super(message);
    }

    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
