package dev.mdeq.model.solver;

import dev.mdeq.config.DeqConfig;
import dev.mdeq.config.DeqConfig.StopMode;
import dev.mdeq.config.ExperimentConfig;

/**
 * How one solve runs: step limit, tolerance and stopping rule, and the solvers' own settings.
 *
 * @param threshold step limit (the reference's {@code F_THRES}); 0 returns the start
 * @param eps tolerance on the stop mode's residual: in {@link StopMode#REFERENCE} the absolute
 *     residual of the whole batch (the reference passes {@code 1e-5*sqrt(B*D)}), in
 *     {@link StopMode#ABS} / {@link StopMode#REL} each sample's own absolute / relative residual
 * @param stopMode reference (whole batch), abs or rel (per sample, converged samples are frozen)
 * @param broydenMemory Broyden's ring buffer holds {@code min(threshold, broydenMemory)} rank-one
 *     updates (27 in the reference)
 * @param andersonM Anderson's memory (number of past iterates mixed), at least 2
 * @param andersonLam Tikhonov regularisation of Anderson's least-squares system
 * @param andersonBeta Anderson's mixing: 1 uses f of the past iterates only
 * @param andersonMaxCondition Anderson falls back to Broyden when the 1-norm condition number of a
 *     sample's bordered system exceeds this (or the system is singular or gives NaN/Inf)
 * @param observer sees every iterate, or {@code null}
 */
public record SolverOptions(
        int threshold,
        double eps,
        StopMode stopMode,
        int broydenMemory,
        int andersonM,
        double andersonLam,
        double andersonBeta,
        double andersonMaxCondition,
        StepObserver observer) {

    /** The reference's Broyden memory ({@code LBFGS_thres = min(threshold, 27)}). */
    public static final int REFERENCE_BROYDEN_MEMORY = 27;

    public SolverOptions {
        require(threshold >= 0, "threshold must be >= 0, got " + threshold);
        require(eps >= 0, "eps must be a number >= 0, got " + eps);
        require(stopMode != null, "stopMode must be one of " + java.util.Arrays.toString(StopMode.values()));
        require(broydenMemory >= 1, "broydenMemory must be >= 1, got " + broydenMemory);
        require(andersonM >= 2, "andersonM must be >= 2, got " + andersonM);
        require(andersonLam >= 0, "andersonLam must be a number >= 0, got " + andersonLam);
        require(andersonBeta > 0 && andersonBeta <= 1, "andersonBeta must be in (0, 1], got " + andersonBeta);
        require(andersonMaxCondition > 1, "andersonMaxCondition must be > 1, got " + andersonMaxCondition);
    }

    /** Reference stopping (whole batch, absolute) with every other setting at its default. */
    public static SolverOptions reference(int threshold, double eps) {
        return new SolverOptions(threshold, eps, StopMode.REFERENCE, REFERENCE_BROYDEN_MEMORY, 6, 1e-4, 1.0, 1e12, null);
    }

    /**
     * The forward solve of an experiment: threshold {@code MODEL.F_THRES}, eps from {@code DEQ.F_EPS}
     * (see {@link #forwardEps}), stop mode and solver settings from {@code DEQ.*}.
     *
     * @param batch samples in this solve call (per device)
     * @param stateSize D, state elements per sample
     */
    public static SolverOptions forward(ExperimentConfig config, long batch, long stateSize) {
        DeqConfig deq = config.deq();
        return fromConfig(deq, config.model().fThres(), forwardEps(deq, batch, stateSize));
    }

    /**
     * The backward (adjoint) solve: threshold {@code MODEL.F_THRES} as the reference (or
     * {@code MODEL.B_THRES} when {@code DEQ.USE_B_THRES}), eps from {@code DEQ.B_EPS}.
     */
    public static SolverOptions backward(ExperimentConfig config, long batch, long stateSize) {
        DeqConfig deq = config.deq();
        boolean b = deq.useBThres();
        int threshold = b ? config.model().bThres() : config.model().fThres();
        return fromConfig(deq, threshold, backwardEps(deq, batch, stateSize));
    }

    /**
     * Forward eps: {@code F_EPS * sqrt(B*D)} in reference mode (the reference's
     * {@code 1e-5 * sqrt(B*D)}, an absolute whole-batch tolerance), {@code F_EPS} itself per sample
     * in abs and rel mode.
     */
    public static double forwardEps(DeqConfig deq, long batch, long stateSize) {
        return scaledEps(deq.fEps(), deq.stopMode(), batch, stateSize);
    }

    /** Backward eps: {@code B_EPS * sqrt(B*D)} in reference mode (reference 2e-10), else {@code B_EPS}. */
    public static double backwardEps(DeqConfig deq, long batch, long stateSize) {
        return scaledEps(deq.bEps(), deq.stopMode(), batch, stateSize);
    }

    public SolverOptions withThreshold(int newThreshold) {
        return new SolverOptions(newThreshold, eps, stopMode, broydenMemory, andersonM, andersonLam, andersonBeta,
                andersonMaxCondition, observer);
    }

    public SolverOptions withEps(double newEps) {
        return new SolverOptions(threshold, newEps, stopMode, broydenMemory, andersonM, andersonLam, andersonBeta,
                andersonMaxCondition, observer);
    }

    public SolverOptions withStopMode(StopMode mode) {
        return new SolverOptions(threshold, eps, mode, broydenMemory, andersonM, andersonLam, andersonBeta,
                andersonMaxCondition, observer);
    }

    public SolverOptions withBroydenMemory(int memory) {
        return new SolverOptions(threshold, eps, stopMode, memory, andersonM, andersonLam, andersonBeta,
                andersonMaxCondition, observer);
    }

    public SolverOptions withAnderson(int m, double lam, double beta) {
        return new SolverOptions(threshold, eps, stopMode, broydenMemory, m, lam, beta, andersonMaxCondition, observer);
    }

    public SolverOptions withAndersonMaxCondition(double maxCondition) {
        return new SolverOptions(threshold, eps, stopMode, broydenMemory, andersonM, andersonLam, andersonBeta,
                maxCondition, observer);
    }

    public SolverOptions withObserver(StepObserver newObserver) {
        return new SolverOptions(threshold, eps, stopMode, broydenMemory, andersonM, andersonLam, andersonBeta,
                andersonMaxCondition, newObserver);
    }

    /** The protective break factor: 1e6 on absolute residuals, 1e3 on relative ones (locuslab/deq). */
    double protectFactor() {
        return stopMode == StopMode.REL ? 1e3 : 1e6;
    }

    boolean perSample() {
        return stopMode != StopMode.REFERENCE;
    }

    private static double scaledEps(double coefficient, StopMode mode, long batch, long stateSize) {
        if (batch < 1 || stateSize < 1) {
            throw new IllegalArgumentException("batch and state size must be >= 1, got " + batch + " and " + stateSize);
        }
        return mode == StopMode.REFERENCE ? coefficient * Math.sqrt((double) batch * stateSize) : coefficient;
    }

    /** The config's rules ({@code ConfigRules}, checked at load) already hold these settings in range. */
    private static SolverOptions fromConfig(DeqConfig deq, int threshold, double eps) {
        return new SolverOptions(threshold, eps, deq.stopMode(), deq.broydenMemory(), deq.andersonM(),
                deq.andersonLam(), deq.andersonBeta(), 1e12, null);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException("solver options: " + message);
        }
    }
}
