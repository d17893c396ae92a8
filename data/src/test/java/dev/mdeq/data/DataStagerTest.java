package dev.mdeq.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mdeq.config.ExperimentConfig;
import dev.mdeq.config.Presets;
import dev.mdeq.runstore.storage.ObjectInfo;
import dev.mdeq.runstore.storage.ObjectStore;
import dev.mdeq.runstore.storage.ObjectStores;
import dev.mdeq.runstore.storage.StorageException;
import dev.mdeq.runstore.storage.StoreUri;
import dev.mdeq.runstore.testing.S3TestServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataStagerTest {
    @TempDir
    Path dir;

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static void fill(ObjectStore store) {
        store.putBytes("test_batch.bin", bytes("test records"));
        store.putBytes("sub/a.bin", bytes("aaaa"));
        store.putBytes("sub/b.bin", bytes("bbbbbb"));
    }

    @Test
    void stagesFromS3ThenReusesTheCacheAndRefetchesWhatChangedOrBroke() throws IOException {
        try (S3TestServer s3 = S3TestServer.start();
             ObjectStore store = ObjectStores.open(s3.uri("datasets/cifar"), s3.settings())) {
            fill(store);
            DataStager stager = new DataStager(dir.resolve("cache"), 2, true);
            DataStager.Result first = stager.stage(store);
            Path folder = dir.resolve("cache/datasets/s3/test-bucket/datasets/cifar");
            assertEquals(new DataStager.Result(folder, 3, 3, 0, 22), first);
            assertArrayEquals(bytes("bbbbbb"), Files.readAllBytes(folder.resolve("sub/b.bin")));

            // A restart with the cache intact fetches nothing.
            assertEquals(new DataStager.Result(folder, 3, 0, 3, 0), stager.stage(store));

            // A changed object (new ETag), a truncated local file, a deleted one and the leftover of
            // an interrupted download are all fetched again; the rest is reused.
            store.putBytes("test_batch.bin", bytes("new records!"));
            Files.write(folder.resolve("sub/a.bin"), bytes("aa"));
            Files.delete(folder.resolve("sub/b.bin"));
            Files.write(folder.resolve("sub/b.bin.mdeq-part"), bytes("garbage from a killed run"));
            DataStager.Result third = stager.stage(store);
            assertEquals(3, third.fetched());
            assertArrayEquals(bytes("new records!"), Files.readAllBytes(folder.resolve("test_batch.bin")));
            assertArrayEquals(bytes("aaaa"), Files.readAllBytes(folder.resolve("sub/a.bin")));
            assertArrayEquals(bytes("bbbbbb"), Files.readAllBytes(folder.resolve("sub/b.bin")));
            assertFalse(Files.exists(folder.resolve("sub/b.bin.mdeq-part")));

            // A torn manifest line (a kill while appending) costs a refetch of that file only.
            Files.writeString(folder.resolve(DataStager.MANIFEST), "12 abc sub/b.b", StandardCharsets.UTF_8,
                    java.nio.file.StandardOpenOption.APPEND);
            assertEquals(0, stager.stage(store).fetched());
            store.putBytes("sub/c.bin", bytes("c"));
            assertEquals(1, stager.stage(store).fetched());
            assertEquals(new DataStager.Result(folder, 4, 0, 4, 0), stager.stage(store));
        }
    }

    @Test
    void stagesAFolderStoreAndSelectsKeys() throws IOException {
        Path source = dir.resolve("source");
        try (ObjectStore store = ObjectStores.open(StoreUri.ofPath(source).toString())) {
            fill(store);
            DataStager stager = new DataStager(dir.resolve("cache"), 1, true);
            DataStager.Result r = stager.stage(store, key -> key.startsWith("sub/"));
            assertEquals(2, r.files());
            assertEquals(dir.resolve("cache/datasets/file").resolve(source.toString().substring(1)), r.folder());
            assertTrue(Files.isRegularFile(r.folder().resolve("sub/a.bin")));
            assertFalse(Files.exists(r.folder().resolve("test_batch.bin")));
        }
    }

    @Test
    void theDownloadsShowTheirProgressOnABarThatFitsTheTerminal() {
        Path source = dir.resolve("source");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectStore store = ObjectStores.open(StoreUri.ofPath(source).toString())) {
            fill(store);
            DataStager stager = new DataStager(dir.resolve("cache"), 2, true)
                    .withProgress(p -> p.console(true).columns(() -> 80).out(new PrintStream(bytes, true,
                            StandardCharsets.UTF_8)));
            stager.stage(store);
            String shown = bytes.toString(StandardCharsets.UTF_8);
            assertTrue(shown.startsWith("stage: fetching 3 of 3 files from "), shown);
            List<String> lines = List.of(shown.split("\n"));
            assertEquals(2, lines.size(), shown);
            String lastFrame = lines.get(1).substring(lines.get(1).lastIndexOf('\r') + 1);
            assertTrue(lastFrame.matches("stage \\[#+\\] 3/3 files 100% [0-9.]+ files/s MB=0\\.0 *"), lastFrame);
            assertTrue(lastFrame.length() < 80, lastFrame);
            bytes.reset();
            stager.stage(store);
            assertEquals("", bytes.toString(StandardCharsets.UTF_8), "nothing to fetch, nothing shown");
        }
    }

    @Test
    void aCopyWhoseMd5DiffersFromTheEtagIsRefused() {
        DataStager stager = new DataStager(dir, 1, true);
        String md5OfAbc = "900150983cd24fb0d6963f7d28e17f72";
        ObjectInfo info = new ObjectInfo("k", 3, "\"" + md5OfAbc + "\"", Instant.EPOCH);
        assertNull(stager.verify(info, 3, md5OfAbc));
        assertEquals("got 2 bytes, the store lists 3", stager.verify(info, 2, md5OfAbc));
        assertTrue(stager.verify(info, 3, "0cc175b9c0f1b6a831c399e269772661").startsWith(
                "content MD5 0cc175b9c0f1b6a831c399e269772661 differs from the ETag " + md5OfAbc));
        // Multipart ETags and folder-store tags are not MD5s: size only.
        assertNull(stager.verify(new ObjectInfo("k", 3, "abcdef-2", Instant.EPOCH), 3, md5OfAbc));
        assertNull(new DataStager(dir, 1, false).verify(info, 3, "0cc175b9c0f1b6a831c399e269772661"));
    }

    @Test
    void cityscapesStagesTheListsAndTheFilesTheyNameOnly() throws IOException {
        Path source = dir.resolve("synth");
        try (ObjectStore store = ObjectStores.open(source.toString())) {
            SyntheticCityscapes.generate(new SyntheticCityscapes.Spec(3, 1, 32, 64, 0), store::putBytes, 1);
            store.putBytes("cityscapes/leftImg8bit/test/berlin/berlin_000000_000019_leftImg8bit.png", bytes("x"));
            store.putBytes("cityscapes/gtCoarse/train/aachen/aachen_000000_000019_gtCoarse_labelIds.png", bytes("x"));
        }
        ExperimentConfig config = Presets.load("demo/seg_mdeq_tiny", List.of("DATASET.ROOT", "file:" + source,
                "TRAIN.BATCH_SIZE_PER_GPU", "1"));
        DataStager stager = new DataStager(dir.resolve("cache"), 2, true);
        Path local = Datasets.localRoot(config, stager, ObjectStores::open);
        try (Stream<Path> files = Files.walk(local)) {
            List<String> staged = files.filter(Files::isRegularFile).map(p -> local.relativize(p).toString())
                    .filter(p -> !p.startsWith(".mdeq")).sorted().toList();
            assertEquals(2 + 2 * 4, staged.size(), staged.toString());
            assertFalse(staged.stream().anyMatch(p -> p.contains("berlin") || p.contains("gtCoarse")));
        }
        ImageDataset train = Datasets.training(config, local);
        assertEquals(3, train.size());
        // The demo's 128x64 crop of a 64x32 image scaled by at most 2.1 of BASE_SIZE 256: padded as needed.
        Sample s = train.get(0, new DataRandom(0));
        assertEquals(64, s.height());
        assertEquals(128, s.width());
    }

    @Test
    void aStoreRootInTheConfigIsStagedThroughTheEnvironmentsS3Settings() throws IOException {
        try (S3TestServer s3 = S3TestServer.start();
             ObjectStores.EnvironmentOverride env = ObjectStores.overrideEnvironment(s3.environment())) {
            try (ObjectStore store = ObjectStores.open(s3.uri("fmnist"))) {
                Path tmp = dir.resolve("idx");
                TestImages.idx(tmp.resolve("t10k-images-idx3-ubyte.gz"), new int[] {2, 28, 28}, new byte[2 * 784], true);
                TestImages.idx(tmp.resolve("t10k-labels-idx1-ubyte.gz"), new int[] {2}, new byte[] {3, 4}, true);
                TestImages.idx(tmp.resolve("train-images-idx3-ubyte.gz"), new int[] {1, 28, 28}, new byte[784], true);
                TestImages.idx(tmp.resolve("train-labels-idx1-ubyte.gz"), new int[] {1}, new byte[] {9}, true);
                try (Stream<Path> files = Files.list(tmp)) {
                    files.forEach(f -> store.put(f.getFileName().toString(), f));
                }
            }
            ExperimentConfig config = Presets.load("fashion_mnist/cls_mdeq_fmnist",
                    List.of("DATASET.ROOT", s3.uri("fmnist")));
            Path local = Datasets.localRoot(config, new DataStager(dir.resolve("cache"), 2, true), ObjectStores::open);
            assertEquals(2, Datasets.validation(config, local).size());
            assertEquals(4, Datasets.validation(config, local).get(1, new DataRandom(0)).labels()[0]);
        }
    }

    @Test
    void anEmptyOrWrongRootIsNamed() throws IOException {
        Path empty = dir.resolve("empty");
        Files.createDirectories(empty);
        DataStager stager = new DataStager(dir.resolve("cache"), 1, true);
        ExperimentConfig cifar = Presets.load("cifar/cls_mdeq_TINY", List.of("DATASET.ROOT", "file:" + empty));
        dev.mdeq.runstore.run.InvalidInputException e = assertThrows(dev.mdeq.runstore.run.InvalidInputException.class,
                () -> Datasets.localRoot(cifar, stager, ObjectStores::open));
        assertEquals("DATASET.ROOT file:" + empty + " holds no objects for any file of the data set", e.getMessage());

        try (ObjectStore store = ObjectStores.open(empty.toString())) {
            store.putBytes("list/cityscapes/train.lst", bytes("a.png b.png\n"));
        }
        ExperimentConfig seg = Presets.load("demo/seg_mdeq_tiny", List.of("DATASET.ROOT", "file:" + empty));
        dev.mdeq.runstore.run.InvalidInputException list = assertThrows(dev.mdeq.runstore.run.InvalidInputException.class,
                () -> Datasets.localRoot(seg, stager, ObjectStores::open));
        assertEquals("file:" + empty + "/list/cityscapes/val.lst: Cityscapes list file not found", list.getMessage());
    }

    @Test
    void aMissingBucketIsAStorageError() {
        try (S3TestServer s3 = S3TestServer.start();
             ObjectStore store = ObjectStores.open("s3://no-such-bucket/data", s3.settings())) {
            StorageException e = assertThrows(StorageException.class,
                    () -> new DataStager(dir, 1, true).stage(store));
            assertTrue(e.getMessage().contains("no-such-bucket"), e.getMessage());
        }
    }
}
