package dev.mdeq.trainer.model;

import ai.djl.ndarray.NDArray;
import java.util.function.Function;

/** The two root solves of an equilibrium model: the forward fixed point and the adjoint (backward) one. */
interface Solves {

    /** z* = f(z*) from {@code start}, without autograd recording. */
    Solved forward(Function<NDArray, NDArray> f, NDArray start);

    /** w = f(w) for the adjoint map f(w) = w J + grad, from {@code start}; {@code observer} may be null. */
    Solved backward(Function<NDArray, NDArray> f, NDArray start, Observer observer);

    /** Sees every iterate of a solve (arrays valid during the call only). */
    @FunctionalInterface
    interface Observer {
        void onStep(int step, NDArray x, NDArray residual);
    }

    /**
     * A solve's outcome.
     *
     * @param state the returned iterate (owned by the start's manager, no graph)
     * @param lowestStep the step it comes from (0 = the start)
     * @param stats the solver's statistics
     */
    record Solved(NDArray state, int lowestStep, Object stats) {
    }
}
