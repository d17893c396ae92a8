package dev.mdeq.runstore.storage;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The location of a store: {@code s3://bucket/prefix} or {@code file:/absolute/path} (a plain path
 * is read as a {@code file:} URI).
 *
 * @param scheme {@code s3} or {@code file}
 * @param bucket the S3 bucket (null for file)
 * @param path the key prefix inside the bucket without leading or trailing slash (s3), or the
 *     absolute folder path (file)
 */
public record StoreUri(String scheme, String bucket, String path) {
    public static final String S3 = "s3";
    public static final String FILE = "file";

    /**
     * True when {@code location} is written as a store URI ({@code s3://...} or {@code file:...})
     * rather than a plain local path; {@link #parse} accepts both.
     */
    public static boolean isUri(String location) {
        return location.startsWith(S3 + "://") || location.startsWith(FILE + ":");
    }

    /** Parses a store URI; fails with a message that shows the valid forms. */
    public static StoreUri parse(String uri) {
        if (uri == null || uri.isBlank()) {
            throw new IllegalArgumentException("store URI is empty; expected s3://bucket/prefix or file:/path");
        }
        if (uri.startsWith("s3://")) {
            String rest = uri.substring("s3://".length());
            int slash = rest.indexOf('/');
            String bucket = slash < 0 ? rest : rest.substring(0, slash);
            String prefix = slash < 0 ? "" : trimSlashes(rest.substring(slash + 1));
            if (!bucket.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
                throw new IllegalArgumentException("store URI " + uri + ": '" + bucket + "' is not a valid S3 bucket "
                        + "name (3-63 characters: lower-case letters, digits, dots and hyphens)");
            }
            return new StoreUri(S3, bucket, prefix);
        }
        if (uri.startsWith("file:")) {
            String path = uri.substring("file:".length());
            while (path.startsWith("//")) {
                path = path.substring(1);
            }
            return ofPath(Path.of(path));
        }
        if (uri.matches("^[A-Za-z][A-Za-z0-9+.-]*://.*")) {
            throw new IllegalArgumentException("store URI " + uri + ": unsupported scheme; expected s3://bucket/prefix "
                    + "or file:/path");
        }
        return ofPath(Path.of(uri));
    }

    /** A file store at a local folder. */
    public static StoreUri ofPath(Path folder) {
        return new StoreUri(FILE, null, folder.toAbsolutePath().normalize().toString());
    }

    public boolean isS3() {
        return S3.equals(scheme);
    }

    /** The URI of {@code key} below this one. */
    public StoreUri resolve(String key) {
        String clean = trimSlashes(key);
        if (clean.isEmpty()) {
            return this;
        }
        if (isS3()) {
            return new StoreUri(S3, bucket, path.isEmpty() ? clean : path + "/" + clean);
        }
        return new StoreUri(FILE, null, Path.of(path).resolve(clean).normalize().toString());
    }

    /** The URI one segment up ({@code s3://b/a/c} -> {@code s3://b/a}); empty for a bucket or {@code /}. */
    public Optional<StoreUri> parent() {
        if (isS3()) {
            if (path.isEmpty()) {
                return Optional.empty();
            }
            int slash = path.lastIndexOf('/');
            return Optional.of(new StoreUri(S3, bucket, slash < 0 ? "" : path.substring(0, slash)));
        }
        Path parent = Path.of(path).getParent();
        return parent == null ? Optional.empty() : Optional.of(ofPath(parent));
    }

    /** The last segment ({@code c} of {@code s3://b/a/c}); empty for a bucket root or {@code /}. */
    public String name() {
        if (isS3()) {
            return path.substring(path.lastIndexOf('/') + 1);
        }
        Path name = Path.of(path).getFileName();
        return name == null ? "" : name.toString();
    }

    @Override
    public String toString() {
        if (isS3()) {
            return "s3://" + bucket + (path.isEmpty() ? "" : "/" + path);
        }
        return "file:" + path;
    }

    private static String trimSlashes(String s) {
        int start = 0;
        int end = s.length();
        while (start < end && s.charAt(start) == '/') {
            start++;
        }
        while (end > start && s.charAt(end - 1) == '/') {
            end--;
        }
        return s.substring(start, end);
    }
}
