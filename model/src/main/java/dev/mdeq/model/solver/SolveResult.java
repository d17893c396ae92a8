package dev.mdeq.model.solver;

import ai.djl.ndarray.NDArray;

/**
 * The outcome of a solve.
 *
 * @param state the returned iterate (the lowest-residual one, see {@link SolverStats#lowestStep}),
 *     with the start's shape and data type, owned by the start's NDManager, without a gradient graph
 * @param stats what the solve did
 */
public record SolveResult(NDArray state, SolverStats stats) {
}
