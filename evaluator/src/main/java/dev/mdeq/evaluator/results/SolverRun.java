package dev.mdeq.evaluator.results;

import dev.mdeq.model.solver.SolverStats;

/**
 * One forward equilibrium solve of an image (an image solved at several scales, flipped or in
 * windows has several). Residuals that are not finite (a diverged solve) or not measured are
 * null, so the JSON files never hold NaN.
 *
 * @param steps solver iterations done
 * @param absResidual final absolute residual ||f(z) - z|| of the returned iterate; null if not finite
 * @param relResidual final relative residual ||f(z) - z|| / ||f(z)||; null if not finite or not measured
 * @param converged whether the solver met its tolerance before its step limit
 * @param stopReason why the solve stopped (a {@link dev.mdeq.model.solver.StopReason} name), or null
 */
public record SolverRun(int steps, Double absResidual, Double relResidual, boolean converged, String stopReason) {
    public SolverRun {
        absResidual = finiteOrNull(absResidual);
        relResidual = finiteOrNull(relResidual);
    }

    /** The record of a solve as the trainer's solvers report it (whole-batch residuals). */
    public static SolverRun of(SolverStats stats) {
        return new SolverRun(stats.steps(), stats.residual(), stats.relResidual(), stats.converged(),
                stats.stopReason() == null ? null : stats.stopReason().name());
    }

    private static Double finiteOrNull(Double v) {
        return v == null || !Double.isFinite(v) ? null : v;
    }
}
