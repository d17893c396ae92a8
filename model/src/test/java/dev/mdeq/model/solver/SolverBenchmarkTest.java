package dev.mdeq.model.solver;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * The solvers' own cost per step next to one evaluation of a cheap f, at CIFAR TINY's state size
 * (D = 30,720 per sample, batch 32, float32, F_THRES 22). Prints numbers; asserts nothing about time.
 * Run: {@code mvn -B -pl trainer -am verify -Dgroups=benchmark -DexcludedTestGroups= -Dtest=SolverBenchmarkTest
 * -Dsurefire.failIfNoSpecifiedTests=false}
 */
@Tag("benchmark")
class SolverBenchmarkTest {

    private static final int BATCH = 32;
    private static final int D = 30_720;
    private static final int STEPS = 22;
    private static final int REPEATS = 5;

    @Test
    void timePerStepAgainstOneEvaluation() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray bias = manager.randomNormal(new Shape(BATCH, D)).mul(0.1f);
            // cheap: three element-wise ops on the state
            Function<NDArray, NDArray> f = x -> x.tanh().mul(0.5f).add(bias);
            NDArray x0 = manager.zeros(new Shape(BATCH, D), DataType.FLOAT32);

            double[] fTimes = new double[40];
            for (int i = 0; i < fTimes.length; i++) {
                try (NDScope scope = new NDScope()) {
                    long t = System.nanoTime();
                    f.apply(x0).sub(x0).square().sum().getFloat(); // f, its residual and one sync
                    fTimes[i] = (System.nanoTime() - t) / 1e6;
                }
            }
            double fMs = median(fTimes);
            double[] addTimes = new double[40];
            for (int i = 0; i < addTimes.length; i++) {
                try (NDScope scope = new NDScope()) {
                    long t = System.nanoTime();
                    bias.add(bias).getFloat(0, 0);
                    addTimes[i] = (System.nanoTime() - t) / 1e6;
                }
            }
            double addMs = median(addTimes);
            System.out.printf("BENCH f evaluation (+ residual, sync): %.2f ms; one element-wise add on the state:"
                    + " %.2f ms  [B=%d, D=%d, float32]%n", fMs, addMs, BATCH, D);

            SolverOptions options = SolverOptions.reference(STEPS, 0);
            for (EquilibriumSolver solver : List.of(new FixedPointSolver(), new AndersonSolver(), new BroydenSolver())) {
                double[] perStep = new double[REPEATS];
                for (int r = 0; r <= REPEATS; r++) {
                    SolveResult result = solver.solve(f, x0, options);
                    if (r > 0) { // first run is a warm-up
                        perStep[r - 1] = result.stats().wallSeconds() * 1e3 / (result.stats().fEvaluations());
                    }
                    result.state().close();
                }
                double ms = median(perStep);
                System.out.printf("BENCH %-12s %.2f ms per step = %.2f x f, solver overhead %.2f ms per step"
                        + " = %.1f element-wise adds%n", solver.name(), ms, ms / fMs, ms - fMs, (ms - fMs) / addMs);
            }

            // per-step overhead on a tiny state: JNI call count dominates
            NDArray tiny = manager.zeros(new Shape(2, 8), DataType.FLOAT32);
            Function<NDArray, NDArray> g = x -> x.tanh().mul(0.5f).add(0.1f);
            for (EquilibriumSolver solver : List.of(new FixedPointSolver(), new AndersonSolver(), new BroydenSolver())) {
                double[] perStep = new double[REPEATS];
                for (int r = 0; r <= REPEATS; r++) {
                    SolveResult result = solver.solve(g, tiny, options);
                    if (r > 0) {
                        perStep[r - 1] = result.stats().wallSeconds() * 1e3 / result.stats().fEvaluations();
                    }
                    result.state().close();
                }
                System.out.printf("BENCH tiny state (2 x 8) %-12s %.3f ms per step%n", solver.name(), median(perStep));
            }
        }
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
