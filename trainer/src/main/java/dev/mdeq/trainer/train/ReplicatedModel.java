package dev.mdeq.trainer.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.mdeq.config.ExperimentConfig;
import dev.mdeq.data.DataBatch;
import dev.mdeq.model.MdeqModel;
import dev.mdeq.model.TrainStep;
import dev.mdeq.model.layers.TorchOps;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BiFunction;

/**
 * Data parallelism over devices, as the reference's {@code nn.DataParallel}: one copy of the model
 * per device (all built from the same seed), each batch split into contiguous shards, one shard
 * per device computed in parallel, the gradients averaged into the first copy (weighted by shard
 * size, so the result is the gradient of the mean loss over the whole batch), the optimizer step
 * taken there and the parameters and buffers copied back to the others. With one device it is the
 * model itself and costs nothing.
 *
 * <p>Dropout masks are a function of (seed, step, device index): replica k of step s draws mask
 * stream {@code s * devices + k}, so a resumed run draws exactly the masks of an uninterrupted one.
 */
final class ReplicatedModel implements AutoCloseable {
    private final List<MdeqModel> replicas;
    private final ExecutorService threads;

    /** What one data-parallel step did. */
    record StepResult(double loss, List<TrainStep> shards, double seconds) {
    }

    ReplicatedModel(ExperimentConfig config, List<Device> devices, long seed) {
        replicas = new ArrayList<>();
        for (Device device : devices) {
            replicas.add(MdeqModel.create(config, device, DataType.FLOAT32, seed));
        }
        threads = replicas.size() > 1 ? Executors.newFixedThreadPool(replicas.size(), r -> {
            Thread t = new Thread(r, "mdeq-replica");
            t.setDaemon(true);
            return t;
        }) : null;
    }

    /** The copy the optimizer updates and checkpoints are taken from. */
    MdeqModel primary() {
        return replicas.get(0);
    }

    int size() {
        return replicas.size();
    }

    /** Copy {@code index} (0 is the primary). */
    MdeqModel replica(int index) {
        return replicas.get(index);
    }

    /** The primary copy's trainable parameters by reference name. */
    Map<String, NDArray> trainableArrays() {
        return primary().trainableArrays();
    }

    /** The primary copy's buffers (BatchNorm running statistics) by reference name. */
    Map<String, NDArray> bufferArrays() {
        Map<String, NDArray> out = new LinkedHashMap<>();
        primary().parameters().forEach((name, parameter) -> {
            if (!parameter.requiresGradient()) {
                out.put(name, parameter.getArray());
            }
        });
        return out;
    }

    void zeroGradients() {
        replicas.forEach(MdeqModel::zeroGradients);
    }

    /**
     * Forward and backward of one batch on every device; afterwards the primary copy's gradients
     * are those of the mean loss over the whole batch.
     *
     * @param loss builds the loss of a shard from its logits and its batch slice
     */
    StepResult step(DataBatch batch, long globalStep, BiFunction<NDArray, Shard, NDArray> loss) throws Exception {
        long start = System.nanoTime();
        int k = replicas.size();
        List<Shard> shards = Shard.split(batch, k);
        List<TrainStep> results = new ArrayList<>();
        if (k == 1) {
            results.add(runShard(0, shards.get(0), globalStep, loss));
        } else {
            List<Future<TrainStep>> futures = new ArrayList<>();
            for (int i = 0; i < shards.size(); i++) {
                int index = i;
                futures.add(threads.submit(() -> runShard(index, shards.get(index), globalStep, loss)));
            }
            for (Future<TrainStep> future : futures) {
                results.add(future.get());
            }
            reduceGradients(shards, batch.size());
        }
        double meanLoss = 0;
        for (int i = 0; i < results.size(); i++) {
            meanLoss += results.get(i).loss() * shards.get(i).size() / batch.size();
            results.get(i).logits().close();
        }
        return new StepResult(meanLoss, results, (System.nanoTime() - start) / 1e9);
    }

