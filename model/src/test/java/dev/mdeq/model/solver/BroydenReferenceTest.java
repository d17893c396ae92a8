package dev.mdeq.model.solver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.mdeq.config.DeqConfig.StopMode;
import dev.mdeq.model.testing.ManagedTest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Broyden's iterates equal those of an independent dense float64 implementation of the reference
 * (DenseBroyden), step by step, including ring-buffer wrap-around, the first fixed-point step, the
 * protective break and the lowest-residual return.
 */
class BroydenReferenceTest extends ManagedTest {


    /** A batch of tanh maps with a shared W and per-sample bias and scale. */
    private record Problem(Function<NDArray, NDArray> djl, List<UnaryOperator<double[]>> plain, double[][] x0) {
    }

    private static Problem tanhProblem(long seed, int batch, int d, double wNorm) {
        Random random = new Random(seed);
        double[][] w = TestMaps.matrix(random, d, d, wNorm);
        double[][] b = new double[batch][];
        double[] scales = new double[batch];
        double[][] x0 = new double[batch][];
        List<UnaryOperator<double[]>> plain = new ArrayList<>();
        for (int s = 0; s < batch; s++) {
            b[s] = TestMaps.vector(random, d, 1.0);
            scales[s] = 1.0 - 0.3 * s;
            x0[s] = TestMaps.vector(random, d, 0.5);
            plain.add(TestMaps.tanh(w, b[s], scales[s]));
        }
        return new Problem(TestMaps.batchMap(manager, w, b, scales, true, DataType.FLOAT64), plain, x0);
    }

    /** Runs the solver, recording every iterate through the observer. */
    private static List<double[][]> runRecording(Problem problem, SolverOptions options, SolverStats[] stats,
            double[][][] state) {
        return runRecording(new BroydenSolver(), problem, options, stats, state);
    }

    private static List<double[][]> runRecording(BroydenSolver solver, Problem problem, SolverOptions options,
            SolverStats[] stats, double[][][] state) {
        List<double[][]> iterates = new ArrayList<>();
        try (NDArray x0 = manager.create(TestMaps.flatten(problem.x0())).reshape(problem.x0().length,
                problem.x0()[0].length)) {
            SolveResult result = solver.solve(problem.djl(), x0,
                    options.withObserver((step, x, g) -> {
                        assertEquals(iterates.size(), step);
                        iterates.add(TestMaps.rows(x));
                    }));
            stats[0] = result.stats();
            state[0] = TestMaps.rows(result.state());
            result.state().close();
        }
        return iterates;
    }

    private static void assertSameRun(Problem problem, SolverOptions options, int memory, double tolerance) {
        SolverStats[] stats = new SolverStats[1];
        double[][][] state = new double[1][][];
        List<double[][]> actual = runRecording(problem, options, stats, state);
        DenseBroyden.Run expected = DenseBroyden.run(problem.plain(), problem.x0(), options.threshold(), options.eps(),
                memory);
        assertEquals(expected.steps(), stats[0].steps(), "steps");
        assertEquals(expected.steps() + 1, actual.size());
        for (int k = 0; k < actual.size(); k++) {
            for (int s = 0; s < actual.get(k).length; s++) {
                double diff = TestMaps.maxAbsDiff(expected.iterates().get(k)[s], actual.get(k)[s]);
                assertTrue(diff < tolerance, "step " + k + " sample " + s + " differs by " + diff);
            }
        }
        for (int k = 0; k < expected.trace().size(); k++) {
            assertEquals(expected.trace().get(k), stats[0].absTrace().get(k), 1e-9 * (1 + expected.trace().get(k)));
        }
        assertEquals(expected.lowestStep(), stats[0].lowestStep(), "lowest step");
        for (int s = 0; s < state[0].length; s++) {
            assertArrayEquals(expected.iterates().get(expected.lowestStep())[s], state[0][s], tolerance);
        }
        StatsChecks.assertConsistent(stats[0], state[0].length);
    }

    @Test
    void iteratesMatchTheDenseReferenceWithoutWrapping() {
        Problem problem = tanhProblem(11, 3, 8, 1.2);
        assertSameRun(problem, SolverOptions.reference(10, 0), 27, 1e-10);
    }

