package dev.mdeq.model.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.jni.JniUtils;

/**
 * The few PyTorch operations DJL's engine-neutral API lacks or gets wrong for this model, called
 * through the PyTorch engine's JNI layer (device-agnostic: the arrays may live on any device).
 * <ul>
 *   <li>batch norm with PyTorch's momentum convention (DJL's API takes {@code 1 - momentum} as a
 *       float, which rounds the reference's 0.1 / 0.01);</li>
 *   <li>multiplication by a number that autograd may keep (DJL's keeps freed memory);</li>
 *   <li>nearest upsampling (DJL's resize expects image layouts);</li>
 *   <li>ReLU in place ({@code torch.relu_}, which DJL lacks);</li>
 *   <li>backward seeded with an arbitrary vector and keeping the graph (vector-Jacobian products),
 *       gradient reset, and the autograd switch.</li>
 * </ul>
 */
public final class TorchOps {
    private static final TorchScriptFunction RELU_IN_PLACE = new TorchScriptFunction("relu_.pt");

    /** DJL's code for nearest-neighbour interpolation. */
    private static final int NEAREST = 0;

    private TorchOps() {
    }

    /**
     * {@code torch.nn.functional.batch_norm}: in training mode normalises with the batch statistics
     * and updates the running statistics in place with {@code momentum} in PyTorch's convention
     * ({@code running = (1 - momentum) * running + momentum * batch}).
     */
    public static NDArray batchNorm(NDArray x, NDArray runningMean, NDArray runningVar, NDArray weight, NDArray bias,
            boolean training, double momentum, double eps) {
        return JniUtils.batchNorm(pt(x), pt(runningMean), pt(runningVar), pt(weight), pt(bias), training, momentum, eps);
    }

    /**
     * {@code x * factor}, safe to record for a backward. DJL's {@code x.mul(factor)} wraps the
     * number in an array backed by Java memory and closes it on return; autograd keeps that array
     * for the backward ({@code grad * factor}), which then reads freed memory (docs/numerics.md,
     * "Memory that outlives its array"). Here the factor is a libtorch-owned scalar array.
     */
    public static NDArray mul(NDArray x, double factor) {
        try (NDArray scalar = JniUtils.full((PtNDManager) x.getManager(), new Shape(), factor, x.getDataType(),
                x.getDevice(), SparseFormat.DENSE)) {
            return x.mul(scalar);
        }
    }

    /**
     * {@code torch.relu_(x)}: overwrites {@code x} with {@code max(x, 0)} and returns it (a second
     * handle on the same values), as the reference's {@code nn.ReLU(inplace=True)}. It allocates
     * nothing, and with autograd on the graph keeps one array for the pair. Only for arrays
     * nothing else reads afterwards and whose producer's backward does not need them (outputs of
     * convolutions, norms and sums). Nothing checks the first condition; autograd checks the
     * second when the backward runs.
     */
    public static NDArray reluInPlace(NDArray x) {
        return RELU_IN_PLACE.apply(x);
    }

    /** {@code interpolate(x, size=(height, width), mode='nearest')} on an {@code (N, C, H, W)} array. */
    public static NDArray upsampleNearest(NDArray x, long height, long width) {
        return JniUtils.interpolate(pt(x), new long[] {height, width}, NEAREST, false);
    }

    /**
     * Backpropagates from {@code output} seeded with {@code seed} ({@code output.backward(seed)}),
     * accumulating into the {@code .grad} of every leaf that requires a gradient. With {@code
     * keepGraph} the graph survives for further calls (repeated vector-Jacobian products).
     */
    public static void backward(NDArray output, NDArray seed, boolean keepGraph) {
        JniUtils.backward(pt(output), pt(seed), keepGraph, false);
    }

    /** Sets the accumulated gradient of {@code leaf} to zero (no-op when it has none yet). */
    public static void zeroGrad(NDArray leaf) {
        if (leaf.hasGradient()) {
            JniUtils.zeroGrad(pt(leaf));
        }
    }

    /** Whether autograd records operations on this thread. */
    public static boolean isGradEnabled() {
        return JniUtils.isGradMode();
    }

    /**
     * Switches recording of operations on or off until the returned handle is closed, which
     * restores the previous mode ({@code torch.no_grad()} / {@code torch.enable_grad()}).
     */
    public static GradMode gradMode(boolean enabled) {
        boolean previous = JniUtils.isGradMode();
        JniUtils.setGradMode(enabled);
        return () -> JniUtils.setGradMode(previous);
    }

    /** Restores the autograd mode on close. */
    @FunctionalInterface
    public interface GradMode extends AutoCloseable {
        @Override
        void close();
    }

    private static PtNDArray pt(NDArray array) {
        return (PtNDArray) array;
    }
}
