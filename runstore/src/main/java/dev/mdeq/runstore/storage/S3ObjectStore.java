package dev.mdeq.runstore.storage;

import dev.mdeq.runstore.storage.StorageException.Kind;
import io.minio.BucketExistsArgs;
import io.minio.ListObjectsArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import io.minio.Result;
import io.minio.StatObjectArgs;
import io.minio.StatObjectResponse;
import io.minio.UploadObjectArgs;
import io.minio.errors.ErrorResponseException;
import io.minio.messages.Item;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import okhttp3.Dns;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;

/**
 * An S3 bucket prefix ({@code s3://bucket/prefix}) through the MinIO Java client: MinIO, AWS S3 or
 * any S3-compatible service. Key {@code a/b} is the object {@code prefix/a/b}.
 *
 * <ul>
 *   <li>Transient failures (connection refused or reset, timeouts, HTTP 5xx, 429, {@code SlowDown},
 *       {@code InternalError}, {@code ServiceUnavailable}, {@code RequestTimeout}) are retried under
 *       {@link S3Settings#retry()}; other 4xx answers fail at once. Access errors name the endpoint,
 *       bucket, operation and key, never the secret.</li>
 *   <li>Every upload is replayable, so every upload is retried: files are re-read, and a stream is
 *       first read into memory when it is at most min(part size, 32 MiB), else copied to a temporary
 *       file (in {@code java.io.tmpdir}) that is then uploaded like a file. Give a file when you
 *       have one. Objects larger than the part size are uploaded in parts by the MinIO client;
 *       a retry starts the upload again.</li>
 *   <li>{@link #get} returns a stream that resumes where it stopped (a ranged GET pinned to the
 *       object's ETag) when the connection breaks; {@link #getToFile} writes a temporary file and
 *       renames it.</li>
 *   <li>{@link #list} pages through all results (1,000 keys per request), resuming after the last
 *       key it saw when a page fails; keys come back in UTF-8 byte order. Names ending in
 *       {@code /} (folder markers made by consoles) are skipped.</li>
 * </ul>
 */
public final class S3ObjectStore implements ObjectStore {
    /** Streams up to this size are buffered in memory before an upload (if the part size allows). */
    static final int MAX_MEMORY_BUFFER = 32 << 20;

    private final Connection connection;
    private final String prefix;
    private final boolean ownsConnection;

    /** Opens a store at {@code uri} ({@code s3://bucket/prefix}); no request is made yet. */
    public S3ObjectStore(StoreUri uri, S3Settings settings) {
        this(uri, settings, null);
    }

    /** As the public constructor, with a host name resolver (tests of virtual-host style). */
    S3ObjectStore(StoreUri uri, S3Settings settings, Dns dns) {
        if (!uri.isS3()) {
            throw new StorageException(Kind.INVALID_INPUT, "not an S3 store URI: " + uri);
        }
        this.prefix = uri.path().isEmpty() ? "" : ObjectKeys.validate(uri.path());
        this.connection = new Connection(uri.bucket(), settings, dns);
        this.ownsConnection = true;
    }

    private S3ObjectStore(Connection connection, String prefix) {
        this.connection = connection;
        this.prefix = prefix;
        this.ownsConnection = false;
    }

    @Override
    public StoreUri root() {
        return new StoreUri(StoreUri.S3, connection.bucket, prefix);
    }

    @Override
    public S3ObjectStore child(String childPrefix) {
        String folder = childPrefix.endsWith("/") ? childPrefix.substring(0, childPrefix.length() - 1) : childPrefix;
        return new S3ObjectStore(connection, checkLength(ObjectKeys.join(prefix, ObjectKeys.validate(folder))));
    }

    @Override
    public void put(String key, InputStream data, long size) {
        String name = objectName(key);
        int memoryLimit = (int) Math.min(connection.settings.partSize(), MAX_MEMORY_BUFFER);
        try {
            if (size >= 0 && size <= memoryLimit) {
                byte[] bytes = data.readNBytes((int) size);
                checkSize(name, bytes.length, size);
                upload(name, bytes);
                return;
            }
            byte[] head = size >= 0 ? new byte[0] : data.readNBytes(memoryLimit + 1);
            if (size < 0 && head.length <= memoryLimit) {
                upload(name, head);
                return;
            }
            spoolAndUpload(name, head, data, size);
        } catch (IOException e) {
            throw new StorageException(Kind.FAILED, "put " + connection.errors.location(name)
                    + ": reading the data to upload failed: " + e, e);
        }
    }

