package dev.mdeq.trainer.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.mdeq.model.CrossEntropy;
import dev.mdeq.config.ExperimentConfig;
import dev.mdeq.data.DataBatch;
import dev.mdeq.data.DataPosition;
import dev.mdeq.model.MdeqModel;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Data parallelism with two replicas (both on the CPU here; on GPUs each has its own device):
 * the primary's gradient is the shard-size-weighted mean of what each shard gives on a model of
 * its own, and a broadcast makes the replicas equal again.
 */
class ReplicatedModelTest {
    @TempDir
    Path temp;

    @Test
    void gradientsAreAveragedOverShardsAndParametersBroadcast() throws Exception {
        ExperimentConfig config = TrainingFixtures.tinyConfig(temp, "TRAIN.PRETRAIN_STEPS", "0", "MODEL.DROPOUT", "0.2");
        long step = 7;
        int n = 5; // shards of 3 and 2
        Random random = new Random(5);
        float[] images = new float[n * 3 * 32 * 32];
        for (int i = 0; i < images.length; i++) {
            images[i] = (float) random.nextGaussian();
        }
        int[] labels = {1, 4, 9, 0, 3};
        DataBatch batch = new DataBatch(images, new int[] {n, 3, 32, 32}, labels, new int[] {n}, new int[] {0, 1, 2, 3, 4},
                0, new DataPosition(0, n));

        Map<String, float[]> expected = new LinkedHashMap<>();
        int offset = 0;
        for (int k = 0; k < 2; k++) {
            int size = k == 0 ? 3 : 2;
            try (MdeqModel single = MdeqModel.create(config, Device.cpu(), DataType.FLOAT32, config.run().seed());
                    NDManager manager = single.manager().newSubManager()) {
                single.setMaskDraws(step * 2 + k);
                float[] shardImages = java.util.Arrays.copyOfRange(images, offset * 3072, (offset + size) * 3072);
                int[] shardLabels = java.util.Arrays.copyOfRange(labels, offset, offset + size);
                single.trainStep(manager.create(shardImages, new Shape(size, 3, 32, 32)),
                        logits -> CrossEntropy.classification(logits, logits.getManager().create(shardLabels)), step);
                double weight = (double) size / n;
                single.trainableParameters().forEach((name, p) -> {
                    float[] g = p.getArray().getGradient().toFloatArray();
                    float[] sum = expected.computeIfAbsent(name, x -> new float[g.length]);
                    for (int i = 0; i < g.length; i++) {
                        sum[i] += (float) (weight * g[i]);
                    }
                });
            }
            offset += size;
        }

        try (ReplicatedModel model = new ReplicatedModel(config, List.of(Device.cpu(), Device.cpu()),
                config.run().seed())) {
            model.zeroGradients();
            ReplicatedModel.StepResult result = model.step(batch, step, (logits, shard) ->
                    CrossEntropy.classification(logits, logits.getManager().create(shard.labels())));
            assertEquals(2, result.shards().size());
            boolean anyNonZero = false;
            for (Map.Entry<String, NDArray> entry : model.trainableArrays().entrySet()) {
                float[] got = entry.getValue().getGradient().toFloatArray();
                float[] want = expected.get(entry.getKey());
                for (int i = 0; i < got.length; i++) {
                    assertEquals(want[i], got[i], 1e-6 + 1e-4 * Math.abs(want[i]), entry.getKey() + "[" + i + "]");
                    anyNonZero |= got[i] != 0;
                }
            }
            assertTrue(anyNonZero);

            // an update on the primary reaches the other copy
            for (NDArray parameter : model.trainableArrays().values()) {
                parameter.addi(0.5f);
            }
            model.broadcast();
            for (Map.Entry<String, NDArray> entry : model.trainableArrays().entrySet()) {
                assertArrayEquals(entry.getValue().toFloatArray(), model.replica(1).trainableParameters()
                        .get(entry.getKey()).getArray().toFloatArray(), 0f, entry.getKey());
            }
        }
    }

    @Test
    void shardsAreContiguousAndDifferInSizeByAtMostOne() {
        int n = 5;
        float[] images = new float[n * 2];
        for (int i = 0; i < images.length; i++) {
            images[i] = i;
        }
        DataBatch batch = new DataBatch(images, new int[] {n, 2, 1, 1}, new int[] {0, 1, 2, 3, 4}, new int[] {n},
                new int[] {0, 1, 2, 3, 4}, 0, new DataPosition(0, n));
        List<ReplicatedModel.Shard> shards = ReplicatedModel.Shard.split(batch, 3);
        assertEquals(List.of(2, 2, 1), shards.stream().map(ReplicatedModel.Shard::size).toList());
        assertArrayEquals(new int[] {2, 3}, shards.get(1).labels());
        assertArrayEquals(new float[] {8, 9}, shards.get(2).images());
        assertEquals(5, ReplicatedModel.Shard.split(batch, 8).size(), "empty shards are dropped");
    }
}
