package dev.mdeq.model.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The variational dropout masks of one model forward: one {@code (B, C, 1, 1)} mask per dropout
 * layer, drawn the first time the layer asks (layers run in a fixed order, so the draw order is
 * fixed) and then reused by every f evaluation of that forward and by its backward.
 *
 * <p>Masks come from a {@link SplittableRandom} seeded per forward, so a forward is reproducible
 * from its seed alone (the training loop derives the seed from the run seed and the step).
 */
public final class DropoutMasks {
    private static final DropoutMasks NONE = new DropoutMasks(null, 0);

    private final SplittableRandom random;
    private final long seed;
    private final Map<VariationalDropout, NDArray> masks = new IdentityHashMap<>();

    private DropoutMasks(SplittableRandom random, long seed) {
        this.random = random;
        this.seed = seed;
    }

    /** No masks: dropout layers pass their input through (evaluation). */
    public static DropoutMasks none() {
        return NONE;
    }

    /** Masks drawn from a generator seeded with {@code seed}. */
    public static DropoutMasks sampled(long seed) {
        return new DropoutMasks(new SplittableRandom(seed), seed);
    }

    /** True when masks are drawn (training); false for {@link #none()}. */
    public boolean active() {
        return random != null;
    }

    public long seed() {
        return seed;
    }

    /**
     * The mask of {@code layer} for a batch of {@code batch} samples with {@code channels}
     * channels: {@code bernoulli(1 - rate) / (1 - rate)}, shape {@code (batch, channels, 1, 1)}.
     */
    NDArray mask(ForwardContext ctx, VariationalDropout layer, long batch, long channels, DataType type) {
        NDArray known = masks.get(layer);
        if (known != null) {
            if (known.getShape().get(0) != batch || known.getShape().get(1) != channels) {
                throw new IllegalStateException("dropout mask of shape " + known.getShape() + " reused for a state of "
                        + batch + " samples and " + channels + " channels: one DropoutMasks per model forward");
            }
            return known;
        }
        double keep = 1 - layer.rate();
        double scale = 1 / keep;
        double[] values = new double[Math.toIntExact(batch * channels)];
        for (int i = 0; i < values.length; i++) {
            values[i] = random.nextDouble() < keep ? scale : 0;
        }
        NDArray mask = ForwardContext.keep(ArrayValues.owned(ctx.manager(), values, new Shape(batch, channels, 1, 1),
                type));
        masks.put(layer, mask);
        return mask;
    }
}
