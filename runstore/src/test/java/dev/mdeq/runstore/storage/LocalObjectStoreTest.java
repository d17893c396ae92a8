package dev.mdeq.runstore.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mdeq.runstore.storage.StorageException.Kind;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The contract on a local folder, plus what only a folder can get wrong (links, half-written files). */
class LocalObjectStoreTest extends ObjectStoreContractTest {

    @Override
    ObjectStore openStore(String name) {
        return new LocalObjectStore(temp.resolve("stores").resolve(name));
    }

    @Override
    ObjectStore openStoreThatFailsOnAnyRequest() {
        try {
            Path file = Files.writeString(temp.resolve("a-file"), "not a folder");
            return new LocalObjectStore(file.resolve("store"));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Seeds the folder directly: 1,200 forced writes take seconds on a loaded machine. */
    @Override
    void createObjects(List<String> keys) throws IOException {
        Path root = ((LocalObjectStore) store).file("x").getParent();
        for (String key : keys) {
            Path file = root.resolve(key);
            Files.createDirectories(file.getParent());
            Files.write(file, new byte[] {1});
        }
    }

    /** Of many threads creating one key at once exactly one succeeds, and its content is what is there. */
    @Test
    void putIfAbsentHasExactlyOneWinnerUnderARace() throws Exception {
        for (int round = 0; round < 20; round++) {
            String key = "race/" + round;
            int threads = 8;
            java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(threads);
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
            try {
                List<java.util.concurrent.Future<Boolean>> results = new java.util.ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    byte[] content = ("writer " + t).getBytes(StandardCharsets.UTF_8);
                    results.add(pool.submit(() -> {
                        start.await();
                        return store.putBytesIfAbsent(key, content);
                    }));
                }
                int winner = -1;
                for (int t = 0; t < threads; t++) {
                    if (results.get(t).get()) {
                        assertEquals(-1, winner, "two writers created " + key);
                        winner = t;
                    }
                }
                assertTrue(winner >= 0, "nobody created " + key);
                assertEquals("writer " + winner, new String(store.getBytes(key), StandardCharsets.UTF_8));
            } finally {
                pool.shutdown();
            }
        }
        assertEquals(20, store.list("").size(), "no temporary file is listed or left");
    }

    @Test
    void symbolicLinksCannotLeadOutsideTheRoot() throws IOException {
        Path root = temp.resolve("stores/symbolicLinksCannotLeadOutsideTheRoot");
        Path outside = Files.createDirectories(temp.resolve("outside"));
        Files.writeString(outside.resolve("secret.txt"), "do not read");
        store.putBytes("inside/ok", new byte[] {1});
        Files.createSymbolicLink(root.resolve("out-dir"), outside);
        Files.createSymbolicLink(root.resolve("out-file"), outside.resolve("secret.txt"));

        List<Runnable> escapes = List.of(
                () -> store.putBytes("out-dir/planted", new byte[] {1}),
                () -> store.putBytes("out-dir/new/deeper", new byte[] {1}),
                () -> store.getBytes("out-dir/secret.txt"),
                () -> store.getBytes("out-file"),
                () -> store.stat("out-file"),
                () -> store.delete("out-dir/secret.txt"),
                () -> store.list("out-dir/"));
        for (Runnable escape : escapes) {
            StorageException e = assertThrows(StorageException.class, escape::run);
            assertEquals(Kind.INVALID_INPUT, e.kind(), e.getMessage());
            assertTrue(e.getMessage().contains("outside the store"), e.getMessage());
        }
        assertFalse(Files.exists(outside.resolve("planted")));
        assertFalse(Files.exists(outside.resolve("new")));
        assertTrue(Files.exists(outside.resolve("secret.txt")));
        assertEquals(List.of("inside/ok"), keys(store.list("")), "links leading outside are not listed");
    }

    @Test
    void aLinkInsideTheRootIsAnOrdinaryObject() throws IOException {
        Path root = temp.resolve("stores/aLinkInsideTheRootIsAnOrdinaryObject");
        store.putBytes("real", "data".getBytes(StandardCharsets.UTF_8));
        Files.createSymbolicLink(root.resolve("alias"), root.resolve("real"));
        assertEquals("data", new String(store.getBytes("alias"), StandardCharsets.UTF_8));
        assertEquals(List.of("alias", "real"), keys(store.list("")));
    }

    @Test
    void aReaderNeverSeesAHalfWrittenObject() throws Exception {
        int size = 4 * MB;
        byte[] a = new byte[size];
        byte[] b = new byte[size];
        Arrays.fill(a, (byte) 'a');
        Arrays.fill(b, (byte) 'b');
        store.putBytes("model.bin", a);
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread writer = new Thread(() -> {
            try {
                for (int i = 0; i < 40; i++) {
                    store.putBytes("model.bin", i % 2 == 0 ? b : a);
                }
            } catch (Throwable e) {
                failure.set(e);
            } finally {
                writing.set(false);
            }
        });
        writer.start();
        AtomicInteger reads = new AtomicInteger();
        while (writing.get()) {
            byte[] seen = store.getBytes("model.bin");
            assertEquals(size, seen.length, "a reader saw a partial object");
            assertTrue(Arrays.equals(seen, a) || Arrays.equals(seen, b), "a reader saw a mix of two versions");
            reads.incrementAndGet();
        }
        writer.join();
        assertEquals(null, failure.get());
        assertTrue(reads.get() > 0);
        assertEquals(List.of("model.bin"), keys(store.list("")), "no temporary file is left or listed");
    }

    @Test
    void leftoverTemporaryFilesAreNeverListed() throws IOException {
        Path root = temp.resolve("stores/leftoverTemporaryFilesAreNeverListed");
        store.putBytes("a/x", new byte[] {1});
        Files.writeString(root.resolve("a").resolve(ObjectKeys.RESERVED_PREFIX + "1234"), "from a killed writer");
        assertEquals(List.of("a/x"), keys(store.list("")));
    }

    @Test
    void aMissingRootIsAnEmptyStoreThatReadsDoNotCreate() {
        Path root = temp.resolve("stores/nothing-here");
        ObjectStore missing = new LocalObjectStore(root);
        assertEquals(List.of(), missing.list(""));
        assertTrue(missing.stat("x").isEmpty());
        missing.delete("x");
        assertFalse(Files.exists(root));
        missing.putBytes("x", new byte[] {1});
        assertTrue(Files.isRegularFile(root.resolve("x")));
    }

    @Test
    void anObjectCannotAlsoBeAFolderOfObjects() {
        store.putBytes("a", new byte[] {1});
        StorageException e = assertThrows(StorageException.class, () -> store.putBytes("a/b", new byte[] {2}));
        assertTrue(e.getMessage().contains("cannot also be a folder"), e.getMessage());
        store.putBytes("c/d", new byte[] {3});
        e = assertThrows(StorageException.class, () -> store.putBytes("c", new byte[] {4}));
        assertTrue(e.getMessage().contains("folder holding other objects"), e.getMessage());
        assertTrue(store.stat("c").isEmpty());
        assertArrayEquals(new byte[] {3}, store.getBytes("c/d"));
    }

    @Test
    void deletingTheLastObjectOfAFolderRemovesTheEmptyFoldersButNotTheRoot() {
        Path root = temp.resolve("stores/deletingTheLastObjectOfAFolderRemovesTheEmptyFoldersButNotTheRoot");
        store.putBytes("a/b/c/x", new byte[] {1});
        store.putBytes("a/y", new byte[] {1});
        store.delete("a/b/c/x");
        assertFalse(Files.exists(root.resolve("a/b")));
        assertTrue(Files.exists(root.resolve("a/y")));
        store.delete("a/y");
        assertFalse(Files.exists(root.resolve("a")));
        assertTrue(Files.isDirectory(root));
    }

    @Test
    void theFileOfAKeyIsInsideTheRoot() {
        LocalObjectStore local = (LocalObjectStore) store;
        Path root = temp.resolve("stores/theFileOfAKeyIsInsideTheRoot").toAbsolutePath();
        assertEquals(root.resolve("a/b.txt"), local.file("a/b.txt"));
        assertEquals("file:" + root, local.root().toString());
    }
}