    @Override
    public void put(String key, Path file) {
        String name = objectName(key);
        if (!Files.isRegularFile(file)) {
            throw new StorageException(Kind.INVALID_INPUT, "put " + connection.errors.location(name)
                    + ": no such file " + file);
        }
        upload(name, file);
    }

    @Override
    public void putBytes(String key, byte[] bytes) {
        upload(objectName(key), bytes);
    }

    @Override
    public InputStream get(String key) {
        return new S3ObjectInputStream(connection.client, connection.bucket, objectName(key), connection.retrier,
                connection.errors);
    }

    @Override
    public void getToFile(String key, Path file) {
        String name = objectName(key);
        try (InputStream in = get(key)) {
            Path target = file.toAbsolutePath();
            Files.createDirectories(target.getParent());
            AtomicFiles.write(target, in::transferTo);
        } catch (IOException e) {
            throw new StorageException(Kind.FAILED, "get " + connection.errors.location(name) + " to " + file
                    + " failed: " + e, e);
        }
    }

    @Override
    public Optional<ObjectInfo> stat(String key) {
        String name = objectName(key);
        Optional<ObjectInfo> info = connection.retrier.call("stat", name, () -> {
            try {
                StatObjectResponse response = connection.client.statObject(
                        StatObjectArgs.builder().bucket(connection.bucket).object(name).build());
                return Optional.of(new ObjectInfo(key, response.size(), unquote(response.etag()),
                        response.lastModified().toInstant()));
            } catch (ErrorResponseException e) {
                if ("NoSuchKey".equals(S3Errors.code(e))) {
                    return Optional.<ObjectInfo>empty();
                }
                throw e;
            }
        });
        if (info.isEmpty()) {
            // A HEAD answer has no body, so a missing bucket looks like a missing key: ask once.
            connection.checkBucket("stat", name);
        }
        return info;
    }

    @Override
    public List<ObjectInfo> list(String listPrefix) {
        String valid = ObjectKeys.validatePrefix(listPrefix);
        String full = prefix.isEmpty() ? valid : prefix + "/" + valid;
        int strip = prefix.isEmpty() ? 0 : prefix.length() + 1;
        List<ObjectInfo> found = new ArrayList<>();
        String[] lastName = {null};
        connection.retrier.call("list", full, () -> {
            ListObjectsArgs.Builder args = ListObjectsArgs.builder().bucket(connection.bucket).prefix(full)
                    .recursive(true);
            if (lastName[0] != null) {
                args.startAfter(lastName[0]); // a failed page resumes after the last key we have
            }
            for (Result<Item> result : connection.client.listObjects(args.build())) {
                Item item = result.get();
                lastName[0] = item.objectName();
                if (item.isDir() || item.objectName().endsWith("/")) {
                    continue;
                }
                found.add(new ObjectInfo(item.objectName().substring(strip), item.size(), unquote(item.etag()),
                        item.lastModified() == null ? null : item.lastModified().toInstant()));
            }
            return null;
        });
        found.sort((a, b) -> ObjectKeys.ORDER.compare(a.key(), b.key()));
        return found;
    }

    @Override
    public void delete(String key) {
        String name = objectName(key);
        connection.retrier.call("delete", name, () -> {
            connection.client.removeObject(RemoveObjectArgs.builder().bucket(connection.bucket).object(name).build());
            return null;
        });
    }

    /** Closes the connection when this store opened it (children share their parent's). */
    @Override
    public void close() {
        if (ownsConnection) {
            connection.close();
        }
    }

    @Override
    public String toString() {
        return root() + " at " + connection.settings.endpoint();
    }

    private void upload(String name, byte[] bytes) {
        long partSize = connection.settings.partSize();
        connection.retrier.call("put", name, () -> connection.client.putObject(PutObjectArgs.builder()
                .bucket(connection.bucket).object(name)
                .stream(new ByteArrayInputStream(bytes), bytes.length, partSize).build()));
    }

