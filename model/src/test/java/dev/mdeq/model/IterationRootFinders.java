package dev.mdeq.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import dev.mdeq.model.layers.TorchOps;
import dev.mdeq.model.solver.SolveResult;
import dev.mdeq.model.solver.StepObserver;
import java.util.function.Function;

/**
 * Test-only plain fixed-point iteration with a fixed number of steps, scoped the way the solver
 * package's solvers are (autograd off, one NDScope per step, the solver's arrays in a sub-manager
 * of the start's), so tests can exercise the model's memory handling without the solver package.
 */
final class IterationRootFinders implements RootFinders {
    private final int steps;
    int forwardCalls;
    int backwardCalls;
    int evaluations;

    IterationRootFinders(int steps) {
        this.steps = steps;
    }

    @Override
    public SolveResult forward(Function<NDArray, NDArray> f, NDArray start) {
        forwardCalls++;
        return iterate(f, start, null);
    }

    @Override
    public SolveResult backward(Function<NDArray, NDArray> f, NDArray start, StepObserver observer) {
        backwardCalls++;
        return iterate(f, start, observer);
    }

    private SolveResult iterate(Function<NDArray, NDArray> f, NDArray start, StepObserver observer) {
        try (TorchOps.GradMode off = TorchOps.gradMode(false); NDScope outer = new NDScope();
                NDManager own = start.getManager().newSubManager()) {
            NDArray x = start.duplicate();
            x.attach(own);
            NDScope.unregister(x);
            for (int k = 0; k < steps; k++) {
                try (NDScope step = new NDScope()) {
                    evaluations++;
                    NDArray fx = f.apply(x);
                    if (observer != null) {
                        observer.onStep(k, x, fx.sub(x));
                    }
                    NDScope.unregister(fx);
                    fx.attach(own);
                    x.close();
                    x = fx;
                }
            }
            NDScope.unregister(x);
            x.attach(start.getManager());
            return new SolveResult(x, TestStats.of("iteration", steps, steps, Double.NaN));
        }
    }
}
