package dev.mdeq.model;

import dev.mdeq.config.DeqConfig;
import dev.mdeq.model.solver.SolverStats;
import dev.mdeq.model.solver.StopReason;
import java.util.List;

/** Statistics for the tests' own root finders, in the solver package's record. */
final class TestStats {
    private TestStats() {
    }

    static SolverStats of(String solver, int steps, int evaluations, double residual) {
        return new SolverStats(solver, DeqConfig.StopMode.REFERENCE, steps, 0, steps, evaluations, steps, List.of(residual),
                List.of(residual), residual, residual, List.of(), List.of(), List.of(), StopReason.STEP_LIMIT, null, 0);
    }
}
