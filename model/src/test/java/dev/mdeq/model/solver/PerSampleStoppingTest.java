package dev.mdeq.model.solver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.mdeq.config.DeqConfig.StopMode;
import dev.mdeq.model.testing.ManagedTest;
import dev.mdeq.model.testing.MemoryChurn;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * abs / rel stop modes: a sample whose own residual is below eps is frozen (its iterate stops
 * changing) while the others go on; each sample returns its own lowest iterate.
 */
class PerSampleStoppingTest extends ManagedTest {

    private static final int D = 10;
    private static double[][] w;
    private static double[][] b;
    private static final double[] SCALES = {0.05, 1.0}; // sample 0 converges much faster

    @BeforeAll
    static void problem() {
        Random random = new Random(21);
        w = TestMaps.matrix(random, D, D, 0.9);
        b = new double[][] {TestMaps.vector(random, D, 1.0), TestMaps.vector(random, D, 1.0)};
    }

    static Stream<EquilibriumSolver> solvers() {
        return Stream.of(new BroydenSolver(), new AndersonSolver(), new FixedPointSolver());
    }

    private static List<UnaryOperator<double[]>> plainMaps() {
        return List.of(TestMaps.tanh(w, b[0], SCALES[0]), TestMaps.tanh(w, b[1], SCALES[1]));
    }

    private record Run(SolveResult result, List<double[][]> iterates, double[][] state) {
    }

    private static Run run(EquilibriumSolver solver, SolverOptions options) {
        return run(TestMaps.batchMap(manager, w, b, SCALES, true, DataType.FLOAT64), solver, options);
    }

    private static Run run(Function<NDArray, NDArray> f, EquilibriumSolver solver, SolverOptions options) {
        List<double[][]> iterates = new ArrayList<>();
        try (NDArray x0 = manager.zeros(new ai.djl.ndarray.types.Shape(2, D), DataType.FLOAT64)) {
            SolveResult result = solver.solve(f, x0, options.withObserver((k, x, g) -> iterates.add(TestMaps.rows(x))));
            double[][] state = TestMaps.rows(result.state());
            result.state().close();
            return new Run(result, iterates, state);
        }
    }

    @ParameterizedTest
    @MethodSource("solvers")
    void absModeFreezesTheConvergedSample(EquilibriumSolver solver) {
        double eps = 1e-10;
        Run run = run(solver, SolverOptions.reference(200, eps).withStopMode(StopMode.ABS));
        SolverStats stats = run.result().stats();
        assertEquals(StopReason.TOLERANCE, stats.stopReason());
        int fast = stats.sampleLowestSteps().get(0);
        int slow = stats.sampleLowestSteps().get(1);
        assertTrue(fast < slow, solver.name() + ": fast sample converged at " + fast + ", slow at " + slow);
        assertEquals(slow, stats.steps());
        assertEquals(slow, stats.lowestStep());
        // frozen: sample 0's iterate never changes after it converged, sample 1's keeps changing
        for (int k = fast + 1; k < run.iterates().size(); k++) {
            assertArrayEquals(run.iterates().get(fast)[0], run.iterates().get(k)[0], 0.0, "step " + k);
        }
        assertFalse(java.util.Arrays.equals(run.iterates().get(fast)[1], run.iterates().get(slow)[1]));
        for (int s = 0; s < 2; s++) {
            assertTrue(stats.sampleResiduals().get(s) < eps);
            assertArrayEquals(run.iterates().get(stats.sampleLowestSteps().get(s))[s], run.state()[s], 0.0);
        }
        StatsChecks.assertConsistent(stats, 2);
        StatsChecks.assertResidualsMatch(stats, run.state(), plainMaps(), 1e-6);
    }

    /**
     * The masks of the active samples outlive the steps that make them: with the garbage collector
     * freeing every unreachable native buffer and small buffers of 1s written over freed memory
     * between evaluations of f, a mask that were a view of a freed buffer would unfreeze sample 0.
     */
    @ParameterizedTest
    @MethodSource("solvers")
    void frozenSamplesStayFrozenWhileTheMemoryAroundThemIsRecycled(EquilibriumSolver solver) throws Exception {
        Function<NDArray, NDArray> f = TestMaps.batchMap(manager, w, b, SCALES, true, DataType.FLOAT64);
        Function<NDArray, NDArray> churning = x -> {
            MemoryChurn.recycle((byte) 1); // true: a freed mask would mark sample 0 active again
            return f.apply(x);
        };
        Run run = run(churning, solver, SolverOptions.reference(200, 1e-10).withStopMode(StopMode.ABS));
        int fast = run.result().stats().sampleLowestSteps().get(0);
        for (int k = fast + 1; k < run.iterates().size(); k++) {
            assertArrayEquals(run.iterates().get(fast)[0], run.iterates().get(k)[0], 0.0, "step " + k);
        }
    }

