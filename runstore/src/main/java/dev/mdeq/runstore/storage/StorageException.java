package dev.mdeq.runstore.storage;

/**
 * A storage operation failed. The message names the store (endpoint and bucket, or folder), the
 * operation and the key, and never contains a credential. {@link #kind()} tells whether a later
 * attempt can help (the CLI maps it to an exit code: see {@link Kind#retryLaterMayHelp()}).
 */
public class StorageException extends RuntimeException {

    /** What went wrong, as far as a caller needs to decide what to do next. */
    public enum Kind {
        /** The object (or pointer) does not exist. */
        NOT_FOUND(false),
        /** A key, prefix, URI, file or setting is invalid; rejected before any request. */
        INVALID_INPUT(false),
        /** The credentials were refused or lack a permission. */
        ACCESS_DENIED(false),
        /** The bucket does not exist. */
        NO_SUCH_BUCKET(false),
        /** The store stayed unreachable or overloaded until the retries ran out. */
        UNAVAILABLE(true),
        /** Anything else (an unexpected server answer, a local I/O error). */
        FAILED(true);

        private final boolean retryLaterMayHelp;

        Kind(boolean retryLaterMayHelp) {
            this.retryLaterMayHelp = retryLaterMayHelp;
        }

        /** True when running the same thing again later (e.g. in a restarted pod) may succeed. */
        public boolean retryLaterMayHelp() {
            return retryLaterMayHelp;
        }
    }

    private final Kind kind;

    public StorageException(String message) {
        this(Kind.FAILED, message, null);
    }

    public StorageException(String message, Throwable cause) {
        this(Kind.FAILED, message, cause);
    }

    public StorageException(Kind kind, String message) {
        this(kind, message, null);
    }

    public StorageException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
