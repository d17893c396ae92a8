package dev.mdeq.trainer.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The global gradient norm and global-norm clipping against float64 re-computations. */
class GradientsTest {
    private static final Map<String, Shape> SHAPES = Map.of("a", new Shape(2, 2), "b", new Shape(3));
    private NDManager manager;
    private Map<String, NDArray> parameters;
    private final Map<String, double[]> gradients = new LinkedHashMap<>();

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
        Map<String, double[]> values = new LinkedHashMap<>();
        values.put("a", new double[] {1, 2, 3, 4});
        values.put("b", new double[] {-1, 0.5, 2});
        parameters = ParameterFixture.parameters(manager, values, SHAPES);
        gradients.put("a", new double[] {3, -4, 0.5, 1.5});
        gradients.put("b", new double[] {2, -1, 0.25});
        ParameterFixture.setGradients(parameters, gradients);
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    @Test
    void globalNormIsTheNormOfAllGradientsTogether() {
        assertEquals(expectedNorm(), Gradients.globalNorm(parameters), 1e-5);
    }

    @Test
    void clippingScalesEveryGradientByTheSameFactorWhenAboveTheLimit() {
        double total = expectedNorm();
        double returned = Gradients.clipByGlobalNorm(parameters, 2.0);
        assertEquals(total, returned, 1e-5);
        double factor = 2.0 / (total + 1e-6);
        gradients.forEach((name, g) -> {
            double[] clipped = ParameterFixture.values(parameters.get(name).getGradient());
            for (int i = 0; i < g.length; i++) {
                assertEquals(g[i] * factor, clipped[i], 1e-6, name + "[" + i + "]");
            }
        });
        assertEquals(2.0, Gradients.globalNorm(parameters), 1e-5);
    }

    @Test
    void clippingLeavesGradientsBelowTheLimitUnchanged() {
        Gradients.clipByGlobalNorm(parameters, 100.0);
        gradients.forEach((name, g) -> assertArrayEquals(g, ParameterFixture.values(parameters.get(name).getGradient()),
                0.0, name));
    }

    private double expectedNorm() {
        double sum = 0;
        for (double[] g : gradients.values()) {
            for (double v : g) {
                sum += v * v;
            }
        }
        return Math.sqrt(sum);
    }
}
