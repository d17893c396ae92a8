package dev.mdeq.model.solver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.mdeq.model.testing.ManagedTest;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** Anderson's iterates against a plain-Java re-implementation, and its fallback to Broyden. */
class AndersonSolverTest extends ManagedTest {


    /**
     * locuslab/deq's anderson for one sample, written out directly: X, F ring buffers, the bordered
     * system solved by Gaussian elimination (TestMaps), x_k = beta alpha F + (1-beta) alpha X.
     */
    private static List<double[]> plainAnderson(UnaryOperator<double[]> f, double[] x0, int m, double lam,
            double beta, int steps) {
        int d = x0.length;
        double[][] xs = new double[m][];
        double[][] fs = new double[m][];
        List<double[]> iterates = new ArrayList<>();
        xs[0] = x0.clone();
        fs[0] = f.apply(xs[0]);
        iterates.add(xs[0]);
        xs[1] = fs[0].clone();
        fs[1] = f.apply(xs[1]);
        iterates.add(xs[1]);
        for (int k = 2; k <= steps; k++) {
            int n = Math.min(k, m);
            // the bordered system as (I - A) y = rhs for TestMaps.affineFixedPoint: A = I - H
            double[][] a = new double[n + 1][n + 1];
            double[] rhs = new double[n + 1];
            rhs[0] = 1;
            for (int i = 0; i <= n; i++) {
                for (int j = 0; j <= n; j++) {
                    double h;
                    if (i == 0 || j == 0) {
                        h = (i == 0 && j == 0) ? 0 : 1;
                    } else {
                        h = 0;
                        for (int e = 0; e < d; e++) {
                            h += (fs[i - 1][e] - xs[i - 1][e]) * (fs[j - 1][e] - xs[j - 1][e]);
                        }
                        h += i == j ? lam : 0;
                    }
                    a[i][j] = (i == j ? 1 : 0) - h;
                }
            }
            double[] solution = TestMaps.affineFixedPoint(a, rhs);
            double[] x = new double[d];
            for (int i = 0; i < n; i++) {
                for (int e = 0; e < d; e++) {
                    x[e] += solution[i + 1] * (beta * fs[i][e] + (1 - beta) * xs[i][e]);
                }
            }
            xs[k % m] = x;
            fs[k % m] = f.apply(x);
            iterates.add(x);
        }
        return iterates;
    }

    @Test
    void iteratesMatchAPlainImplementation() {
        Random random = new Random(31);
        int d = 15;
        double[][] w = TestMaps.matrix(random, d, d, 1.5);
        double[][] b = {TestMaps.vector(random, d, 1.0), TestMaps.vector(random, d, 1.0)};
        double[] scales = {1.0, -0.8};
        for (double beta : new double[] {1.0, 0.6}) {
            List<double[][]> iterates = new ArrayList<>();
            int steps = 12;
            try (NDArray x0 = manager.zeros(new Shape(2, d), DataType.FLOAT64)) {
                SolveResult result = new AndersonSolver().solve(
                        TestMaps.batchMap(manager, w, b, scales, true, DataType.FLOAT64), x0,
                        SolverOptions.reference(steps, 0).withAnderson(4, 1e-4, beta)
                                .withObserver((k, x, g) -> iterates.add(TestMaps.rows(x))));
                assertFalse(result.stats().fellBack());
                assertEquals(steps, result.stats().steps());
                StatsChecks.assertConsistent(result.stats(), 2);
                result.state().close();
            }
            for (int s = 0; s < 2; s++) {
                List<double[]> expected = plainAnderson(TestMaps.tanh(w, b[s], scales[s]), new double[d], 4, 1e-4, beta,
                        steps);
                for (int k = 0; k <= steps; k++) {
                    double diff = TestMaps.maxAbsDiff(expected.get(k), iterates.get(k)[s]);
                    assertTrue(diff < 1e-9, "beta " + beta + " step " + k + " sample " + s + " differs by " + diff);
                }
            }
        }
    }

    /**
     * A one-dimensional state without regularisation: the Gram matrix of n >= 3 residuals has rank
     * one, so the bordered system is singular at step 3; Anderson hands over to Broyden from its
     * best iterate and the solve still reaches the fixed point.
     */
    @Test
    void singularSystemFallsBackToBroyden() {
        Function<NDArray, NDArray> f = x -> x.mul(0.5).add(0.3).tanh();
        UnaryOperator<double[]> plain = x -> new double[] {Math.tanh(0.5 * x[0] + 0.3)};
        double exact = TestMaps.iterateToFixedPoint(plain, new double[1])[0];
        List<Integer> observedSteps = new ArrayList<>();
        try (NDArray x0 = manager.zeros(new Shape(2, 1), DataType.FLOAT64)) {
            SolveResult result = new AndersonSolver().solve(f, x0, SolverOptions.reference(20, 1e-13)
                    .withAnderson(5, 0.0, 1.0).withObserver((k, x, g) -> observedSteps.add(k)));
            SolverStats stats = result.stats();
            assertTrue(stats.fellBack());
            assertNotNull(stats.fallback());
            assertEquals(2, stats.fallback().atStep());
            assertTrue(stats.fallback().reason().contains("singular") || stats.fallback().reason().contains(
                    "ill-conditioned"), stats.fallback().reason());
            assertEquals(StopReason.TOLERANCE, stats.stopReason());
            assertTrue(stats.steps() > 2);
            for (double v : result.state().toDoubleArray()) {
                assertEquals(exact, v, 1e-12);
            }
            // the observer sees one continuous numbering
            for (int i = 0; i < observedSteps.size(); i++) {
                assertEquals(i, observedSteps.get(i));
            }
            assertEquals(stats.steps() + 1, observedSteps.size());
            StatsChecks.assertConsistent(stats, 2);
            assertEquals(manager, result.state().getManager());
            result.state().close();
        }
    }

    @Test
    void borderedSystemSolvesTheConstrainedLeastSquares() {
        // two residual rows g1 = (1, 0), g2 = (0, 2): minimise ||a1 g1 + a2 g2||^2 s.t. a1 + a2 = 1
        // -> a1 = 4/5, a2 = 1/5 (hand-computed: minimise a1^2 + 4 a2^2)
        double[] gram = {1, 0, 0, 4};
        BorderedSystem.Solution solution = BorderedSystem.solve(gram, 0, 2, 0.0, 1e12);
        assertEquals(0.8, solution.alpha()[0], 1e-15);
        assertEquals(0.2, solution.alpha()[1], 1e-15);
        // identical rows: singular without regularisation
        assertNotNull(BorderedSystem.solve(new double[] {1, 1, 1, 1}, 0, 2, 0.0, 1e12).problem());
        assertNotNull(BorderedSystem.solve(new double[] {Double.NaN, 0, 0, 1}, 0, 2, 0.0, 1e12).problem());
    }
}
