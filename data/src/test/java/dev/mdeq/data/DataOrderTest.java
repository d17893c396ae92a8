package dev.mdeq.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class DataOrderTest {
    @Test
    void eachEpochIsASeededPermutation() {
        DataOrder order = new DataOrder(1000, 32, true, true, 7);
        int[] e0 = order.epochOrder(0);
        int[] sorted = e0.clone();
        Arrays.sort(sorted);
        int[] identity = new int[1000];
        Arrays.setAll(identity, i -> i);
        assertArrayEquals(identity, sorted);
        assertFalse(Arrays.equals(identity, e0));
        assertArrayEquals(e0, new DataOrder(1000, 32, true, true, 7).epochOrder(0));
        assertFalse(Arrays.equals(e0, order.epochOrder(1)));
        assertFalse(Arrays.equals(e0, new DataOrder(1000, 32, true, true, 8).epochOrder(0)));
    }

    @Test
    void permutationsAreUniform() {
        // Position of element 0 over many epochs: every slot of 5 about equally often.
        DataOrder order = new DataOrder(5, 1, true, true, 1);
        int[] counts = new int[5];
        for (int epoch = 0; epoch < 5000; epoch++) {
            int[] p = order.epochOrder(epoch);
            for (int i = 0; i < 5; i++) {
                if (p[i] == 0) {
                    counts[i]++;
                }
            }
        }
        for (int c : counts) {
            assertEquals(1000, c, 100);
        }
    }

    @Test
    void trainingDropsTheLastPartialBatchAndEvaluationKeepsIt() {
        DataOrder train = new DataOrder(103, 10, true, true, 0);
        assertEquals(10, train.batchesPerEpoch());
        assertEquals(100, train.samplesPerEpoch());
        DataOrder eval = DataOrder.evaluation(103, 10);
        assertEquals(11, eval.batchesPerEpoch());
        assertEquals(103, eval.samplesPerEpoch());
        int[] identity = new int[103];
        Arrays.setAll(identity, i -> i);
        assertArrayEquals(identity, eval.epochOrder(4));
        assertArrayEquals(identity, new DataOrder(103, 10, false, true, 5).epochOrder(2));
    }

    @Test
    void classificationTrainingKeepsTheLastBatchAndSegmentationDropsIt() {
        DataOrder cls = DataOrder.forTraining(dev.mdeq.config.Presets.load("cifar/cls_mdeq_TINY", java.util.List.of()),
                50000, 128);
        assertEquals(391, cls.batchesPerEpoch());
        assertEquals(50000, cls.samplesPerEpoch());
        DataOrder seg = DataOrder.forTraining(dev.mdeq.config.Presets.load("cityscapes/seg_mdeq_SMALL",
                java.util.List.of("RUN.SEED", "4")), 2975, 3);
        assertEquals(991, seg.batchesPerEpoch());
        assertEquals(2973, seg.samplesPerEpoch());
        assertEquals(4, seg.seed());
        assertFalse(Arrays.equals(seg.epochOrder(0), DataOrder.evaluation(2975, 3).epochOrder(0)));
    }

    @Test
    void evaluationSubsetsAndShardsCoverTheirIndicesOnce() {
        DataOrder first = DataOrder.evaluation(500, 4, new int[] {0, 1, 2, 3, 4, 5});
        assertEquals(2, first.batchesPerEpoch());
        assertEquals(6, first.samplesPerEpoch());
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5}, first.epochOrder(3));
        assertThrows(IllegalArgumentException.class, () -> DataOrder.evaluation(5, 1, new int[] {5}));
    }

    @Test
    void positionsMustBeBatchBoundaries() {
        DataOrder train = new DataOrder(103, 10, true, true, 0);
        assertEquals(new DataPosition(3, 0), train.normalize(new DataPosition(2, 100)));
        assertEquals(new DataPosition(2, 40), train.normalize(new DataPosition(2, 40)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> train.check(new DataPosition(0, 45)));
        assertEquals("data position 45 of epoch 0 is not a batch boundary of this order (batch size 10, 100 samples "
                + "per epoch)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> train.check(new DataPosition(0, 110)));
        DataOrder eval = DataOrder.evaluation(103, 10);
        eval.check(new DataPosition(0, 103));
    }

    @Test
    void randomNumbersAreStableAcrossRunsAndIndependentPerSample() {
        // SplitMix64 with seed 0 (its first output for state 0 + golden gamma is well known).
        DataRandom r = new DataRandom(0);
        assertEquals(0xE220A8397B1DCDAFL, new SplitMixReference(mixSeed(0)).next(), "reference generator");
        assertEquals(new SplitMixReference(mixSeed(0)).next(), r.nextLong());
        assertFalse(DataRandom.forSample(1, 0, 5).nextLong() == DataRandom.forSample(1, 0, 6).nextLong());
        assertFalse(DataRandom.forSample(1, 0, 5).nextLong() == DataRandom.forSample(1, 1, 5).nextLong());
        assertEquals(DataRandom.forSample(1, 2, 5).nextLong(), DataRandom.forSample(1, 2, 5).nextLong());
        int[] counts = new int[3];
        DataRandom u = new DataRandom(9);
        for (int i = 0; i < 30000; i++) {
            counts[u.randint(4, 6) - 4]++;
        }
        for (int c : counts) {
            assertEquals(10000, c, 400);
        }
    }

    /** The seed scrambling DataRandom applies before SplitMix64 (the finaliser of the seed). */
    private static long mixSeed(long seed) {
        long z = seed;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** SplitMix64 as published by Vigna (state += 0x9e3779b97f4a7c15; mix). */
    private static final class SplitMixReference {
        private long x;

        SplitMixReference(long seed) {
            x = seed;
        }

        long next() {
            long z = (x += 0x9e3779b97f4a7c15L);
            z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
            z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
            return z ^ (z >>> 31);
        }
    }
}
