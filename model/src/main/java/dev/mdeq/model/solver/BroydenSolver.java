package dev.mdeq.model.solver;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.mdeq.model.layers.ArrayValues;

import java.util.function.Function;

/**
 * Limited-memory "good" Broyden on the inverse Jacobian of g(x) = f(x) - x, as the reference
 * (locuslab/mdeq {@code lib/modules/broyden.py} at HEAD, docs/reference-model.md §3.2):
 * <pre>
 * B_inv = -I + sum_k u_k v_k^T (per sample), M = min(threshold, memory) pairs in ring buffers
 * update = g(x0)                     first step is a fixed-point step: x1 = f(x0)
 * repeat: x' = x + update (no line search), dx = x' - x, dg = g(x') - g(x)
 *         record residual, keep the lowest-residual iterate, stop rules (see ResidualTracker)
 *         vT = dx^T B_inv = -dx + (dx^T U) V^T
 *         u  = (dx - B_inv dg) / &lt;vT, dg&gt;       NaNs in u and vT set to 0
 *         store (u, vT) at slot (step-1) mod M; update = -B_inv g(x')
 * </pre>
 * where B_inv uses the first min(step-1, M) slots for vT and u and min(step, M) for the update,
 * exactly as the reference slices its buffers. Inner products are per sample; which iterate is
 * accepted and when to stop follow the stop mode. In per-sample modes the updates (and stored
 * pairs) of frozen samples are zero, so they keep their state.
 */
public final class BroydenSolver implements EquilibriumSolver {
    /** How the ring buffers are allocated: tests fill them with NaN to show no unwritten slot is read. */
    @FunctionalInterface
    interface Buffers {
        NDArray allocate(NDManager manager, Shape shape, DataType type);
    }

    // Uninitialised: a slot is always written before it is read (the reads take the first
    // min(step - 1, M) or min(step, M) slots), and zeroing up to 2 x B x M x D values costs about
    // 3 % of an implicit training step.
    private static final Buffers UNINITIALISED = NDManager::create;

    private final Buffers buffers;

    public BroydenSolver() {
        this(UNINITIALISED);
    }

    BroydenSolver(Buffers buffers) {
        this.buffers = buffers;
    }

    @Override
    public String name() {
        return "broyden";
    }

    @Override
    public SolveResult solve(Function<NDArray, NDArray> f, NDArray x0, SolverOptions options) {
        try (SolveContext ctx = new SolveContext(f, x0, options)) {
            int memory = Math.max(1, Math.min(options.threshold(), options.broydenMemory()));
            Shape buffer = new Shape(ctx.batch, memory, ctx.size);
            NDArray us = buffers.allocate(ctx.manager, buffer, x0.getDataType());
            NDArray vts = buffers.allocate(ctx.manager, buffer, x0.getDataType());
            ResidualTracker tracker = ctx.tracker;

            NDArray x = ctx.start();
            NDArray gx;
            NDArray update;
            StopReason reason;
            try (NDScope step = new NDScope()) {
                NDArray fx = ctx.evaluate(x);
                gx = ctx.keep(fx.sub(x));
                reason = tracker.observe(0, x, fx, gx);
                // first step: update = -B_inv gx with B_inv = -I, a fixed-point step
                update = tracker.perSample() && reason == null ? ctx.keep(frozenToZero(tracker, gx)) : gx;
            }
            int nstep = 0;
            while (reason == null) {
                NDArray xNew;
                NDArray gNew;
                NDArray nextUpdate = null;
                try (NDScope step = new NDScope()) {
                    xNew = ctx.keep(x.add(update));
                    NDArray fNew = ctx.evaluate(xNew);
                    gNew = ctx.keep(fNew.sub(xNew));
                    NDArray dx = xNew.sub(x);
                    NDArray dg = gNew.sub(gx);
                    nstep++;
                    reason = tracker.observe(nstep, xNew, fNew, gNew);
                    if (reason == null) {
                        int used = Math.min(nstep - 1, memory);
                        NDArray vT = rmatvec(us, vts, used, dx);
                        // dx - B_inv dg as (-(B_inv dg)) + dx: the same bits, computed in place
                        NDArray u = matvec(us, vts, used, dg).negi().addi(dx).divi(vT.mul(dg).sum(new int[] {1}, true));
                        zeroNaNs(vT);
                        zeroNaNs(u);
                        if (tracker.perSample()) {
                            vT = frozenToZero(tracker, vT);
                            u = frozenToZero(tracker, u);
                        }
                        int slot = (nstep - 1) % memory;
                        vts.set(new NDIndex(":, {}", slot), vT);
                        us.set(new NDIndex(":, {}", slot), u);
                        NDArray next = matvec(us, vts, Math.min(nstep, memory), gNew).negi();
                        if (tracker.perSample()) {
                            next = frozenToZero(tracker, next);
                        }
                        nextUpdate = ctx.keep(next);
                    }
                }
                if (update != gx) {
                    update.close();
                }
                if (x != ctx.start()) {
                    x.close();
                }
                gx.close();
                x = xNew;
                gx = gNew;
                update = nextUpdate;
            }
            return ctx.finish(name(), nstep, reason);
        }
    }

    /** (-I + U V^T) x per sample, with the first {@code used} pairs: a new array the caller may overwrite. */
    private static NDArray matvec(NDArray us, NDArray vts, int used, NDArray x) {
        if (used == 0) {
            return x.neg();
        }
        NDIndex first = new NDIndex(":, :{}", used);
        NDArray xv = rowTimes(x, vts.get(first)); // (B, 1, n): v_k . x
        return xv.batchMatMul(us.get(first)).squeeze(1).subi(x); // sum_k u_k (v_k . x) - x
    }

    /** x^T (-I + U V^T) per sample, with the first {@code used} pairs: a new array. */
    private static NDArray rmatvec(NDArray us, NDArray vts, int used, NDArray x) {
        if (used == 0) {
            return x.neg();
        }
        NDIndex first = new NDIndex(":, :{}", used);
        NDArray xu = rowTimes(x, us.get(first)); // (B, 1, n): x . u_k
        return xu.batchMatMul(vts.get(first)).squeeze(1).subi(x); // sum_k (x . u_k) v_k - x
    }

    /**
     * x (B, D) times the transposed rows (B, n, D): (B, 1, n). Written as a row vector times a
     * transposed view because PyTorch's batched matrix-vector product (B, n, D) x (B, D, 1) is an
     * order of magnitude slower on CPU at these sizes.
     */
    private static NDArray rowTimes(NDArray x, NDArray rows) {
        return x.expandDims(1).batchMatMul(rows.transpose(0, 2, 1));
    }

    /** Sets NaN entries to 0 in place; the mask (an array and a pass) only when the sum is not finite. */
    private static void zeroNaNs(NDArray a) {
        if (!ArrayValues.sumIsFinite(a)) {
            try (NDArray nan = a.isNaN()) {
                a.set(nan, 0);
            }
        }
    }

    private static NDArray frozenToZero(ResidualTracker tracker, NDArray a) {
        return NDArrays.where(tracker.activeMask(), a, a.zerosLike());
    }
}