    private TrainStep runShard(int index, Shard shard, long globalStep, BiFunction<NDArray, Shard, NDArray> loss) {
        MdeqModel model = replicas.get(index);
        model.setMaskDraws(globalStep * replicas.size() + index);
        try (NDManager manager = model.manager().newSubManager()) {
            NDArray images = manager.create(shard.images(), new Shape(shard.imageShape()));
            TrainStep result = model.trainStep(images, logits -> loss.apply(logits, shard), globalStep);
            NDScope.unregister(result.logits());
            result.logits().attach(model.manager());
            return result;
        }
    }

    /** primary.grad = sum_k (n_k / n) grad_k, the other copies' gradients summed in on the primary's device. */
    private void reduceGradients(List<Shard> shards, int total) {
        Map<String, Parameter> primary = primary().trainableParameters();
        try (TorchOps.GradMode off = TorchOps.gradMode(false); NDScope ignored = new NDScope()) {
            for (Map.Entry<String, Parameter> entry : primary.entrySet()) {
                NDArray sum = entry.getValue().getArray().getGradient();
                sum.muli((float) shards.get(0).size() / total);
                for (int i = 1; i < shards.size(); i++) { // shard i ran on replica i; empty shards were dropped
                    NDArray other = replicas.get(i).trainableParameters().get(entry.getKey()).getArray().getGradient();
                    sum.addi(other.toDevice(primary().device(), false).muli((float) shards.get(i).size() / total));
                }
            }
        }
    }

    /** Copies the primary's parameters and buffers into the other copies (after an optimizer step or a load). */
    void broadcast() {
        if (replicas.size() == 1) {
            return;
        }
        Map<String, Parameter> source = primary().parameters();
        for (int i = 1; i < replicas.size(); i++) {
            Map<String, Parameter> target = replicas.get(i).parameters();
            source.forEach((name, parameter) -> copy(parameter.getArray(), target.get(name).getArray()));
        }
    }

    private static void copy(NDArray from, NDArray to) {
        try (TorchOps.GradMode off = TorchOps.gradMode(false); NDArray moved = from.toDevice(to.getDevice(), true)) {
            moved.copyTo(to);
        }
    }

    @Override
    public void close() {
        if (threads != null) {
            threads.shutdownNow();
        }
        replicas.forEach(MdeqModel::close);
    }

    /**
     * One device's slice of a batch.
     *
     * @param offset index of its first sample in the batch
     * @param images its pixels
     * @param imageShape {@code (n, C, H, W)}
     * @param labels its labels
     * @param labelShape {@code (n)} or {@code (n, H, W)}
     */
    record Shard(int offset, float[] images, long[] imageShape, int[] labels, long[] labelShape) {
        int size() {
            return (int) imageShape[0];
        }

        /** Contiguous shards of sizes differing by at most one (empty shards dropped). */
        static List<Shard> split(DataBatch batch, int parts) {
            int n = batch.size();
            int[] s = batch.shape();
            if (parts == 1) {
                return List.of(new Shard(0, batch.images(), new long[] {n, s[1], s[2], s[3]}, batch.labels(),
                        java.util.Arrays.stream(batch.labelShape()).asLongStream().toArray()));
            }
            int perImage = s[1] * s[2] * s[3];
            int perLabel = batch.labels() == null ? 0 : batch.labels().length / n;
            List<Shard> out = new ArrayList<>();
            int offset = 0;
            for (int p = 0; p < parts; p++) {
                int size = n / parts + (p < n % parts ? 1 : 0);
                if (size == 0) {
                    continue;
                }
                float[] images = java.util.Arrays.copyOfRange(batch.images(), offset * perImage, (offset + size) * perImage);
                int[] labels = batch.labels() == null ? null
                        : java.util.Arrays.copyOfRange(batch.labels(), offset * perLabel, (offset + size) * perLabel);
                long[] labelShape = new long[batch.labelShape().length];
                labelShape[0] = size;
                for (int d = 1; d < labelShape.length; d++) {
                    labelShape[d] = batch.labelShape()[d];
                }
                out.add(new Shard(offset, images, new long[] {size, s[1], s[2], s[3]}, labels, labelShape));
                offset += size;
            }
            return out;
        }
    }
}
