package dev.mdeq.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Samples per second of the data pipeline alone (decode + augment + batch, no model), for the
 * synthetic Cityscapes set at full resolution with 512x1024 training crops and for CIFAR-10
 * records with augmentation, with 1 and 2 worker threads. Prints its numbers; asserts nothing on time.
 * Run: mvn -B -pl trainer -am verify -Dgroups=benchmark -DexcludedTestGroups= -Dtest=DataPipelineBenchmark
 * -Dsurefire.failIfNoSpecifiedTests=false
 */
@Tag("benchmark")
class DataPipelineBenchmark {
    @TempDir
    Path dir;

    @Test
    void cityscapesTrainingCrops() {
        int images = 8;
        long t0 = System.nanoTime();
        SyntheticCityscapes.generate(new SyntheticCityscapes.Spec(images, 1, 1024, 2048, 0), (key, bytes) -> {
            try {
                Path file = dir.resolve(key);
                Files.createDirectories(file.getParent());
                Files.write(file, bytes);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, 2);
        System.out.printf(Locale.ROOT, "synthetic cityscapes: %d images 2048x1024 generated in %.1f s%n", images + 1,
                (System.nanoTime() - t0) / 1e9);
        // seg_mdeq_SMALL: BASE_SIZE 2048, crop 1024x512, scales 0.5..2.1, flip, batch 3 per GPU.
        CityscapesDataset train = new CityscapesDataset(CityscapesList.read(dir, "list/cityscapes/train.lst"),
                new CityscapesTransforms.Settings(2048, 1024, 512, 16, true, true, false, 255), 0);
        CityscapesDataset val = new CityscapesDataset(CityscapesList.read(dir, "list/cityscapes/val.lst"),
                new CityscapesTransforms.Settings(2048, 2048, 1024, 16, false, false, false, 255), 0);
        breakdown(train, images);
        for (int workers : new int[] {1, 2}) {
            measure("cityscapes train 512x1024 crops, batch 2", train, new DataOrder(images, 2, true, true, 0), workers, 3);
        }
        for (int workers : new int[] {1, 2}) {
            measure("cityscapes val 1024x2048 full, batch 1", val, DataOrder.evaluation(1, 1), workers, 8);
        }
    }

    @Test
    void cifarAugmented() throws IOException {
        int[] labels = new int[10000];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = i % 10;
        }
        TestImages.cifar(dir.resolve("test_batch.bin"), labels);
        Cifar10Dataset data = Cifar10Dataset.open(dir, "val", true);
        for (int workers : new int[] {1, 2}) {
            measure("cifar10 RandomCrop+flip, batch 128", data, new DataOrder(data.size(), 128, true, false, 0), workers, 3);
        }
    }

    /** Where one training sample's time goes, on the consumer thread (second pass, after JIT warm-up). */
    private static void breakdown(CityscapesDataset train, int images) {
        double[] ms = new double[4];
        for (int pass = 0; pass < 2; pass++) {
            java.util.Arrays.fill(ms, 0);
            for (int i = 0; i < images; i++) {
                CityscapesList.Entry e = train.list().entries().get(i);
                long t0 = System.nanoTime();
                ImageU8 image = ImageFiles.readRgb(train.list().folder().resolve(e.image()));
                long t1 = System.nanoTime();
                ImageU8 ids = CityscapesDataset.toTrainIds(ImageFiles.readLabels(train.list().folder().resolve(e.label())));
                long t2 = System.nanoTime();
                CityscapesTransforms.apply(i, image, ids, new CityscapesTransforms.Settings(2048, 1024, 512, 16, true, true,
                        false, 255), DataRandom.forSample(0, pass, i));
                long t3 = System.nanoTime();
                ms[0] += (t1 - t0) / 1e6;
                ms[1] += (t2 - t1) / 1e6;
                ms[2] += (t3 - t2) / 1e6;
                ms[3] += (t3 - t0) / 1e6;
            }
        }
        System.out.printf(Locale.ROOT, "cityscapes sample breakdown (ms per sample): decode image %.0f, decode labels %.0f, "
                + "scale+crop+normalise+flip %.0f, total %.0f%n", ms[0] / images, ms[1] / images, ms[2] / images,
                ms[3] / images);
    }

    private static void measure(String name, ImageDataset data, DataOrder order, int workers, int epochs) {
        try (BatchLoader loader = new BatchLoader(data, order, workers, 2 * workers)) {
            // Warm-up epoch (JIT), then timed epochs.
            drain(loader, 0);
            long start = System.nanoTime();
            long samples = 0;
            for (int epoch = 1; epoch <= epochs; epoch++) {
                samples += drain(loader, epoch);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf(Locale.ROOT, "%-45s workers %d: %8.1f samples/s (%d samples in %.2f s)%n", name, workers,
                    samples / seconds, samples, seconds);
        }
    }

    private static long drain(BatchLoader loader, int epoch) {
        long n = 0;
        try (BatchLoader.BatchStream stream = loader.open(DataPosition.startOf(epoch))) {
            while (stream.hasNext()) {
                n += stream.next().size();
            }
        }
        return n;
    }
}
