package dev.mdeq.model.solver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import dev.mdeq.config.DeqConfig.StopMode;
import dev.mdeq.model.testing.ManagedTest;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Memory scoping and autograd behaviour of the solvers. */
class SolverScopeTest extends ManagedTest {

    private static final int D = 16;

    /** Every live NDArray of the engine (the system manager counts its sub-managers' arrays). */
    private static int liveArrays() {
        return manager.getParentManager().getManagedArrays().size();
    }

    private static Function<NDArray, NDArray> tanhMap(DataType type, double[] scales) {
        Random random = new Random(41);
        double[][] w = TestMaps.matrix(random, D, D, 0.9);
        double[][] b = new double[scales.length][];
        for (int s = 0; s < scales.length; s++) {
            b[s] = TestMaps.vector(random, D, 1.0);
        }
        return TestMaps.batchMap(manager, w, b, scales, true, type);
    }

    @Test
    void fiftySolvesLeaveNoArraysBehind() {
        Function<NDArray, NDArray> f = tanhMap(DataType.FLOAT32, new double[] {0.05, 1.0});
        Function<NDArray, NDArray> singular = x -> x.mul(0.5f).add(0.3f).tanh();
        try (NDArray x0 = manager.zeros(new Shape(2, D), DataType.FLOAT32);
                NDArray scalarState = manager.zeros(new Shape(2, 1), DataType.FLOAT32)) {
            List<Runnable> solves = List.of(
                    () -> new BroydenSolver().solve(f, x0, SolverOptions.reference(8, 0)).state().close(),
                    () -> new BroydenSolver().solve(f, x0, SolverOptions.reference(8, 1e-5)
                            .withStopMode(StopMode.ABS)).state().close(),
                    () -> new FixedPointSolver().solve(f, x0, SolverOptions.reference(8, 1e-5)
                            .withStopMode(StopMode.REL)).state().close(),
                    () -> new AndersonSolver().solve(f, x0, SolverOptions.reference(8, 0)).state().close(),
                    () -> new AndersonSolver().solve(singular, scalarState, SolverOptions.reference(8, 0)
                            .withAnderson(5, 0, 1)).state().close());
            for (int k = 0; k < solves.size(); k++) {
                Runnable solve = solves.get(k);
                solve.run(); // warm-up
                int before = liveArrays();
                for (int i = 0; i < 50; i++) {
                    solve.run();
                }
                assertEquals(before, liveArrays(), "live arrays after 50 solves of kind " + k);
            }
        }
    }

    @Test
    void liveArraysStayConstantDuringASolve() {
        Function<NDArray, NDArray> f = tanhMap(DataType.FLOAT64, new double[] {0.5, 1.0});
        for (EquilibriumSolver solver : List.of(new BroydenSolver(), new AndersonSolver(), new FixedPointSolver())) {
            for (StopMode mode : StopMode.values()) {
                List<Integer> counts = new ArrayList<>();
                try (NDArray x0 = manager.zeros(new Shape(2, D), DataType.FLOAT64)) {
                    solver.solve(f, x0, SolverOptions.reference(30, 0).withStopMode(mode).withBroydenMemory(5)
                            .withAnderson(3, 1e-4, 1).withObserver((k, x, g) -> counts.add(liveArrays())))
                            .state().close();
                }
                // after the buffers are full, nothing accumulates from step to step
                List<Integer> late = counts.subList(8, counts.size());
                assertEquals(late.stream().mapToInt(Integer::intValue).min().orElseThrow(),
                        late.stream().mapToInt(Integer::intValue).max().orElseThrow(),
                        solver.name() + " " + mode + " " + counts);
            }
        }
    }

