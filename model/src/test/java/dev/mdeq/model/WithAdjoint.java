package dev.mdeq.model;

import ai.djl.ndarray.NDArray;
import dev.mdeq.model.solver.SolveResult;
import dev.mdeq.model.solver.StepObserver;
import java.util.function.Function;

/** Test-only root finders: the forward solves of one, the adjoint solve given separately. */
final class WithAdjoint implements RootFinders {

    /** An adjoint solve as {@link RootFinders#backward}. */
    @FunctionalInterface
    interface AdjointSolve {
        SolveResult solve(Function<NDArray, NDArray> f, NDArray start, StepObserver observer);
    }

    private final RootFinders forward;
    private final AdjointSolve adjoint;

    WithAdjoint(RootFinders forward, AdjointSolve adjoint) {
        this.forward = forward;
        this.adjoint = adjoint;
    }

    @Override
    public SolveResult forward(Function<NDArray, NDArray> f, NDArray start) {
        return forward.forward(f, start);
    }

    @Override
    public SolveResult backward(Function<NDArray, NDArray> f, NDArray start, StepObserver observer) {
        return adjoint.solve(f, start, observer);
    }
}
