package dev.mdeq.trainer.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
import dev.mdeq.model.layers.TorchOps;
import java.util.Map;

/** The global norm of the gradients held by parameters, and {@code torch.nn.utils.clip_grad_norm_}. */
public final class Gradients {
    private Gradients() {
    }

    /**
     * The L2 norm of all gradients together, computed as PyTorch does: the norm of the stacked
     * per-parameter norms, in the gradients' precision.
     */
    public static double globalNorm(Map<String, NDArray> parameters) {
        if (parameters.isEmpty()) {
            return 0.0;
        }
        try (NDScope ignored = new NDScope()) {
            NDList norms = new NDList();
            for (NDArray parameter : parameters.values()) {
                norms.add(parameter.getGradient().norm());
            }
            return NDArrays.stack(norms).norm().getFloat();
        }
    }

    /**
     * Scales every gradient by {@code min(1, maxNorm / (total + 1e-6))}, {@code total} being
     * {@link #globalNorm}, and returns {@code total}. A non-finite norm is returned, not raised: the
     * caller decides what divergence means.
     */
    public static double clipByGlobalNorm(Map<String, NDArray> parameters, double maxNorm) {
        double total = globalNorm(parameters);
        float coefficient = (float) Math.min(1.0, (float) maxNorm / (float) (total + 1e-6));
        try (TorchOps.GradMode off = TorchOps.gradMode(false); NDScope ignored = new NDScope()) {
            for (NDArray parameter : parameters.values()) {
                parameter.getGradient().muli(coefficient);
            }
        }
        return total;
    }
}
