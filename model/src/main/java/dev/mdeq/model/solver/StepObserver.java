package dev.mdeq.model.solver;

import ai.djl.ndarray.NDArray;

/**
 * Sees every iterate of a solve (for debugging, tests and detailed logging). The arrays have the
 * solver's flat shape {@code (B, D)} and are valid only during the call: copy what you keep.
 */
@FunctionalInterface
public interface StepObserver {
    /**
     * @param step 0 for the start, k for the k-th iterate
     * @param x the iterate x_k
     * @param residual g(x_k) = f(x_k) - x_k
     */
    void onStep(int step, NDArray x, NDArray residual);
}
