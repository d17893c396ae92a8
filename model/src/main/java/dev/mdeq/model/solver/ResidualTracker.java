package dev.mdeq.model.solver;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import dev.mdeq.config.DeqConfig.StopMode;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Residual bookkeeping shared by the solvers: traces, the lowest-residual iterate, which samples
 * are still active, and the stopping rules.
 *
 * <p>Reference mode (locuslab/mdeq {@code broyden}): one objective, the absolute residual of the
 * whole batch; the iterate is accepted as "lowest" when that objective strictly improves; stop when
 * it is below eps, on the 30-step stall rule, or when it exceeds 1e6 times the start's.
 *
 * <p>Per-sample modes (abs / rel, as torchdeq): each sample's own residual is compared with eps and
 * with its own lowest; a sample below eps is converged, one above the protective factor times its
 * start (or non-finite) is diverged; both are frozen (the solvers stop changing them) and keep
 * their lowest iterate. The solve stops when no sample is active.
 */
final class ResidualTracker {

    private static final double REL_FLOOR = 1e-9;
    private static final int STALL_WINDOW = 30;

    private final SolveContext ctx;
    private final SolverOptions options;
    private final int batch;
    private final boolean perSample;
    private final List<Double> absTrace = new ArrayList<>();
    private final List<Double> relTrace = new ArrayList<>();

    private double initObjective;
    private double lowestObjective = Double.POSITIVE_INFINITY;
    private int lowestStep;
    private final double[] initMeasure;
    private final double[] lowestMeasure;
    private final double[] lowestAbs;
    private final double[] lowestFNorm;
    private final int[] lowestSteps;
    private final boolean[] converged;
    private final boolean[] diverged;
    private final boolean[] nonFinite;
    private NDArray lowestX;
    private NDArray activeMask;

    ResidualTracker(SolveContext ctx, NDArray start) {
        this.ctx = ctx;
        this.options = ctx.options;
        this.batch = ctx.batch;
        this.perSample = options.perSample();
        this.initMeasure = new double[batch];
        this.lowestMeasure = new double[batch];
        Arrays.fill(lowestMeasure, Double.POSITIVE_INFINITY);
        this.lowestAbs = new double[batch];
        this.lowestFNorm = new double[batch];
        this.lowestSteps = new int[batch];
        this.converged = new boolean[batch];
        this.diverged = new boolean[batch];
        this.nonFinite = new boolean[batch];
        this.lowestX = ctx.keep(start.duplicate());
    }

    /**
     * Records iterate {@code step} (0 = start) with f(x) and g(x) = f(x) - x, all (B, D).
     *
     * @return why to stop now, or {@code null} to continue
     */
    StopReason observe(int step, NDArray x, NDArray fx, NDArray gx) {
        if (options.observer() != null) {
            options.observer().onStep(step, x, gx);
        }
        double[] sums = NDArrays.stack(new NDList(gx.square().sum(new int[] {1}), fx.square().sum(new int[] {1})))
                .toType(DataType.FLOAT64, false).toDoubleArray();
        double gTotal = 0;
        double fTotal = 0;
        double[] abs = new double[batch];
        double[] fNorm = new double[batch];
        for (int b = 0; b < batch; b++) {
            abs[b] = Math.sqrt(sums[b]);
            fNorm[b] = Math.sqrt(sums[batch + b]);
            gTotal += sums[b];
            fTotal += sums[batch + b];
        }
        double objective = Math.sqrt(gTotal);
        absTrace.add(objective);
        relTrace.add(objective / (Math.sqrt(fTotal) + REL_FLOOR));
        StopReason reason = perSample ? observePerSample(step, x, abs, fNorm) : observeWhole(step, x, objective, abs,
                fNorm);
        if (reason == null && step >= options.threshold()) {
            reason = StopReason.STEP_LIMIT;
        }
        return reason;
    }

    private StopReason observeWhole(int step, NDArray x, double objective, double[] abs, double[] fNorm) {
        if (step == 0) {
            initObjective = objective;
        }
        if (step == 0 || objective < lowestObjective) {
            lowestObjective = objective;
            lowestStep = step;
            System.arraycopy(abs, 0, lowestAbs, 0, batch);
            System.arraycopy(fNorm, 0, lowestFNorm, 0, batch);
            Arrays.fill(lowestSteps, step);
            if (step > 0) {
                lowestX.close();
                lowestX = ctx.keep(x.duplicate());
            }
        }
        if (objective < options.eps()) {
            return StopReason.TOLERANCE;
        }
        if (step > 0 && stalled(objective)) {
            return StopReason.STALLED;
        }
        if (step > 0 && objective > initObjective * options.protectFactor()) {
            return StopReason.PROTECTIVE_BREAK;
        }
        if (!Double.isFinite(objective)) {
            return StopReason.NON_FINITE;
        }
        return null;
    }