    private void upload(String name, Path file) {
        long partSize = connection.settings.partSize();
        connection.retrier.call("put", name, () -> connection.client.uploadObject(UploadObjectArgs.builder()
                .bucket(connection.bucket).object(name).filename(file.toString(), partSize).build()));
    }

    /** Copies a large or unknown-size stream to a temporary file, so that a retry can read it again. */
    private void spoolAndUpload(String name, byte[] head, InputStream rest, long size) throws IOException {
        Path spool = Files.createTempFile("mdeq-s3-put-", ".tmp");
        try {
            long copied;
            try (OutputStream out = Files.newOutputStream(spool)) {
                out.write(head);
                copied = head.length + rest.transferTo(out);
            }
            if (size >= 0) {
                checkSize(name, copied, size);
            }
            upload(name, spool);
        } finally {
            Files.deleteIfExists(spool);
        }
    }

    private void checkSize(String name, long actual, long expected) {
        if (actual != expected) {
            throw new StorageException(Kind.INVALID_INPUT, "put " + connection.errors.location(name) + ": the stream "
                    + "held " + actual + " bytes, but the size given was " + expected + "; nothing was written");
        }
    }

    private String objectName(String key) {
        return checkLength(ObjectKeys.join(prefix, ObjectKeys.validate(key)));
    }

    private String checkLength(String name) {
        int bytes = name.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > ObjectKeys.MAX_KEY_BYTES) {
            throw new StorageException(Kind.INVALID_INPUT, "invalid object key \"" + ObjectKeys.printable(name)
                    + "\": with the store's prefix it is " + bytes + " bytes long in UTF-8; S3's limit is "
                    + ObjectKeys.MAX_KEY_BYTES);
        }
        return name;
    }

    private static String unquote(String etag) {
        return etag == null ? null : etag.replace("\"", "");
    }

    /** The client, settings and retry state that a store and its children share. */
    private static final class Connection {
        final String bucket;
        final S3Settings settings;
        final MinioClient client;
        final S3Errors errors;
        final Retrier retrier;
        private volatile boolean bucketSeen;

        Connection(String bucket, S3Settings settings, Dns dns) {
            this.bucket = bucket;
            this.settings = settings;
            this.errors = new S3Errors(settings.endpoint(), bucket, settings.credentials());
            this.retrier = new Retrier(settings.retry(), errors);
            OkHttpClient.Builder http = new OkHttpClient.Builder()
                    .connectTimeout(settings.connectTimeout())
                    .readTimeout(settings.ioTimeout())
                    .writeTimeout(settings.ioTimeout())
                    .protocols(List.of(Protocol.HTTP_1_1));
            if (dns != null) {
                http.dns(dns);
            }
            if (settings.caBundle() != null) {
                CaBundle trust = CaBundle.parse(settings.caBundle(), "the CA bundle of " + settings.endpoint());
                http.sslSocketFactory(trust.sslContext().getSocketFactory(), trust.trustManager());
            }
            OkHttpClient httpClient = http.build();
            this.client = MinioClient.builder()
                    .endpoint(settings.endpoint())
                    .region(settings.region())
                    // STS exchanges (web identity) go through the same client: same timeouts and CA bundle.
                    .credentialsProvider(settings.credentials().provider(httpClient))
                    .httpClient(httpClient, true)
                    .build();
            if (settings.pathStyle()) {
                client.disableVirtualStyleEndpoint();
            } else {
                client.enableVirtualStyleEndpoint();
            }
        }

        /** Fails with NO_SUCH_BUCKET when the bucket does not exist (asked once per connection). */
        void checkBucket(String operation, String name) {
            if (bucketSeen) {
                return;
            }
            boolean exists = retrier.call(operation, name,
                    () -> client.bucketExists(BucketExistsArgs.builder().bucket(bucket).build()));
            if (!exists) {
                throw errors.noSuchBucket(operation, name, null);
            }
            bucketSeen = true;
        }

        void close() {
            try {
                client.close();
            } catch (Exception e) {
                throw new StorageException(Kind.FAILED, "closing the S3 client of " + errors.location("")
                        + " failed: " + e, e);
            }
        }
    }
}
