package dev.mdeq.trainer.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import dev.mdeq.model.TrainStep;
import dev.mdeq.model.solver.SolverStats;
import dev.mdeq.model.solver.StopReason;
import java.util.Map;

/**
 * When a run must stop because its numbers went bad: a non-finite loss or gradient, a forward solve
 * that diverged, too many consecutive protective breaks, or a non-finite parameter before a save.
 */
final class DivergenceCheck {
    /** Consecutive protective solver breaks after which the run counts as diverged. */
    static final int MAX_PROTECTIVE_BREAKS = 10;

    private int protectiveBreaks;

    /** Null when the step is sound; else why the run must stop. */
    String afterStep(long globalStep, ReplicatedModel.StepResult result, double gradNorm) {
        if (!Double.isFinite(result.loss())) {
            return "the training loss is " + result.loss() + " at step " + globalStep;
        }
        if (!Double.isFinite(gradNorm)) {
            return "the gradient norm is " + gradNorm + " at step " + globalStep + " (loss " + result.loss() + ")";
        }
        boolean protectiveBreak = false;
        for (TrainStep shard : result.shards()) {
            SolverStats stats = shard.forwardStats();
            if (stats != null) {
                if (stats.stopReason() == StopReason.NON_FINITE || !Double.isFinite(stats.residual())) {
                    return "the forward equilibrium solve diverged at step " + globalStep + " (residual "
                            + stats.residual() + " after " + stats.steps() + " steps)";
                }
                protectiveBreak |= stats.stopReason() == StopReason.PROTECTIVE_BREAK;
            }
        }
        protectiveBreaks = protectiveBreak ? protectiveBreaks + 1 : 0;
        if (protectiveBreaks >= MAX_PROTECTIVE_BREAKS) {
            return "the forward equilibrium solve blew up (residual beyond 1e6 times its start) in "
                    + MAX_PROTECTIVE_BREAKS + " consecutive steps up to step " + globalStep;
        }
        return null;
    }

    /** The first of {@code parameters} holding a NaN or an infinity, or null. */
    static String nonFiniteParameter(Map<String, NDArray> parameters) {
        try (NDScope ignored = new NDScope()) {
            for (Map.Entry<String, NDArray> entry : parameters.entrySet()) {
                NDArray array = entry.getValue();
                if (array.isNaN().logicalOr(array.isInfinite()).any().getBoolean()) {
                    return entry.getKey();
                }
            }
        }
        return null;
    }
}
