package dev.mdeq.model.solver;

/** Why an equilibrium solve stopped. */
public enum StopReason {
    /** The residual fell below eps (whole batch in reference mode, every sample otherwise). */
    TOLERANCE,
    /** The step limit (threshold) was reached. */
    STEP_LIMIT,
    /**
     * The residual grew beyond the protective factor times its start (1e6, or 1e3 in rel mode); in
     * per-sample modes: every sample that did not converge was stopped that way.
     */
    PROTECTIVE_BREAK,
    /**
     * Reference mode only: residual below 3*eps, more than 30 steps and less than 1.3x change over the
     * last 30 residuals (the reference's rule; unreachable with its thresholds of at most 27 steps).
     */
    STALLED,
    /**
     * A residual became NaN or infinite. The reference keeps iterating on NaN (nothing can improve
     * then); stopping changes only the step count, never the returned iterate.
     */
    NON_FINITE
}
