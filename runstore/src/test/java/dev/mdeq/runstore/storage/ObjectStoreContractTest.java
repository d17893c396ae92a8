package dev.mdeq.runstore.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mdeq.runstore.storage.StorageException.Kind;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every {@link ObjectStore} promises, run against each implementation by a subclass. Each
 * test gets a fresh, empty store.
 */
abstract class ObjectStoreContractTest {
    static final int MB = 1 << 20;

    @TempDir
    Path temp;

    ObjectStore store;

    /** A fresh, empty store; {@code name} is unique per test. */
    abstract ObjectStore openStore(String name);

    /** A store of the same kind whose every request would fail (so a validation error proves no request ran). */
    abstract ObjectStore openStoreThatFailsOnAnyRequest();

    @BeforeEach
    void open(TestInfo info) {
        store = openStore(info.getTestMethod().orElseThrow().getName());
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void smallObjectsRoundTrip() throws IOException {
        byte[] bytes = "hello, store\n".getBytes(StandardCharsets.UTF_8);
        store.putBytes("runs/ns/job/config.yaml", bytes);

        assertArrayEquals(bytes, store.getBytes("runs/ns/job/config.yaml"));
        try (InputStream in = store.get("runs/ns/job/config.yaml")) {
            assertArrayEquals(bytes, in.readAllBytes());
        }
        ObjectInfo info = store.stat("runs/ns/job/config.yaml").orElseThrow();
        assertEquals("runs/ns/job/config.yaml", info.key());
        assertEquals(bytes.length, info.size());
        assertTrue(info.etag() != null && !info.etag().isEmpty());
        assertTrue(info.lastModified() != null);
        store.putBytes("empty", new byte[0]);
        assertEquals(0, store.getBytes("empty").length);
        assertEquals(0, store.stat("empty").orElseThrow().size());
    }

    @Test
    void fiftyMegabyteObjectsRoundTripWithTheSameChecksum() throws IOException {
        Path source = temp.resolve("big.bin");
        String sha = writeRandomFile(source, 50 * MB, 7);

        store.put("big/data.bin", source);
        assertEquals(50L * MB, store.stat("big/data.bin").orElseThrow().size());

        Path copy = temp.resolve("out/copy.bin");
        store.getToFile("big/data.bin", copy);
        assertEquals(sha, sha256(copy));
        try (InputStream in = store.get("big/data.bin")) {
            assertEquals(sha, sha256(in));
        }
    }

    @Test
    void putFromAStreamOfUnknownSize() throws IOException {
        byte[] small = randomBytes(1000, 1);
        store.put("small", new OneWayStream(small), -1);
        assertArrayEquals(small, store.getBytes("small"));

        byte[] large = randomBytes(6 * MB + 17, 2); // above the part size the S3 tests use (5 MiB)
        store.put("large", new OneWayStream(large), -1);
        assertEquals(large.length, store.stat("large").orElseThrow().size());
        try (InputStream in = store.get("large")) {
            assertEquals(sha256(large), sha256(in));
        }
        store.put("large-known-size", new OneWayStream(large), large.length);
        assertEquals(sha256(large), sha256(store.getBytes("large-known-size")));
    }

    @Test
    void aStreamShorterOrLongerThanItsSizeWritesNothing() {
        StorageException shorter = assertThrows(StorageException.class,
                () -> store.put("short", new ByteArrayInputStream(new byte[10]), 11));
        assertEquals(Kind.INVALID_INPUT, shorter.kind());
        assertTrue(shorter.getMessage().contains("short"), shorter.getMessage());
        assertTrue(store.stat("short").isEmpty());

        byte[] big = randomBytes(6 * MB, 3);
        assertThrows(StorageException.class, () -> store.put("short", new ByteArrayInputStream(big), big.length + 1));
        assertTrue(store.stat("short").isEmpty());
        assertTrue(store.list("").isEmpty());
    }

    @Test
    void listMatchesAStringPrefixInKeyOrder() {
        for (String key : List.of("b/1", "a/2", "ab/3", "a/1", "a/sub/deep/4", "c", "checkpoints/step-1/x",
                "checkpoints/step-10/x", "checkpoints/step-2/x")) {
            store.putBytes(key, key.getBytes(StandardCharsets.UTF_8));
        }
        assertEquals(List.of("a/1", "a/2", "a/sub/deep/4"), keys(store.list("a/")));
        assertEquals(List.of("a/1", "a/2", "a/sub/deep/4", "ab/3"), keys(store.list("a")));
        assertEquals(List.of("checkpoints/step-1/x", "checkpoints/step-10/x"), keys(store.list("checkpoints/step-1")));
        assertEquals(List.of("a/1", "a/2", "a/sub/deep/4", "ab/3", "b/1", "c", "checkpoints/step-1/x",
                "checkpoints/step-10/x", "checkpoints/step-2/x"), keys(store.list("")));
        assertEquals(List.of(), store.list("zzz/"));
        assertEquals(List.of(), store.list("a/sub/deep/4/"));
        ObjectInfo one = store.list("a/sub/").get(0);
        assertEquals("a/sub/deep/4".length(), one.size());
    }

    /** Creates one-byte objects; a subclass may seed its server faster than through the store. */
    void createObjects(List<String> keys) throws Exception {
        inParallel(keys, 4, key -> store.putBytes(key, new byte[] {1}));
    }

    @Test
    void oneStoreServesConcurrentWritersAndReaders() throws Exception {
        List<String> keys = IntStream.range(0, 60).mapToObj(i -> "parallel/" + i).toList();
        inParallel(keys, 4, key -> {
            store.putBytes(key, key.getBytes(StandardCharsets.UTF_8));
            assertEquals(key, new String(store.getBytes(key), StandardCharsets.UTF_8));
        });
        assertEquals(keys.stream().sorted(ObjectKeys.ORDER).toList(), keys(store.list("parallel/")));
    }

    private static void inParallel(List<String> keys, int threads, Consumer<String> action) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (List<String> slice : slices(keys, threads)) {
                done.add(pool.submit(() -> slice.forEach(action)));
            }
            for (Future<?> future : done) {
                future.get();
            }
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void listReturnsEveryKeyBeyondOneThousand() throws Exception {
        int count = 1201;
        List<String> expected = IntStream.range(0, count).mapToObj(i -> String.format("many/k-%05d", i)).toList();
        List<String> shuffled = new ArrayList<>(expected);
        Collections.shuffle(shuffled, new Random(3));
        createObjects(shuffled);
        store.putBytes("manyx", new byte[] {2});
        store.putBytes("man", new byte[] {3});

        List<ObjectInfo> listed = store.list("many/");
        assertEquals(expected, keys(listed));
        assertEquals(count + 1, store.list("many").size());
        assertEquals(count + 2, store.list("").size());
    }

    @Test
    void aMissingKeyIsNamedOnGetAndEmptyOnStat() {
        for (Consumer<String> read : List.<Consumer<String>>of(store::getBytes, key -> store.get(key),
                key -> store.getToFile(key, temp.resolve("target")))) {
            StorageException e = assertThrows(StorageException.class, () -> read.accept("no/such/key"));
            assertEquals(Kind.NOT_FOUND, e.kind(), e.getMessage());
            assertTrue(e.getMessage().contains("no/such/key"), e.getMessage());
        }
        assertFalse(Files.exists(temp.resolve("target")), "a failed download leaves no file behind");
        assertEquals(Optional.empty(), store.stat("no/such/key"));
        assertEquals(Optional.empty(), store.readPointer("no/such/LATEST"));
    }

    @Test
    void overwriteReplacesContentAndSize() {
        store.putBytes("x", "first version".getBytes(StandardCharsets.UTF_8));
        String firstTag = store.stat("x").orElseThrow().etag();
        store.putBytes("x", "second".getBytes(StandardCharsets.UTF_8));
        assertEquals("second", new String(store.getBytes("x"), StandardCharsets.UTF_8));
        assertEquals(6, store.stat("x").orElseThrow().size());
        assertFalse(firstTag.equals(store.stat("x").orElseThrow().etag()), "the ETag changes with the content");
        assertEquals(List.of("x"), keys(store.list("")));
    }

    @Test
    void putIfAbsentCreatesOnceAndNeverReplaces() {
        assertTrue(store.putBytesIfAbsent("lease/000000000001.json", "first".getBytes(StandardCharsets.UTF_8)));
        assertFalse(store.putBytesIfAbsent("lease/000000000001.json", "second".getBytes(StandardCharsets.UTF_8)));
        assertEquals("first", new String(store.getBytes("lease/000000000001.json"), StandardCharsets.UTF_8));
        assertEquals(List.of("lease/000000000001.json"), keys(store.list("")), "no temporary object is left");
        // an object written by a plain put counts as existing too
        store.putBytes("other", new byte[] {1});
        assertFalse(store.putBytesIfAbsent("other", new byte[] {2}));
        assertArrayEquals(new byte[] {1}, store.getBytes("other"));
        // after a delete the key can be created again
        store.delete("other");
        assertTrue(store.putBytesIfAbsent("other", new byte[] {3}));
        assertArrayEquals(new byte[] {3}, store.getBytes("other"));
    }

    @Test
    void deleteRemovesAnObjectAndAMissingOneIsFine() {
        store.putBytes("a/1", new byte[] {1});
        store.putBytes("a/2", new byte[] {2});
        store.putBytes("b/1", new byte[] {3});
        store.delete("a/1");
        assertTrue(store.stat("a/1").isEmpty());
        assertEquals(List.of("a/2", "b/1"), keys(store.list("")));
        store.delete("a/1");
        store.delete("never/existed");

        assertEquals(List.of("a/2"), store.deleteAll("a/"));
        assertEquals(List.of("b/1"), keys(store.list("")));
    }

    @Test
    void aPointerPublishedAfterItsPartsNamesACompleteSet() {
        assertEquals(Optional.empty(), store.readPointer("checkpoints/LATEST"));
        store.putBytes("checkpoints/step-1/params.bin", new byte[] {1, 2});
        store.putBytes("checkpoints/step-1/manifest.json", "{}".getBytes(StandardCharsets.UTF_8));
        store.publishPointer("checkpoints/LATEST", "checkpoints/step-1/");
        assertEquals(Optional.of("checkpoints/step-1/"), store.readPointer("checkpoints/LATEST"));

        store.putBytes("checkpoints/step-2/params.bin", new byte[] {3});
        store.publishPointer("checkpoints/LATEST", "checkpoints/step-2/");
        String target = store.readPointer("checkpoints/LATEST").orElseThrow();
        assertEquals("checkpoints/step-2/", target);
        assertArrayEquals(new byte[] {3}, store.getBytes(target + "params.bin"));
    }

    @Test
    void invalidKeysAreRejectedBeforeAnyRequest() {
        List<String> bad = List.of("../escape", "a/../../b", "/abs", "a//b", "a/./b", "a\\b", "nul\u0000", "",
                "k".repeat(1025), "a/");
        try (ObjectStore unreachable = openStoreThatFailsOnAnyRequest()) {
            for (String key : bad) {
                List<Runnable> operations = new ArrayList<>(List.of(
                        () -> unreachable.putBytes(key, new byte[] {1}),
                        () -> unreachable.put(key, new ByteArrayInputStream(new byte[] {1}), 1),
                        () -> unreachable.put(key, temp),
                        () -> unreachable.get(key),
                        () -> unreachable.getBytes(key),
                        () -> unreachable.getToFile(key, temp.resolve("never")),
                        () -> unreachable.stat(key),
                        () -> unreachable.delete(key),
                        () -> unreachable.publishPointer(key, "x")));
                if (!key.endsWith("/")) { // a child's prefix may end in '/'
                    operations.add(() -> unreachable.child(key));
                }
                for (Runnable operation : operations) {
                    StorageException e = assertThrows(StorageException.class, operation::run);
                    assertEquals(Kind.INVALID_INPUT, e.kind(), key + ": " + e.getMessage());
                    assertTrue(e.getMessage().startsWith("invalid object"), e.getMessage());
                }
            }
            for (String prefix : List.of("../", "/abs", "a//b", "a/./", "a\\")) {
                StorageException e = assertThrows(StorageException.class, () -> unreachable.list(prefix));
                assertEquals(Kind.INVALID_INPUT, e.kind(), prefix + ": " + e.getMessage());
            }
        }
        assertFalse(Files.exists(temp.resolve("never")));
    }

    @Test
    void aChildStoreWorksBelowItsPrefix() {
        ObjectStore child = store.child("runs/ns/job");
        assertTrue(child.root().toString().endsWith("/runs/ns/job"), child.root().toString());
        child.putBytes("config.yaml", new byte[] {7});
        ObjectStore grandChild = child.child("checkpoints/");
        grandChild.putBytes("LATEST", new byte[] {8});

        assertEquals(List.of("runs/ns/job/checkpoints/LATEST", "runs/ns/job/config.yaml"), keys(store.list("")));
        assertEquals(List.of("checkpoints/LATEST", "config.yaml"), keys(child.list("")));
        assertArrayEquals(new byte[] {8}, child.getBytes("checkpoints/LATEST"));
        assertEquals(List.of("LATEST"), keys(grandChild.list("")));
        child.close(); // a child shares its parent's connection: closing it leaves the parent usable
        assertArrayEquals(new byte[] {7}, store.getBytes("runs/ns/job/config.yaml"));
    }

    @Test
    void keysWithSpacesAndNonAsciiCharactersRoundTrip() {
        List<String> keys = List.of("données/été 2026/rapport final.json", "emoji/😀.png", "plus+and=equals/a&b");
        for (String key : keys) {
            store.putBytes(key, key.getBytes(StandardCharsets.UTF_8));
        }
        for (String key : keys) {
            assertEquals(key, new String(store.getBytes(key), StandardCharsets.UTF_8));
        }
        assertEquals(keys.stream().sorted(ObjectKeys.ORDER).toList(), keys(store.list("")));
    }

    @Test
    void getToFileReplacesTheTargetAndLeavesNoTemporaryFile() throws IOException {
        Path folder = Files.createDirectories(temp.resolve("download"));
        Path target = folder.resolve("model.bin");
        Files.writeString(target, "old content that is longer than the new one");
        store.putBytes("model.bin", "new".getBytes(StandardCharsets.UTF_8));
        store.getToFile("model.bin", target);
        assertEquals("new", Files.readString(target));
        try (Stream<Path> files = Files.list(folder)) {
            assertEquals(List.of(target), files.toList());
        }
    }

    static List<String> keys(List<ObjectInfo> infos) {
        return infos.stream().map(ObjectInfo::key).collect(Collectors.toList());
    }

    static byte[] randomBytes(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    /** Writes {@code size} pseudo-random bytes and returns their SHA-256. */
    static String writeRandomFile(Path file, long size, long seed) throws IOException {
        MessageDigest digest = sha256();
        Random random = new Random(seed);
        byte[] chunk = new byte[MB];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (long written = 0; written < size; written += chunk.length) {
                random.nextBytes(chunk);
                int n = (int) Math.min(chunk.length, size - written);
                out.write(chunk, 0, n);
                digest.update(chunk, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return sha256(in);
        }
    }

    static String sha256(InputStream in) throws IOException {
        MessageDigest digest = sha256();
        byte[] buffer = new byte[1 << 16];
        for (int n; (n = in.read(buffer)) > 0; ) {
            digest.update(buffer, 0, n);
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(sha256().digest(bytes));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static <T> List<List<T>> slices(List<T> all, int count) {
        List<List<T>> slices = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            slices.add(all.subList(all.size() * i / count, all.size() * (i + 1) / count));
        }
        return slices;
    }

    /** A stream that can be read once, with no size and no mark: what a producer's pipe looks like. */
    static final class OneWayStream extends InputStream {
        private final byte[] bytes;
        private int position;

        OneWayStream(byte[] bytes) {
            this.bytes = bytes;
        }

        @Override
        public int read() {
            return position < bytes.length ? bytes[position++] & 0xff : -1;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) {
            if (position >= bytes.length) {
                return -1;
            }
            int n = Math.min(length, Math.min(bytes.length - position, 8192)); // short reads, like a pipe
            System.arraycopy(bytes, position, buffer, offset, n);
            position += n;
            return n;
        }

        @Override
        public boolean markSupported() {
            return false;
        }
    }
}
