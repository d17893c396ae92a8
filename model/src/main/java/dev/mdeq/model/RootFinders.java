package dev.mdeq.model;

import ai.djl.ndarray.NDArray;
import dev.mdeq.config.ExperimentConfig;
import dev.mdeq.model.solver.SolveResult;
import dev.mdeq.model.solver.SolverOptions;
import dev.mdeq.model.solver.Solvers;
import dev.mdeq.model.solver.StepObserver;
import java.util.function.Function;

/**
 * The two root solves of an equilibrium model, the forward fixed point and the adjoint one: the
 * config's solvers in production ({@link #of}), root finders of their own in tests.
 */
interface RootFinders {

    /** z* = f(z*) from {@code start} ({@code (B, D)}), without autograd recording. */
    SolveResult forward(Function<NDArray, NDArray> f, NDArray start);

    /**
     * w = f(w) for the adjoint map f(w) = w J + grad, from {@code start}; {@code observer} (may be
     * null) sees every iterate.
     */
    SolveResult backward(Function<NDArray, NDArray> f, NDArray start, StepObserver observer);

    /**
     * The solvers of {@code DEQ.F_SOLVER} / {@code DEQ.B_SOLVER} with the reference's thresholds
     * and tolerances ({@code MODEL.F_THRES} both ways unless {@code DEQ.USE_B_THRES}; eps {@code
     * DEQ.F_EPS}/{@code DEQ.B_EPS} times sqrt(B*D) for the samples of this solve, docs/reference-model.md §3.3).
     */
    static RootFinders of(ExperimentConfig config) {
        return new RootFinders() {
            @Override
            public SolveResult forward(Function<NDArray, NDArray> f, NDArray start) {
                long batch = start.getShape().get(0);
                return Solvers.of(config.deq().fSolver()).solve(f, start,
                        SolverOptions.forward(config, batch, start.size() / batch));
            }

            @Override
            public SolveResult backward(Function<NDArray, NDArray> f, NDArray start, StepObserver observer) {
                long batch = start.getShape().get(0);
                return Solvers.of(config.deq().bSolver()).solve(f, start,
                        SolverOptions.backward(config, batch, start.size() / batch).withObserver(observer));
            }
        };
    }
}