    private boolean stalled(double objective) {
        int n = absTrace.size() - 1;
        if (!(objective < 3 * options.eps()) || n <= STALL_WINDOW) {
            return false;
        }
        List<Double> window = absTrace.subList(absTrace.size() - STALL_WINDOW, absTrace.size());
        double max = window.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        double min = window.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
        return max / min < 1.3;
    }

    private StopReason observePerSample(int step, NDArray x, double[] abs, double[] fNorm) {
        boolean[] improved = new boolean[batch];
        int improvedCount = 0;
        boolean activeChanged = false;
        for (int b = 0; b < batch; b++) {
            if (!active(b)) {
                continue;
            }
            double measure = options.stopMode() == StopMode.REL ? abs[b] / (fNorm[b] + REL_FLOOR) : abs[b];
            if (step == 0) {
                initMeasure[b] = measure;
            }
            if (step == 0 || measure < lowestMeasure[b]) {
                lowestMeasure[b] = measure;
                lowestAbs[b] = abs[b];
                lowestFNorm[b] = fNorm[b];
                lowestSteps[b] = step;
                improved[b] = step > 0;
                improvedCount += step > 0 ? 1 : 0;
            }
            if (measure < options.eps()) {
                converged[b] = true;
            } else if (!Double.isFinite(measure)) {
                nonFinite[b] = true;
                diverged[b] = true;
            } else if (step > 0 && measure > initMeasure[b] * options.protectFactor()) {
                diverged[b] = true;
            }
            activeChanged |= !active(b);
        }
        if (improvedCount == batch) {
            lowestX.close();
            lowestX = ctx.keep(x.duplicate());
        } else if (improvedCount > 0) {
            NDArray mask = sampleMask(improved);
            NDArray merged = NDArrays.where(mask, x, lowestX);
            lowestX.close();
            lowestX = ctx.keep(merged);
        }
        if (activeChanged && activeMask != null) {
            activeMask.close();
            activeMask = null;
        }
        if (activeCount() > 0) {
            return null;
        }
        boolean allConverged = true;
        boolean anyNonFinite = false;
        for (int b = 0; b < batch; b++) {
            allConverged &= converged[b];
            anyNonFinite |= nonFinite[b];
        }
        return allConverged ? StopReason.TOLERANCE : anyNonFinite ? StopReason.NON_FINITE : StopReason.PROTECTIVE_BREAK;
    }

    private boolean active(int b) {
        return !converged[b] && !diverged[b];
    }

    private int activeCount() {
        int n = 0;
        for (int b = 0; b < batch; b++) {
            n += active(b) ? 1 : 0;
        }
        return n;
    }

    /** True when per-sample stopping may freeze samples (the solvers then mask their updates). */
    boolean perSample() {
        return perSample;
    }

    /** Whether sample b is still being iterated (always true in reference mode). */
    boolean isActive(int b) {
        return !perSample || active(b);
    }

    /** Boolean (B, D) mask of the active samples, owned by the solve; per-sample modes only. */
    NDArray activeMask() {
        if (activeMask == null) {
            boolean[] active = new boolean[batch];
            for (int b = 0; b < batch; b++) {
                active[b] = active(b);
            }
            activeMask = ctx.keep(sampleMask(active));
        }
        return activeMask;
    }

    /** The lowest-residual iterate so far, (B, D), owned by the solve. */
    NDArray lowest() {
        return lowestX;
    }

    /**
     * A (B, D) mask that owns its memory: the broadcast is copied. (An array created from Java data
     * lives in a buffer that only the created array keeps alive: a view of it kept beyond the step
     * whose scope closes the original would read freed memory. DJL's where does not broadcast.)
     */
    private NDArray sampleMask(boolean[] samples) {
        try (NDArray perSample = ctx.manager.create(samples, new Shape(batch, 1));
                NDArray view = perSample.broadcast(batch, ctx.size)) {
            return view.duplicate();
        }
    }

    SolverStats stats(String solver, int steps, int evaluations, StopReason reason, double wallSeconds) {
        double g2 = 0;
        double f2 = 0;
        List<Double> sampleAbs = new ArrayList<>();
        List<Double> sampleRel = new ArrayList<>();
        List<Integer> sampleSteps = new ArrayList<>();
        int latest = 0;
        for (int b = 0; b < batch; b++) {
            g2 += lowestAbs[b] * lowestAbs[b];
            f2 += lowestFNorm[b] * lowestFNorm[b];
            sampleAbs.add(lowestAbs[b]);
            sampleRel.add(lowestAbs[b] / (lowestFNorm[b] + REL_FLOOR));
            sampleSteps.add(lowestSteps[b]);
            latest = Math.max(latest, lowestSteps[b]);
        }
        double residual = Math.sqrt(g2);
        return new SolverStats(solver, options.stopMode(), options.threshold(), options.eps(), steps, evaluations,
                perSample ? latest : lowestStep, absTrace, relTrace, residual, residual / (Math.sqrt(f2) + REL_FLOOR),
                sampleAbs, sampleRel, sampleSteps, reason, null, wallSeconds);
    }
}
