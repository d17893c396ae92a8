package dev.mdeq.runstore.storage;

import java.time.Instant;

/**
 * What a store knows of one object.
 *
 * @param key the key relative to the store's root
 * @param size length in bytes
 * @param etag the server's entity tag (S3) or a content-derived tag (local folder); may be null
 * @param lastModified modification time
 */
public record ObjectInfo(String key, long size, String etag, Instant lastModified) {
}