    @ParameterizedTest
    @MethodSource("solvers")
    void referenceModeKeepsUpdatingEverySample(EquilibriumSolver solver) {
        double eps = 1e-10;
        Run perSample = run(solver, SolverOptions.reference(200, eps).withStopMode(StopMode.ABS));
        int fast = perSample.result().stats().sampleLowestSteps().get(0);
        Run whole = run(solver, SolverOptions.reference(200, eps * Math.sqrt(2) / 100));
        assertTrue(whole.result().stats().steps() > fast + 1);
        assertFalse(java.util.Arrays.equals(whole.iterates().get(fast)[0], whole.iterates().get(fast + 1)[0]),
                "in reference mode a converged sample is not frozen");
    }

    @ParameterizedTest
    @MethodSource("solvers")
    void aSampleConvergedAtTheStartNeverMoves(EquilibriumSolver solver) {
        double[] fixedPoint = TestMaps.iterateToFixedPoint(plainMaps().get(0), new double[D]);
        Function<NDArray, NDArray> f = TestMaps.batchMap(manager, w, b, SCALES, true, DataType.FLOAT64);
        List<double[][]> iterates = new ArrayList<>();
        double[][] start = {fixedPoint, new double[D]};
        try (NDArray x0 = manager.create(TestMaps.flatten(start)).reshape(2, D)) {
            SolveResult result = solver.solve(f, x0, SolverOptions.reference(100, 1e-10).withStopMode(StopMode.ABS)
                    .withObserver((k, x, g) -> iterates.add(TestMaps.rows(x))));
            assertEquals(0, result.stats().sampleLowestSteps().get(0));
            assertTrue(result.stats().steps() > 2);
            for (double[][] iterate : iterates) {
                assertArrayEquals(fixedPoint, iterate[0], 0.0);
            }
            assertArrayEquals(fixedPoint, TestMaps.rows(result.state())[0], 0.0);
            result.state().close();
        }
    }

    @Test
    void relModeStopsOnTheRelativeResidual() {
        // relative residual ||g|| / (||f|| + 1e-9): with eps 1e-6 each sample stops when its own ratio
        // is below 1e-6, whatever its absolute residual
        double eps = 1e-6;
        Run run = run(new FixedPointSolver(), SolverOptions.reference(200, eps).withStopMode(StopMode.REL));
        SolverStats stats = run.result().stats();
        assertEquals(StopReason.TOLERANCE, stats.stopReason());
        List<UnaryOperator<double[]>> maps = plainMaps();
        for (int s = 0; s < 2; s++) {
            int step = stats.sampleLowestSteps().get(s);
            assertTrue(relative(maps.get(s), run.iterates().get(step)[s]) < eps);
            assertTrue(relative(maps.get(s), run.iterates().get(step - 1)[s]) >= eps, "stopped at the first step below");
        }
        StatsChecks.assertResidualsMatch(stats, run.state(), maps, 1e-9);
    }

    @Test
    void perSampleProtectiveBreakFreezesTheDivergingSample() {
        // sample 0: x -> x + cosh(x) (Broyden diverges, see BroydenReferenceTest); sample 1: contraction
        Function<NDArray, NDArray> f = x -> {
            NDArray mask = x.getManager().create(new double[] {1, 0}).reshape(2, 1);
            NDArray diverging = x.add(x.cosh());
            NDArray contracting = x.mul(0.5).add(1.0);
            return diverging.mul(mask).add(contracting.mul(mask.neg().add(1)));
        };
        try (NDArray x0 = manager.create(new double[] {1.3, 0.0}).reshape(2, 1)) {
            SolveResult result = new BroydenSolver().solve(f, x0,
                    SolverOptions.reference(40, 1e-12).withStopMode(StopMode.ABS));
            SolverStats stats = result.stats();
            assertEquals(StopReason.PROTECTIVE_BREAK, stats.stopReason());
            assertTrue(stats.sampleResiduals().get(1) < 1e-12, "the contracting sample converged");
            double x = result.state().toDoubleArray()[0];
            assertEquals(Math.cosh(x), stats.sampleResiduals().get(0), 1e-12);
            assertTrue(stats.sampleResiduals().get(0) < Math.cosh(1.3), "diverging sample returns its lowest iterate");
            result.state().close();
        }
    }

    private static double relative(UnaryOperator<double[]> f, double[] x) {
        double[] fx = f.apply(x);
        double[] g = new double[fx.length];
        for (int i = 0; i < g.length; i++) {
            g[i] = fx[i] - x[i];
        }
        return TestMaps.norm(g) / (TestMaps.norm(fx) + 1e-9);
    }
}
