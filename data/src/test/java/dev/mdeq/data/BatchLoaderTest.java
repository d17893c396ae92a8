package dev.mdeq.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mdeq.config.Task;
import dev.mdeq.runstore.run.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BatchLoaderTest {
    @TempDir
    Path dir;

    /** 37 augmented CIFAR records (a real test_batch.bin). */
    private Cifar10Dataset cifar() throws IOException {
        int[] labels = new int[37];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = i % 10;
        }
        TestImages.cifar(dir.resolve("test_batch.bin"), labels);
        return Cifar10Dataset.open(dir, "val", true);
    }

    private static List<DataBatch> read(BatchLoader loader, DataPosition start) {
        List<DataBatch> out = new ArrayList<>();
        try (BatchLoader.BatchStream stream = loader.open(start)) {
            while (stream.hasNext()) {
                out.add(stream.next());
            }
        }
        return out;
    }

    private static void assertSameBatches(List<DataBatch> expected, List<DataBatch> actual) {
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i).sampleIds(), actual.get(i).sampleIds(), "batch " + i);
            assertArrayEquals(expected.get(i).images(), actual.get(i).images(), "batch " + i);
            assertArrayEquals(expected.get(i).labels(), actual.get(i).labels(), "batch " + i);
            assertEquals(expected.get(i).nextPosition(), actual.get(i).nextPosition());
        }
    }

    @Test
    void batchesFollowTheOrderWithDropLastAndTheirShapes() throws IOException {
        Cifar10Dataset data = cifar();
        DataOrder order = new DataOrder(data.size(), 8, true, true, 11);
        try (BatchLoader loader = new BatchLoader(data, order, 2, 3)) {
            List<DataBatch> batches = read(loader, DataPosition.startOf(0));
            assertEquals(4, batches.size());
            int[] perm = order.epochOrder(0);
            Set<Integer> seen = new HashSet<>();
            for (int b = 0; b < 4; b++) {
                DataBatch batch = batches.get(b);
                assertArrayEquals(new int[] {8, 3, 32, 32}, batch.shape());
                assertArrayEquals(new int[] {8}, batch.labelShape());
                assertArrayEquals(java.util.Arrays.copyOfRange(perm, 8 * b, 8 * b + 8), batch.sampleIds());
                assertEquals(new DataPosition(0, 8 * (b + 1)), batch.nextPosition());
                for (int i = 0; i < 8; i++) {
                    int id = batch.sampleIds()[i];
                    seen.add(id);
                    assertEquals(id % 10, batch.labels()[i]);
                    // Each sample is exactly the data set's sample with its own (seed, epoch, index) randomness.
                    Sample s = data.get(id, DataRandom.forSample(11, 0, id));
                    assertArrayEquals(s.image(), java.util.Arrays.copyOfRange(batch.images(), i * 3072, (i + 1) * 3072));
                }
            }
            assertEquals(32, seen.size());
        }
    }

    @Test
    void withoutDropLastTheLastBatchIsSmaller() throws IOException {
        Cifar10Dataset data = cifar();
        try (BatchLoader loader = new BatchLoader(data, new DataOrder(data.size(), 8, true, false, 2), 2, 2)) {
            List<DataBatch> batches = read(loader, DataPosition.startOf(0));
            assertEquals(5, batches.size());
            DataBatch last = batches.get(4);
            assertArrayEquals(new int[] {5, 3, 32, 32}, last.shape());
            assertEquals(5 * 3072, last.images().length);
            assertEquals(new DataPosition(0, 37), last.nextPosition());
            assertTrue(read(loader, last.nextPosition()).isEmpty());
        }
    }

    @Test
    void anEvaluationSubsetReadsItsSamplesInOrder() throws IOException {
        Cifar10Dataset data = cifar();
        try (BatchLoader loader = new BatchLoader(data, DataOrder.evaluation(data.size(), 5, IntStream.range(18, 37).toArray()), 2, 2)) {
            List<DataBatch> batches = read(loader, DataPosition.startOf(0));
            assertEquals(4, batches.size());
            assertArrayEquals(new int[] {18, 19, 20, 21, 22}, batches.get(0).sampleIds());
            assertArrayEquals(new int[] {33, 34, 35, 36}, batches.get(3).sampleIds());
        }
    }

    @Test
    void batchesDoNotDependOnTheNumberOfWorkers() throws IOException {
        Cifar10Dataset data = cifar();
        DataOrder order = new DataOrder(data.size(), 4, true, true, 3);
        List<DataBatch> one;
        try (BatchLoader loader = new BatchLoader(data, order, 1, 1)) {
            one = read(loader, DataPosition.startOf(2));
        }
        try (BatchLoader loader = new BatchLoader(data, order, 4, 7)) {
            assertSameBatches(one, read(loader, DataPosition.startOf(2)));
        }
    }

    @Test
    void aResumedStreamRepeatsTheRestOfTheEpochExactly() throws IOException {
        Cifar10Dataset data = cifar();
        DataOrder order = new DataOrder(data.size(), 4, true, true, 5);
        try (BatchLoader loader = new BatchLoader(data, order, 2, 2)) {
            List<DataBatch> epoch1 = read(loader, DataPosition.startOf(1));
            assertEquals(9, epoch1.size());
            // Stop after 3 batches (what a checkpoint saved), resume from there in a new loader.
            DataPosition saved;
            try (BatchLoader.BatchStream stream = loader.open(DataPosition.startOf(1))) {
                stream.next();
                stream.next();
                saved = stream.next().nextPosition();
            }
            assertEquals(new DataPosition(1, 12), saved);
            try (BatchLoader resumed = new BatchLoader(data, order, 3, 4)) {
                assertSameBatches(epoch1.subList(3, 9), read(resumed, saved));
                assertTrue(read(resumed, new DataPosition(1, 36)).isEmpty());
            }
            List<DataBatch> epoch2 = read(loader, DataPosition.startOf(2));
            assertFalse(java.util.Arrays.equals(epoch1.get(0).sampleIds(), epoch2.get(0).sampleIds()));
        }
    }

    @Test
    void decodingStaysBoundedByThePrefetchQueue() throws Exception {
        Cifar10Dataset data = cifar();
        AtomicInteger decoded = new AtomicInteger();
        ImageDataset counting = new CountingDataset(data, decoded);
        try (BatchLoader loader = new BatchLoader(counting, DataOrder.evaluation(data.size(), 2), 2, 3);
             BatchLoader.BatchStream stream = loader.open(DataPosition.startOf(0))) {
            Thread.sleep(300);
            assertEquals(6, decoded.get(), "3 batches of 2 decoded ahead, no more");
            stream.next();
            Thread.sleep(300);
            assertEquals(8, decoded.get());
            assertEquals(18, stream.remaining());
        }
    }

    @Test
    void aCorruptFileFailsTheConsumerWithItsPathAndTheWorkersStop() throws IOException, InterruptedException {
        String[] names = new String[6];
        StringBuilder list = new StringBuilder();
        for (int i = 0; i < names.length; i++) {
            String image = "leftImg8bit/train/ulm/ulm_00000" + i + "_000019_leftImg8bit.png";
            String label = "gtFine/train/ulm/ulm_00000" + i + "_000019_gtFine_labelIds.png";
            TestImages.png(dir.resolve("cityscapes").resolve(image), TestImages.pattern(6, 8, 3));
            TestImages.png(dir.resolve("cityscapes").resolve(label), ImageU8.zeros(6, 8, 1));
            list.append(image).append(' ').append(label).append('\n');
            names[i] = image;
        }
        Files.createDirectories(dir.resolve("list"));
        Files.writeString(dir.resolve("list/train.lst"), list);
        Path bad = dir.resolve("cityscapes").resolve(names[4]);
        Files.write(bad, new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0});
        CityscapesDataset data = new CityscapesDataset(CityscapesList.read(dir, "list/train.lst"),
                new CityscapesTransforms.Settings(8, 8, 6, 0, false, true, false, 255), 0);
        try (BatchLoader loader = new BatchLoader(data, DataOrder.evaluation(6, 2), 2, 4)) {
            BatchLoader.BatchStream stream = loader.open(DataPosition.startOf(0));
            DataBatch first = stream.next();
            assertArrayEquals(new int[] {2, 6, 8}, first.labelShape());
            assertEquals(Task.SEGMENTATION, data.task());
            stream.next();
            InvalidInputException e = assertThrows(InvalidInputException.class, stream::next);
            assertTrue(e.getMessage().startsWith(bad + ": corrupt or unsupported image"), e.getMessage());
            assertFalse(stream.hasNext());
        }
        // awaitTermination returns once the pool has no workers, a moment before their threads end
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("mdeq-data-")) {
                t.join(5_000);
                assertFalse(t.isAlive(), t.getName() + " still running 5 s after close");
            }
        }
    }

    @Test
    void closingTheLoaderReleasesAConsumerWaitingForABatch() throws Exception {
        Cifar10Dataset data = cifar();
        AtomicInteger decoded = new AtomicInteger();
        ImageDataset slow = new CountingDataset(data, decoded) {
            @Override
            public Sample get(int index, DataRandom random) {
                try {
                    Thread.sleep(10_000);
                } catch (InterruptedException e) {
                    throw new java.util.concurrent.CancellationException("interrupted");
                }
                return super.get(index, random);
            }
        };
        BatchLoader loader = new BatchLoader(slow, DataOrder.evaluation(data.size(), 4), 1, 2);
        BatchLoader.BatchStream stream = loader.open(DataPosition.startOf(0));
        Thread closer = new Thread(() -> {
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                return;
            }
            loader.close();
        });
        long start = System.nanoTime();
        closer.start();
        assertThrows(java.util.concurrent.CancellationException.class, stream::next);
        assertTrue(System.nanoTime() - start < 5_000_000_000L, "close did not release the consumer promptly");
        closer.join();
    }

    /** Delegates to a real data set and counts decoded samples. */
    private static class CountingDataset implements ImageDataset {
        private final ImageDataset data;
        private final AtomicInteger decoded;

        CountingDataset(ImageDataset data, AtomicInteger decoded) {
            this.data = data;
            this.decoded = decoded;
        }

        @Override
        public String description() {
            return data.description();
        }

        @Override
        public int size() {
            return data.size();
        }

        @Override
        public Task task() {
            return data.task();
        }

        @Override
        public int numClasses() {
            return data.numClasses();
        }

        @Override
        public String sampleName(int index) {
            return data.sampleName(index);
        }

        @Override
        public Sample get(int index, DataRandom random) {
            decoded.incrementAndGet();
            return data.get(index, random);
        }
    }
}
