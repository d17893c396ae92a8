package dev.mdeq.model.solver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.mdeq.model.testing.ManagedTest;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every solver finds the known fixed point of contractive affine and tanh maps. */
class SolversFindFixedPointsTest extends ManagedTest {

    private static final int BATCH = 3;
    private static final int D = 12;

    static Stream<EquilibriumSolver> solvers() {
        return Stream.of(new BroydenSolver(), new AndersonSolver(), new FixedPointSolver());
    }

    @ParameterizedTest
    @MethodSource("solvers")
    void affineMapInFloat64(EquilibriumSolver solver) {
        Random random = new Random(1);
        double[][] a = TestMaps.matrix(random, D, D, 0.6);
        double[][] b = new double[BATCH][];
        double[] scales = {1.0, 0.5, -0.8};
        List<UnaryOperator<double[]>> maps = new ArrayList<>();
        for (int s = 0; s < BATCH; s++) {
            b[s] = TestMaps.vector(random, D, 1.0);
            maps.add(TestMaps.affine(scaled(a, scales[s]), b[s]));
        }
        SolveResult result = solve(solver, TestMaps.batchMap(manager, a, b, scales, false, DataType.FLOAT64),
                DataType.FLOAT64, 1e-13, 200);
        double[][] state = TestMaps.rows(result.state());
        for (int s = 0; s < BATCH; s++) {
            double[] exact = TestMaps.affineFixedPoint(scaled(a, scales[s]), b[s]);
            assertTrue(TestMaps.maxAbsDiff(exact, state[s]) < 1e-11, solver.name() + " sample " + s + " off by "
                    + TestMaps.maxAbsDiff(exact, state[s]));
        }
        assertEquals(StopReason.TOLERANCE, result.stats().stopReason());
        assertFalse(result.stats().fellBack());
        StatsChecks.assertConsistent(result.stats(), BATCH);
        StatsChecks.assertResidualsMatch(result.stats(), state, maps, 1e-9);
        result.state().close();
    }

    @ParameterizedTest
    @MethodSource("solvers")
    void tanhMapInFloat64(EquilibriumSolver solver) {
        Random random = new Random(2);
        double[][] w = TestMaps.matrix(random, D, D, 0.9);
        double[][] b = new double[BATCH][];
        double[] scales = {1.0, 0.7, -1.0};
        List<UnaryOperator<double[]>> maps = new ArrayList<>();
        for (int s = 0; s < BATCH; s++) {
            b[s] = TestMaps.vector(random, D, 0.8);
            maps.add(TestMaps.tanh(w, b[s], scales[s]));
        }
        SolveResult result = solve(solver, TestMaps.batchMap(manager, w, b, scales, true, DataType.FLOAT64),
                DataType.FLOAT64, 1e-13, 400);
        double[][] state = TestMaps.rows(result.state());
        for (int s = 0; s < BATCH; s++) {
            double[] exact = TestMaps.iterateToFixedPoint(maps.get(s), new double[D]);
            assertTrue(TestMaps.maxAbsDiff(exact, state[s]) < 1e-11, solver.name() + " sample " + s + " off by "
                    + TestMaps.maxAbsDiff(exact, state[s]));
        }
        assertEquals(StopReason.TOLERANCE, result.stats().stopReason());
        StatsChecks.assertConsistent(result.stats(), BATCH);
        StatsChecks.assertResidualsMatch(result.stats(), state, maps, 1e-9);
        result.state().close();
    }

    @ParameterizedTest
    @MethodSource("solvers")
    void tanhMapInFloat32(EquilibriumSolver solver) {
        Random random = new Random(3);
        double[][] w = TestMaps.matrix(random, D, D, 0.9);
        double[][] b = {TestMaps.vector(random, D, 0.8), TestMaps.vector(random, D, 0.8),
                TestMaps.vector(random, D, 0.8)};
        double[] scales = {1.0, 0.7, -1.0};
        SolveResult result = solve(solver, TestMaps.batchMap(manager, w, b, scales, true, DataType.FLOAT32),
                DataType.FLOAT32, 1e-5, 200);
        assertEquals(DataType.FLOAT32, result.state().getDataType());
        double[][] state = TestMaps.rows(result.state());
        for (int s = 0; s < BATCH; s++) {
            double[] exact = TestMaps.iterateToFixedPoint(TestMaps.tanh(w, b[s], scales[s]), new double[D]);
            assertTrue(TestMaps.maxAbsDiff(exact, state[s]) < 1e-5, solver.name() + " sample " + s);
        }
        assertEquals(StopReason.TOLERANCE, result.stats().stopReason());
        StatsChecks.assertConsistent(result.stats(), BATCH);
        result.state().close();
    }

    /** The state may have any (B, ...) shape; here the reference's (B, D, 1). */
    @ParameterizedTest
    @MethodSource("solvers")
    void keepsTheStartsShape(EquilibriumSolver solver) {
        NDArray x0 = manager.zeros(new Shape(2, 3, 1), DataType.FLOAT64);
        SolveResult result = solver.solve(x -> x.mul(0.5).add(1.0), x0, SolverOptions.reference(100, 1e-12));
        assertEquals(new Shape(2, 3, 1), result.state().getShape());
        for (double v : result.state().toDoubleArray()) {
            assertEquals(2.0, v, 1e-11);
        }
        assertEquals(manager, result.state().getManager());
        result.state().close();
        x0.close();
    }

    private static SolveResult solve(EquilibriumSolver solver, java.util.function.Function<NDArray, NDArray> f,
            DataType type, double eps, int threshold) {
        try (NDArray x0 = manager.zeros(new Shape(BATCH, D), type)) {
            return solver.solve(f, x0, SolverOptions.reference(threshold, eps));
        }
    }

    private static double[][] scaled(double[][] a, double s) {
        double[][] out = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i].clone();
            for (int j = 0; j < out[i].length; j++) {
                out[i][j] *= s;
            }
        }
        return out;
    }
}