    @Test
    void aFailingMapLeavesNothingBehind() {
        try (NDArray x0 = manager.zeros(new Shape(2, 3), DataType.FLOAT32)) {
            int before = liveArrays();
            for (EquilibriumSolver solver : List.of(new BroydenSolver(), new AndersonSolver(), new FixedPointSolver())) {
                IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                        () -> solver.solve(x -> x.reshape(3, 2), x0, SolverOptions.reference(5, 0)));
                assertTrue(e.getMessage().contains("(2, 3)") && e.getMessage().contains("(3, 2)"), e.getMessage());
                int[] calls = {0};
                RuntimeException thrown = org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class,
                        () -> solver.solve(x -> {
                            if (++calls[0] == 4) {
                                throw new RuntimeException("f failed");
                            }
                            return x.mul(0.5f);
                        }, x0, SolverOptions.reference(10, 0)));
                assertEquals("f failed", thrown.getMessage());
                assertEquals(before, liveArrays(), solver.name());
                assertFalse(JniUtils.isGradMode());
            }
        }
    }

    @Test
    void solveUnderAGradientCollectorRecordsNoGraph() {
        NDArray w = manager.create(new double[] {0.3, -0.2, 0.1, 0.4}).reshape(2, 2);
        w.setRequiresGradient(true);
        List<Boolean> gradModeInF = new ArrayList<>();
        Function<NDArray, NDArray> f = x -> {
            gradModeInF.add(JniUtils.isGradMode());
            return x.matMul(w).add(1.0).tanh();
        };
        try (GradientCollector collector = Engine.getInstance().newGradientCollector();
                NDArray x0 = manager.zeros(new Shape(3, 2), DataType.FLOAT64)) {
            assertTrue(JniUtils.isGradMode());
            SolveResult result = new BroydenSolver().solve(f, x0, SolverOptions.reference(8, 1e-10));
            assertTrue(JniUtils.isGradMode(), "grad mode restored after the solve");
            assertFalse(gradModeInF.isEmpty());
            assertFalse(gradModeInF.contains(true), "f runs without autograd recording");
            assertFalse(JniUtils.requiresGrad((PtNDArray) result.state()));
            // a graph built after the solve still works
            NDArray y = f.apply(result.state()).sum();
            collector.backward(y);
            assertTrue(w.getGradient().abs().sum().getDouble() > 0);
            result.state().close();
        }
        assertFalse(JniUtils.isGradMode());
    }

    /**
     * The backward (adjoint) solve the model needs: w = w J + grad, with w J evaluated as a
     * vector-Jacobian product on a graph built before the solve (JniUtils.backward, keepGraph).
     * Checked against the dense solution of (I - J^T) w = grad in plain Java.
     */
    @Test
    void adjointSolveWithVectorJacobianProducts() {
        Random random = new Random(43);
        int d = 6;
        double[][] wm = TestMaps.matrix(random, d, d, 0.8);
        double[][] b = {TestMaps.vector(random, d, 1.0), TestMaps.vector(random, d, 1.0)};
        double[][] z = {TestMaps.vector(random, d, 1.0), TestMaps.vector(random, d, 1.0)};
        double[][] grad = {TestMaps.vector(random, d, 1.0), TestMaps.vector(random, d, 1.0)};
        Function<NDArray, NDArray> f = TestMaps.batchMap(manager, wm, b, new double[] {1, 1}, true, DataType.FLOAT64);
        NDArray zArray = manager.create(TestMaps.flatten(z)).reshape(2, d);
        zArray.setRequiresGradient(true);
        NDArray gradArray = manager.create(TestMaps.flatten(grad)).reshape(2, d);
        double[][] solved;
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            NDArray y = f.apply(zArray);
            Function<NDArray, NDArray> adjoint = v -> {
                JniUtils.backward((PtNDArray) y, (PtNDArray) v, true, false);
                NDArray vjp = zArray.getGradient().duplicate();
                JniUtils.zeroGrad((PtNDArray) zArray);
                return vjp.add(gradArray);
            };
            SolveResult result = new BroydenSolver().solve(adjoint, gradArray.zerosLike(),
                    SolverOptions.reference(40, 1e-13));
            assertEquals(StopReason.TOLERANCE, result.stats().stopReason());
            solved = TestMaps.rows(result.state());
            result.state().close();
        }
        for (int s = 0; s < 2; s++) {
            // J = diag(1 - y^2) W; w J = grad + ... -> w = J^T w + grad
            double[] pre = TestMaps.matVec(wm, z[s]);
            double[][] jt = new double[d][d];
            for (int i = 0; i < d; i++) {
                double dy = 1 - Math.pow(Math.tanh(pre[i] + b[s][i]), 2);
                for (int j = 0; j < d; j++) {
                    jt[j][i] = dy * wm[i][j];
                }
            }
            double[] expected = TestMaps.affineFixedPoint(jt, grad[s]);
            assertTrue(TestMaps.maxAbsDiff(expected, solved[s]) < 1e-11, "sample " + s);
        }
    }
}