    @Test
    void aSampleStartingAtItsFixedPointGetsZeroPairsInsteadOfNaNs() {
        // Sample 1's map is the constant tanh(b) and starts there (up to the last bit, as Java's
        // and libtorch's tanh may differ): from the second step on its dx and dg are 0, so its
        // u = 0 / 0 is NaN, which must become 0 (else its iterate turns NaN).
        Random random = new Random(14);
        int d = 6;
        double[][] w = TestMaps.matrix(random, d, d, 1.2);
        double[][] b = {TestMaps.vector(random, d, 1.0), TestMaps.vector(random, d, 1.0)};
        double[] scales = {1.0, 0.0};
        double[][] x0 = {TestMaps.vector(random, d, 0.5), Arrays.stream(b[1]).map(Math::tanh).toArray()};
        Problem problem = new Problem(TestMaps.batchMap(manager, w, b, scales, true, DataType.FLOAT64),
                List.of(TestMaps.tanh(w, b[0], scales[0]), TestMaps.tanh(w, b[1], scales[1])), x0);
        assertSameRun(problem, SolverOptions.reference(10, 0), 27, 1e-10);
    }

    @Test
    void iteratesMatchWhenTheRingBufferWraps() {
        Problem problem = tanhProblem(12, 3, 8, 1.2);
        // memory 3 with 14 steps: the buffer wraps four times
        assertSameRun(problem, SolverOptions.reference(14, 0).withBroydenMemory(3), 3, 1e-10);
    }

    @Test
    void iteratesMatchWithTheReferenceMemoryAndMoreThan27Steps() {
        // an affine map whose Jacobian has 40 distinct eigenvalues in [-0.95, 0.95]: Broyden needs
        // more than 32 steps, so every compared iterate is far from round-off
        Random random = new Random(13);
        int d = 40;
        double[][] a = TestMaps.symmetricWithSpectrum(random, d, -0.95, 0.95);
        double[][] b = {TestMaps.vector(random, d, 1.0), TestMaps.vector(random, d, 1.0)};
        double[] scales = {1.0, 0.7};
        List<UnaryOperator<double[]>> plain = new ArrayList<>();
        for (int s = 0; s < 2; s++) {
            double scale = scales[s];
            UnaryOperator<double[]> affine = TestMaps.affine(a, b[s]);
            double[] bias = b[s];
            plain.add(x -> {
                double[] y = affine.apply(x);
                for (int i = 0; i < y.length; i++) {
                    y[i] = scale * (y[i] - bias[i]) + bias[i];
                }
                return y;
            });
        }
        Problem problem = new Problem(TestMaps.batchMap(manager, a, b, scales, false, DataType.FLOAT64), plain,
                new double[2][d]);
        assertSameRun(problem, SolverOptions.reference(34, 0), SolverOptions.REFERENCE_BROYDEN_MEMORY, 1e-9);
    }

    @Test
    void firstStepIsAFixedPointStep() {
        Problem problem = tanhProblem(14, 2, 5, 0.9);
        SolverStats[] stats = new SolverStats[1];
        double[][][] state = new double[1][][];
        List<double[][]> iterates = runRecording(problem, SolverOptions.reference(3, 0), stats, state);
        for (int s = 0; s < 2; s++) {
            double[] fx0 = problem.plain().get(s).apply(problem.x0()[s]);
            // x1 = x0 + (f(x0) - x0): equal to f(x0) up to one rounding
            assertArrayEquals(fx0, iterates.get(1)[s], 1e-15);
        }
    }

    @Test
    void firstStepFromZeroIsExactlyFOfZero() {
        try (NDArray x0 = manager.zeros(new ai.djl.ndarray.types.Shape(2, 4), DataType.FLOAT32)) {
            Function<NDArray, NDArray> f = x -> x.mul(0.3f).add(0.7f).sin();
            double[][] first = new double[1][];
            SolveResult result = new BroydenSolver().solve(f, x0, SolverOptions.reference(1, 0)
                    .withObserver((step, x, g) -> {
                        if (step == 1) {
                            first[0] = x.toType(DataType.FLOAT64, false).toDoubleArray();
                        }
                    }));
            try (NDArray fx0 = f.apply(x0)) {
                assertArrayEquals(fx0.toType(DataType.FLOAT64, false).toDoubleArray(), first[0], 0.0);
            }
            result.state().close();
        }
    }

