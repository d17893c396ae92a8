package dev.mdeq.runstore.storage;

import dev.mdeq.runstore.storage.StorageException.Kind;
import io.minio.GetObjectArgs;
import io.minio.GetObjectResponse;
import io.minio.MinioClient;
import java.io.IOException;
import java.io.InputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The content of an S3 object that survives broken connections: when a read fails with a transient
 * error, it asks again for the rest of the object (a ranged GET pinned to the ETag of the first
 * answer, so a replaced object fails instead of mixing two versions). Retries are bounded by the
 * retry policy, counted from the last byte that arrived. Failures surface as
 * {@link StorageException}.
 */
final class S3ObjectInputStream extends InputStream {
    private static final Logger LOG = LoggerFactory.getLogger(S3ObjectStore.class);

    private final MinioClient client;
    private final String bucket;
    private final String name;
    private final Retrier retrier;
    private final S3Errors errors;
    private final byte[] single = new byte[1];
    private GetObjectResponse current;
    private String etag;
    private long position;
    private long lastProgressNanos = System.nanoTime();
    private int failuresWithoutProgress;
    private boolean closed;

    /** Opens the object (a missing object fails here, with NOT_FOUND). */
    S3ObjectInputStream(MinioClient client, String bucket, String name, Retrier retrier, S3Errors errors) {
        this.client = client;
        this.bucket = bucket;
        this.name = name;
        this.retrier = retrier;
        this.errors = errors;
        this.current = open();
    }

    @Override
    public int read() throws IOException {
        int n = read(single, 0, 1);
        return n < 0 ? -1 : single[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        if (closed) {
            throw new IOException("stream of " + errors.location(name) + " is closed");
        }
        while (true) {
            try {
                int n = current.read(buffer, offset, length);
                if (n > 0) {
                    position += n;
                    lastProgressNanos = System.nanoTime();
                    failuresWithoutProgress = 0;
                }
                return n;
            } catch (IOException e) {
                if (closed) {
                    throw e;
                }
                resumeAfter(e);
            }
        }
    }

    @Override
    public void close() throws IOException {
        if (!closed) {
            closed = true;
            current.close();
        }
    }

    private void resumeAfter(IOException e) {
        closeQuietly();
        failuresWithoutProgress++;
        long stalled = System.nanoTime() - lastProgressNanos;
        RetryPolicy policy = retrier.policy();
        if (!S3Errors.isTransient(e) || failuresWithoutProgress >= policy.maxAttempts()
                || stalled > policy.totalBudget().toNanos()) {
            throw errors.fail("get", name, e, failuresWithoutProgress, stalled);
        }
        LOG.warn("get {} broke off at byte {} ({}); resuming", errors.location(name), position, errors.brief(e));
        current = open();
    }

    private GetObjectResponse open() {
        return retrier.call("get", name, lastProgressNanos, () -> {
            GetObjectArgs.Builder args = GetObjectArgs.builder().bucket(bucket).object(name);
            if (position > 0) {
                args.offset(position);
            }
            if (etag != null) {
                args.matchETag(etag);
            }
            GetObjectResponse response = client.getObject(args.build());
            if (etag == null) {
                etag = response.headers().get("ETag");
            }
            return response;
        });
    }

    private void closeQuietly() {
        try {
            current.close();
        } catch (IOException | RuntimeException ignored) {
            // the connection is already broken
        }
    }
}
