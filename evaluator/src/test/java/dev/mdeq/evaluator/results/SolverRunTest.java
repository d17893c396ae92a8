package dev.mdeq.evaluator.results;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mdeq.config.DeqConfig.StopMode;
import dev.mdeq.runstore.run.RunJson;
import dev.mdeq.model.solver.SolverStats;
import dev.mdeq.model.solver.StopReason;
import java.util.List;
import org.junit.jupiter.api.Test;

class SolverRunTest {

    private static SolverStats stats(double residual, StopReason reason) {
        return new SolverStats("broyden", StopMode.REFERENCE, 27, 1e-3, 14, 15, 13, List.of(1.0), List.of(0.1),
                residual, 0.002, List.of(residual), List.of(0.002), List.of(13), reason, null, 0.5);
    }

    @Test
    void takesStepsResidualsAndStopReasonFromTheSolver() {
        SolverRun run = SolverRun.of(stats(0.04, StopReason.TOLERANCE));
        assertEquals(new SolverRun(14, 0.04, 0.002, true, "TOLERANCE"), run);
        SolverRun limit = SolverRun.of(stats(0.5, StopReason.STEP_LIMIT));
        assertFalse(limit.converged());
    }

    @Test
    void nonFiniteResidualsBecomeNullSoJsonHasNoNaN() {
        SolverRun diverged = SolverRun.of(stats(Double.NaN, StopReason.NON_FINITE));
        assertNull(diverged.absResidual());
        String json = new String(RunJson.write(diverged));
        assertFalse(json.contains("NaN"), json);
        assertTrue(json.contains("\"stopReason\" : \"NON_FINITE\""), json);
        assertEquals(diverged, RunJson.read(json.getBytes(), SolverRun.class, "run"));
    }
}
