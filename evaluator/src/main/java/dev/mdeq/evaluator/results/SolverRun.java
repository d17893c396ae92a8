package dev.mdeq.evaluator.results;

/**
 * One forward equilibrium solve of an image (an image solved at several scales, flipped or in
 * windows has several).
 *
 * @param steps solver iterations done
 * @param absResidual final absolute residual ||f(z) - z|| of the returned iterate (NaN if diverged)
 * @param relResidual final relative residual ||f(z) - z|| / ||f(z)||, or NaN when not measured
 * @param converged whether the solver met its tolerance before its step limit
 */
public record SolverRun(int steps, double absResidual, double relResidual, boolean converged) {
}
