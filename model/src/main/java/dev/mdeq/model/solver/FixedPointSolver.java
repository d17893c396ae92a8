package dev.mdeq.model.solver;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDScope;

import java.util.function.Function;

/**
 * Plain fixed-point iteration x_{k+1} = f(x_k), with the same stopping rules, lowest-iterate
 * tracking and statistics as {@link BroydenSolver}. Frozen samples (per-sample modes) keep x_k.
 */
public final class FixedPointSolver implements EquilibriumSolver {

    @Override
    public String name() {
        return "fixed_point";
    }

    @Override
    public SolveResult solve(Function<NDArray, NDArray> f, NDArray x0, SolverOptions options) {
        try (SolveContext ctx = new SolveContext(f, x0, options)) {
            ResidualTracker tracker = ctx.tracker;
            NDArray x = ctx.start();
            NDArray fx;
            StopReason reason;
            try (NDScope step = new NDScope()) {
                fx = ctx.keep(ctx.evaluate(x));
                reason = tracker.observe(0, x, fx, fx.sub(x));
            }
            int nstep = 0;
            while (reason == null) {
                NDArray xNew;
                NDArray fNew;
                try (NDScope step = new NDScope()) {
                    xNew = tracker.perSample() ? ctx.keep(NDArrays.where(tracker.activeMask(), fx, x)) : fx;
                    fNew = ctx.keep(ctx.evaluate(xNew));
                    nstep++;
                    reason = tracker.observe(nstep, xNew, fNew, fNew.sub(xNew));
                }
                if (x != ctx.start()) {
                    x.close();
                }
                if (xNew != fx) {
                    fx.close();
                }
                x = xNew;
                fx = fNew;
            }
            return ctx.finish(name(), nstep, reason);
        }
    }
}
