package dev.mdeq.model.solver;

import dev.mdeq.config.DeqConfig.StopMode;

import java.util.ArrayList;
import java.util.List;

/**
 * What one solve did, as plain immutable values (log it, serialise it, summarise it).
 *
 * <p>Residuals: the absolute residual of an iterate x is {@code ||g(x)|| = ||f(x) - x||}, the relative
 * one {@code ||g(x)|| / (||f(x)|| + 1e-9)}. "Whole batch" norms are taken over the entire (B, D)
 * tensor (the reference's {@code torch.norm(gx)}), per-sample norms over each sample's D elements.
 *
 * @param solver "broyden", "anderson" or "fixed_point"
 * @param stopMode the stopping rule used
 * @param threshold the step limit
 * @param eps the tolerance
 * @param steps iterates computed after the start (the reference's {@code nstep})
 * @param fEvaluations calls of f (steps + 1, one more after an Anderson fallback)
 * @param lowestStep step of the returned iterate (0 = the start); per-sample modes: the latest of
 *     the samples' lowest steps
 * @param absTrace whole-batch absolute residual of every iterate, index k = step k (size steps+1)
 * @param relTrace whole-batch relative residual of every iterate (size steps+1)
 * @param residual whole-batch absolute residual of the returned state (the reference's
 *     {@code diff}); in per-sample modes computed from the samples' own residuals, assuming f acts on
 *     each sample independently
 * @param relResidual whole-batch relative residual of the returned state
 * @param sampleResiduals absolute residual of each sample of the returned state
 * @param sampleRelResiduals relative residual of each sample of the returned state
 * @param sampleLowestSteps the step each sample's returned iterate comes from
 * @param stopReason why the solve stopped
 * @param fallback non-null when Anderson handed over to Broyden
 * @param wallSeconds wall-clock time of the solve
 */
public record SolverStats(
        String solver,
        StopMode stopMode,
        int threshold,
        double eps,
        int steps,
        int fEvaluations,
        int lowestStep,
        List<Double> absTrace,
        List<Double> relTrace,
        double residual,
        double relResidual,
        List<Double> sampleResiduals,
        List<Double> sampleRelResiduals,
        List<Integer> sampleLowestSteps,
        StopReason stopReason,
        Fallback fallback,
        double wallSeconds) {

    /**
     * Anderson's hand-over to Broyden.
     *
     * @param atStep steps Anderson had taken; Broyden continued from the best iterate so far with the
     *     remaining {@code threshold - atStep} steps
     * @param reason what was wrong with Anderson's least-squares system
     */
    public record Fallback(int atStep, String reason) {
    }

    public SolverStats {
        absTrace = List.copyOf(absTrace);
        relTrace = List.copyOf(relTrace);
        sampleResiduals = List.copyOf(sampleResiduals);
        sampleRelResiduals = List.copyOf(sampleRelResiduals);
        sampleLowestSteps = List.copyOf(sampleLowestSteps);
    }

    /** True when the solve met its tolerance. */
    public boolean converged() {
        return stopReason == StopReason.TOLERANCE;
    }

    /** True when Anderson fell back to Broyden. */
    public boolean fellBack() {
        return fallback != null;
    }

    /** Samples in the batch. */
    public int batch() {
        return sampleResiduals.size();
    }

    /**
     * Joins an Anderson run that stopped after {@code atStep} steps with the Broyden run that
     * continued from its best iterate: traces are concatenated (Broyden's start, a re-evaluation of
     * that iterate, is not counted as a step) and Broyden's lowest steps are shifted by atStep.
     */
    static SolverStats afterFallback(SolverStats anderson, SolverStats broyden, String reason, double wallSeconds) {
        int atStep = anderson.steps;
        List<Double> abs = new ArrayList<>(anderson.absTrace);
        abs.addAll(broyden.absTrace.subList(1, broyden.absTrace.size()));
        List<Double> rel = new ArrayList<>(anderson.relTrace);
        rel.addAll(broyden.relTrace.subList(1, broyden.relTrace.size()));
        List<Integer> sampleSteps = new ArrayList<>();
        for (int b = 0; b < broyden.sampleLowestSteps.size(); b++) {
            int s = broyden.sampleLowestSteps.get(b);
            sampleSteps.add(s == 0 ? anderson.sampleLowestSteps.get(b) : atStep + s);
        }
        int lowest = broyden.lowestStep == 0 ? anderson.lowestStep : atStep + broyden.lowestStep;
        if (anderson.stopMode != StopMode.REFERENCE) {
            lowest = sampleSteps.stream().mapToInt(Integer::intValue).max().orElse(0);
        }
        return new SolverStats(anderson.solver, anderson.stopMode, anderson.threshold, anderson.eps,
                atStep + broyden.steps, anderson.fEvaluations + broyden.fEvaluations, lowest, abs, rel,
                broyden.residual, broyden.relResidual, broyden.sampleResiduals, broyden.sampleRelResiduals,
                sampleSteps, broyden.stopReason, new Fallback(atStep, reason), wallSeconds);
    }
}
