package dev.mdeq.model.solver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mdeq.config.DeqConfig.StopMode;

import java.util.List;
import java.util.function.UnaryOperator;

/** Consistency of a solve's statistics with each other and with the returned state. */
final class StatsChecks {

    private StatsChecks() {
    }

    static void assertConsistent(SolverStats stats, int batch) {
        assertEquals(stats.steps() + 1, stats.absTrace().size(), "one abs trace entry per iterate incl. the start");
        assertEquals(stats.steps() + 1, stats.relTrace().size(), "one rel trace entry per iterate incl. the start");
        assertEquals(stats.steps() + 1 + (stats.fellBack() ? 1 : 0), stats.fEvaluations());
        assertTrue(stats.steps() <= stats.threshold());
        assertTrue(stats.lowestStep() >= 0 && stats.lowestStep() <= stats.steps());
        assertEquals(batch, stats.sampleResiduals().size());
        assertEquals(batch, stats.sampleRelResiduals().size());
        assertEquals(batch, stats.sampleLowestSteps().size());
        double sum = 0;
        for (double r : stats.sampleResiduals()) {
            sum += r * r;
        }
        assertEquals(Math.sqrt(sum), stats.residual(), 1e-12 * (1 + stats.residual()));
        if (stats.stopMode() == StopMode.REFERENCE) {
            double min = stats.absTrace().stream().mapToDouble(Double::doubleValue).filter(v -> !Double.isNaN(v)).min()
                    .orElseThrow();
            assertEquals(min, stats.residual(), 1e-12 * (1 + min), "reference mode returns the lowest iterate");
            assertEquals(stats.absTrace().get(stats.lowestStep()), stats.residual(), 1e-12 * (1 + min));
            assertEquals(stats.absTrace().indexOf(min), stats.lowestStep(), "the first iterate with the lowest residual");
            for (int step : stats.sampleLowestSteps()) {
                assertEquals(stats.lowestStep(), step);
            }
        }
        if (stats.stopReason() == StopReason.STEP_LIMIT) {
            assertEquals(stats.threshold(), stats.steps());
        }
        if (stats.stopReason() == StopReason.TOLERANCE && stats.stopMode() == StopMode.REFERENCE) {
            assertTrue(stats.residual() < stats.eps());
        }
        assertTrue(stats.wallSeconds() >= 0);
    }

    /** The stats' per-sample residuals equal ||f(x) - x|| computed in plain Java at the returned state. */
    static void assertResidualsMatch(SolverStats stats, double[][] state, List<UnaryOperator<double[]>> maps,
            double tolerance) {
        for (int b = 0; b < state.length; b++) {
            double[] fx = maps.get(b).apply(state[b]);
            double[] g = new double[fx.length];
            for (int i = 0; i < g.length; i++) {
                g[i] = fx[i] - state[b][i];
            }
            double abs = TestMaps.norm(g);
            assertEquals(abs, stats.sampleResiduals().get(b), tolerance * (1 + abs), "sample " + b + " residual");
            assertEquals(abs / (TestMaps.norm(fx) + 1e-9), stats.sampleRelResiduals().get(b),
                    tolerance * (1 + abs), "sample " + b + " relative residual");
        }
    }
}
