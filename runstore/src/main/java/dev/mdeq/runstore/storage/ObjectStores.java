package dev.mdeq.runstore.storage;

import dev.mdeq.runstore.storage.StorageException.Kind;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Opens stores by URI: {@code s3://bucket/prefix}, {@code file:/path}, or a plain path (a folder).
 * S3 settings come from the environment ({@link S3Settings#fromEnvironment}) unless given; they
 * are read only for {@code s3://} URIs, so a local run needs no S3 variables.
 */
public final class ObjectStores {
    private static volatile Map<String, String> environmentOverride;

    private ObjectStores() {
    }

    /** Opens the store at {@code uri}, with S3 settings from the process environment. */
    public static ObjectStore open(String uri) {
        return open(uri, () -> S3Settings.fromEnvironment(environment()));
    }

    /** Opens the store at {@code uri} with these S3 settings (unused for a folder; may be null then). */
    public static ObjectStore open(String uri, S3Settings settings) {
        return open(uri, () -> {
            if (settings == null) {
                throw new StorageException(Kind.INVALID_INPUT, "store " + uri + ": no S3 settings given");
            }
            return settings;
        });
    }

    /** Opens the store at an already parsed {@code uri}, with S3 settings from the process environment. */
    public static ObjectStore open(StoreUri uri) {
        return open(uri, () -> S3Settings.fromEnvironment(environment()));
    }

    /** Opens a local folder as a store. */
    public static LocalObjectStore open(Path folder) {
        return new LocalObjectStore(folder);
    }

    /** Parses a store URI, failing with {@link Kind#INVALID_INPUT} and the valid forms. */
    public static StoreUri parse(String uri) {
        try {
            return StoreUri.parse(uri);
        } catch (IllegalArgumentException e) {
            throw new StorageException(Kind.INVALID_INPUT, e.getMessage(), e);
        }
    }

    /**
     * For tests: makes {@link #open(String)} read {@code env} instead of the process environment
     * until the returned handle is closed (e.g. to point the CLI at an in-process S3 server).
     */
    public static EnvironmentOverride overrideEnvironment(Map<String, String> env) {
        Map<String, String> previous = environmentOverride;
        environmentOverride = Map.copyOf(env);
        return () -> environmentOverride = previous;
    }

    /** The variables {@link #open(String)} reads: the process environment or a test's override. */
    public static Map<String, String> environment() {
        Map<String, String> override = environmentOverride;
        return override != null ? override : System.getenv();
    }

    /** Restores the environment {@link #open(String)} reads. */
    @FunctionalInterface
    public interface EnvironmentOverride extends AutoCloseable {
        @Override
        void close();
    }

    private static ObjectStore open(String uri, Supplier<S3Settings> settings) {
        return open(parse(uri), settings);
    }

    private static ObjectStore open(StoreUri parsed, Supplier<S3Settings> settings) {
        if (parsed.isS3()) {
            return new S3ObjectStore(parsed, settings.get());
        }
        return new LocalObjectStore(Path.of(parsed.path()));
    }
}
