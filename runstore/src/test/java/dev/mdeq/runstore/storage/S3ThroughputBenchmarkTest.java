package dev.mdeq.runstore.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mdeq.runstore.testing.S3TestServer;
import io.minio.GetObjectArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.UploadObjectArgs;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Put and get throughput of a 256 MB object through {@link S3ObjectStore} against the raw MinIO
 * client doing the same, both against one s3proxy (data in memory) on 127.0.0.1. Prints medians of
 * a few repetitions and the ratio store / raw; asserts nothing about time. Run with
 * {@code mvn -B -pl runstore -am verify -Dgroups=benchmark -DexcludedTestGroups= -Dtest=S3ThroughputBenchmarkTest
 * -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@Tag("benchmark")
class S3ThroughputBenchmarkTest {
    static final long SIZE = 256L << 20;
    static final int REPETITIONS = 6; // even: each side goes first equally often

    @TempDir
    Path temp;

    /** One measured operation: the store's way and the raw client's way of doing the same. */
    interface Operation {
        void run() throws Exception;
    }

    @Test
    void putAndGetOf256MegabytesThroughTheStoreVersusTheRawClient() throws Exception {
        Path source = temp.resolve("source.bin");
        String sha = ObjectStoreContractTest.writeRandomFile(source, SIZE, 42);
        Path target = temp.resolve("target.bin");
        try (S3TestServer server = S3TestServer.start()) { // in memory: no disk write-back noise
            S3Settings settings = server.settings().withPartSize(S3Settings.DEFAULT_PART_SIZE)
                    .withRetry(RetryPolicy.DEFAULT).withTimeouts(S3Settings.DEFAULT_CONNECT_TIMEOUT,
                            S3Settings.DEFAULT_IO_TIMEOUT);
            long partSize = settings.partSize();
            MinioClient raw = MinioClient.builder().endpoint(server.endpoint()).region(settings.region())
                    .credentials(server.accessKey(), server.secretKey()).build();
            String bucket = server.bucket();
            try (ObjectStore store = ObjectStores.open(server.uri("bench"), settings)) {
                Map<String, Operation[]> pairs = new LinkedHashMap<>();
                pairs.put("put file (multipart, 16 MiB parts)", new Operation[] {
                    () -> store.put("store.bin", source),
                    () -> raw.uploadObject(UploadObjectArgs.builder().bucket(bucket).object("bench/raw.bin")
                            .filename(source.toString(), partSize).build())});
                pairs.put("put stream of unknown size", new Operation[] {
                    () -> {
                        try (InputStream in = Files.newInputStream(source)) {
                            store.put("store-stream.bin", in, -1); // spooled to a temporary file, then uploaded
                        }
                    },
                    () -> {
                        try (InputStream in = Files.newInputStream(source)) {
                            raw.putObject(PutObjectArgs.builder().bucket(bucket).object("bench/raw-stream.bin")
                                    .stream(in, -1, partSize).build()); // parts buffered in memory, no retry
                        }
                    }});
                pairs.put("get stream (read and discard)", new Operation[] {
                    () -> {
                        try (InputStream in = store.get("store.bin")) {
                            in.transferTo(OutputStream.nullOutputStream());
                        }
                    },
                    () -> {
                        try (InputStream in = raw.getObject(GetObjectArgs.builder().bucket(bucket)
                                .object("bench/raw.bin").build())) {
                            in.transferTo(OutputStream.nullOutputStream());
                        }
                    }});
                pairs.put("get to file", new Operation[] {
                    () -> store.getToFile("store.bin", target), // temporary file, fsync, rename
                    () -> {
                        try (InputStream in = raw.getObject(GetObjectArgs.builder().bucket(bucket)
                                .object("bench/raw.bin").build());
                                OutputStream out = Files.newOutputStream(temp.resolve("raw-target.bin"))) {
                            in.transferTo(out);
                        }
                    }});

                System.out.printf(Locale.ROOT, "%nS3 throughput, %d MB object, median of %d, s3proxy on 127.0.0.1%n",
                        SIZE >> 20, REPETITIONS);
                System.out.printf(Locale.ROOT, "%-36s %12s %12s %8s   %s%n", "operation", "store MB/s", "raw MB/s",
                        "ratio", "MB/s range (min-max)");
                for (Map.Entry<String, Operation[]> pair : pairs.entrySet()) {
                    List<Double> storeSeconds = new ArrayList<>();
                    List<Double> rawSeconds = new ArrayList<>();
                    for (int i = 0; i < REPETITIONS; i++) { // interleaved, alternating who goes first
                        if (i % 2 == 0) {
                            storeSeconds.add(seconds(pair.getValue()[0]));
                            rawSeconds.add(seconds(pair.getValue()[1]));
                        } else {
                            rawSeconds.add(seconds(pair.getValue()[1]));
                            storeSeconds.add(seconds(pair.getValue()[0]));
                        }
                    }
                    double storeRate = (SIZE / 1e6) / median(storeSeconds);
                    double rawRate = (SIZE / 1e6) / median(rawSeconds);
                    System.out.printf(Locale.ROOT, "%-36s %12.1f %12.1f %8.2f   store %s, raw %s%n", pair.getKey(),
                            storeRate, rawRate, storeRate / rawRate, range(storeSeconds), range(rawSeconds));
                }
                assertEquals(sha, ObjectStoreContractTest.sha256(target), "the benchmark moved the right bytes");
            }
            raw.close();
        }
    }

    private static double seconds(Operation operation) throws Exception {
        long start = System.nanoTime();
        operation.run();
        return (System.nanoTime() - start) / 1e9;
    }

    private static String range(List<Double> seconds) {
        double slowest = seconds.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        double fastest = seconds.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
        return String.format(Locale.ROOT, "%.0f-%.0f", SIZE / 1e6 / slowest, SIZE / 1e6 / fastest);
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(Double::compare);
        int middle = sorted.size() / 2;
        return sorted.size() % 2 == 1 ? sorted.get(middle) : (sorted.get(middle - 1) + sorted.get(middle)) / 2;
    }
}