    /**
     * g(x) = cosh(x) has no root: Broyden (the secant method in 1-D) first improves, then jumps far
     * away; the residual exceeds 1e6 times its start and the protective break returns the lowest
     * iterate, which is not the last one.
     */
    @Test
    void protectiveBreakReturnsTheLowestIterate() {
        List<UnaryOperator<double[]>> plain = List.of(x -> new double[] {x[0] + Math.cosh(x[0])});
        double[][] x0 = {{1.3}};
        Function<NDArray, NDArray> f = x -> x.add(x.cosh());
        SolverStats[] stats = new SolverStats[1];
        double[][][] state = new double[1][][];
        List<double[][]> iterates = runRecording(new Problem(f, plain, x0), SolverOptions.reference(30, 1e-12), stats,
                state);
        SolverStats s = stats[0];
        assertEquals(StopReason.PROTECTIVE_BREAK, s.stopReason());
        assertTrue(s.steps() < 30);
        assertTrue(s.absTrace().get(s.steps()) > 1e6 * s.absTrace().get(0));
        assertTrue(s.lowestStep() > 0 && s.lowestStep() < s.steps(), "lowest step " + s.lowestStep());
        assertArrayEquals(iterates.get(s.lowestStep())[0], state[0][0], 0.0);
        assertEquals(Math.cosh(state[0][0][0]), s.residual(), 1e-12);
        DenseBroyden.Run expected = DenseBroyden.run(plain, x0, 30, 1e-12, 27);
        assertEquals("protective", expected.stop());
        assertEquals(expected.steps(), s.steps());
        assertEquals(expected.lowestStep(), s.lowestStep());
        StatsChecks.assertConsistent(s, 1);
    }

    @Test
    void startBelowToleranceTakesNoStep() {
        try (NDArray x0 = manager.ones(new ai.djl.ndarray.types.Shape(2, 3), DataType.FLOAT64)) {
            SolveResult result = new BroydenSolver().solve(x -> x.mul(1.0), x0, SolverOptions.reference(10, 1e-6));
            assertEquals(0, result.stats().steps());
            assertEquals(StopReason.TOLERANCE, result.stats().stopReason());
            assertArrayEquals(x0.toDoubleArray(), result.state().toDoubleArray(), 0.0);
            result.state().close();
        }
    }

    /**
     * The ring buffers start uninitialised, so no iterate may depend on a slot before it is written:
     * buffers filled with NaN give the same iterates, bit for bit, as zero-filled ones, with the
     * buffer wrapping around (memory 4 of 25 steps) and with samples frozen one by one (ABS).
     */
    @ParameterizedTest
    @EnumSource(value = StopMode.class, names = {"REFERENCE", "ABS"})
    void unwrittenBufferSlotsAreNeverRead(StopMode mode) {
        Problem problem = tanhProblem(7, 3, 12, 0.9);
        SolverOptions options = new SolverOptions(25, 1e-9, mode, 4, 6, 1e-4, 1.0, 1e12, null);
        List<double[][]> zeroFilled = runRecording(new BroydenSolver((m, shape, type) -> m.zeros(shape, type)),
                problem, options, new SolverStats[1], new double[1][][]);
        List<double[][]> nanFilled = runRecording(new BroydenSolver((m, shape, type) -> m.full(shape, Float.NaN, type)),
                problem, options, new SolverStats[1], new double[1][][]);
        assertTrue(zeroFilled.size() > 8, "the buffer wraps: " + zeroFilled.size() + " iterates");
        assertEquals(zeroFilled.size(), nanFilled.size());
        for (int k = 0; k < zeroFilled.size(); k++) {
            for (int sample = 0; sample < zeroFilled.get(k).length; sample++) {
                assertArrayEquals(zeroFilled.get(k)[sample], nanFilled.get(k)[sample], 0.0, "step " + k);
            }
        }
    }
}
