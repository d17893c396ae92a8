package dev.mdeq.model.solver;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.function.Function;

/**
 * Anderson acceleration as locuslab/deq's {@code anderson(f, x0, m, lam, beta)}: x1 = f(x0); then
 * for k >= 2, with the last n = min(k, m) iterates X and their images F (ring buffers of size m)
 * and G = F - X, per sample
 * <pre>
 * alpha = argmin ||alpha^T G||^2 + lam ||alpha||^2  s.t. sum(alpha) = 1
 * x_k   = beta * alpha^T F + (1 - beta) * alpha^T X
 * </pre>
 * The (n+1)x(n+1) bordered systems are solved on the CPU in double precision
 * ({@link BorderedSystem}); only the B small Gram matrices leave the device. When an active
 * sample's system is singular, ill-conditioned ({@link SolverOptions#andersonMaxCondition}) or gives
 * NaN/Inf weights, the solve continues with {@link BroydenSolver} from the lowest-residual iterate
 * so far (per sample in per-sample modes) for the remaining steps, and the statistics record the
 * {@link SolverStats.Fallback}. Stopping rules and lowest-iterate tracking are the same as
 * Broyden's (the reference's anderson has no protective break; this one has Broyden's).
 */
public final class AndersonSolver implements EquilibriumSolver {

    @Override
    public String name() {
        return "anderson";
    }

    @Override
    public SolveResult solve(Function<NDArray, NDArray> f, NDArray x0, SolverOptions options) {
        try (SolveContext ctx = new SolveContext(f, x0, options)) {
            int m = options.andersonM();
            Shape buffer = new Shape(ctx.batch, m, ctx.size);
            NDArray xs = ctx.manager.zeros(buffer, x0.getDataType());
            NDArray fs = ctx.manager.zeros(buffer, x0.getDataType());
            ResidualTracker tracker = ctx.tracker;

            StopReason reason;
            try (NDScope step = new NDScope()) {
                NDArray start = ctx.start();
                reason = evaluateAndStore(ctx, xs, fs, 0, start);
            }
            int k = 1;
            for (; reason == null; k++) {
                try (NDScope step = new NDScope()) {
                    NDArray mixed;
                    if (k == 1) {
                        mixed = fs.get(new NDIndex(":, 0"));
                    } else {
                        int n = Math.min(k, m);
                        double[] alpha = new double[ctx.batch * n];
                        String problem = solveWeights(ctx, xs, fs, n, alpha);
                        if (problem != null) {
                            return fallBack(ctx, f, x0, k - 1, "step " + k + ": " + problem);
                        }
                        mixed = mix(ctx, xs, fs, n, alpha);
                    }
                    if (tracker.perSample()) {
                        mixed = NDArrays.where(tracker.activeMask(), mixed, xs.get(new NDIndex(":, {}", (k - 1) % m)));
                    }
                    reason = evaluateAndStore(ctx, xs, fs, k, mixed);
                }
            }
            return ctx.finish(name(), k - 1, reason);
        }
    }

    /** Stores x_k and f(x_k) in their slots and records the residual. */
    private static StopReason evaluateAndStore(SolveContext ctx, NDArray xs, NDArray fs, int k, NDArray x) {
        int slot = k % ctx.options.andersonM();
        NDArray fx = ctx.evaluate(x);
        xs.set(new NDIndex(":, {}", slot), x);
        fs.set(new NDIndex(":, {}", slot), fx);
        return ctx.tracker.observe(k, x, fx, fx.sub(x));
    }

    /** Fills alpha (B x n, row-major) for the active samples; returns the first problem found. */
    private static String solveWeights(SolveContext ctx, NDArray xs, NDArray fs, int n, double[] alpha) {
        NDIndex first = new NDIndex(":, :{}", n);
        NDArray g = fs.get(first).sub(xs.get(first)); // (B, n, D)
        double[] gram = g.batchMatMul(g.transpose(0, 2, 1)).toType(DataType.FLOAT64, false)
                .toDoubleArray();
        SolverOptions options = ctx.options;
        for (int b = 0; b < ctx.batch; b++) {
            if (!ctx.tracker.isActive(b)) {
                continue; // frozen: its weights are never used
            }
            BorderedSystem.Solution solution = BorderedSystem.solve(gram, b * n * n, n, options.andersonLam(),
                    options.andersonMaxCondition());
            if (solution.problem() != null) {
                return solution.problem() + (ctx.batch > 1 ? " (sample " + b + ")" : "");
            }
            System.arraycopy(solution.alpha(), 0, alpha, b * n, n);
        }
        return null;
    }

    /** beta * alpha^T F + (1 - beta) * alpha^T X over the first n slots, (B, D). */
    private static NDArray mix(SolveContext ctx, NDArray xs, NDArray fs, int n, double[] alpha) {
        NDIndex first = new NDIndex(":, :{}", n);
        NDArray weights = ctx.manager.create(alpha).reshape(ctx.batch, 1, n).toType(xs.getDataType(), false);
        NDArray mixed = weights.batchMatMul(fs.get(first)).squeeze(1);
        double beta = ctx.options.andersonBeta();
        if (beta != 1.0) {
            mixed = mixed.mul(beta).add(weights.batchMatMul(xs.get(first)).squeeze(1).mul(1 - beta));
        }
        return mixed;
    }

    /** Broyden from the best iterate so far, for the remaining steps; statistics joined. */
    private SolveResult fallBack(SolveContext ctx, Function<NDArray, NDArray> f, NDArray x0, int atStep,
            String problem) {
        SolverOptions options = ctx.options;
        StepObserver observer = options.observer();
        SolverOptions rest = options.withThreshold(options.threshold() - atStep).withObserver(observer == null
                ? null
                : (s, x, g) -> {
                    if (s > 0) {
                        observer.onStep(atStep + s, x, g);
                    }
                });
        SolverStats before = ctx.tracker.stats(name(), atStep, ctx.evaluations(), null, 0);
        NDArray best = ctx.tracker.lowest().reshape(ctx.shape());
        SolveResult broyden = new BroydenSolver().solve(f, best, rest);
        NDArray state = broyden.state();
        NDScope.unregister(state);
        state.attach(x0.getManager());
        return new SolveResult(state, SolverStats.afterFallback(before, broyden.stats(), problem,
                ctx.elapsedSeconds()));
    }
}
