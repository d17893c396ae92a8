package dev.mdeq.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;

class FiniteTest {

    @Test
    void finiteValuesPassEvenWhenTheirSumOverflows() {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            NDArray small = manager.create(new float[] {1f, -2.5f, 0f, 3e-38f});
            assertSame(small, Finite.require(small, "small"));
            // 3e38 + 3e38 is infinite in float32: the fast check falls back to counting.
            NDArray large = manager.create(new float[] {3e38f, 3e38f, 1f});
            assertSame(large, Finite.require(large, "large"));
            NDArray integers = manager.create(new int[] {Integer.MAX_VALUE, Integer.MAX_VALUE});
            assertSame(integers, Finite.require(integers, "integers")); // never NaN or infinite
        }
    }

    @Test
    void nanAndInfinitiesAreCountedAndNamed() {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            float[][] cases = {
                {1f, Float.NaN, 2f},
                {Float.POSITIVE_INFINITY, 0f, 0f},
                {Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, 5f}, // the sum is NaN
                {Float.NaN, Float.NaN, Float.NEGATIVE_INFINITY},
            };
            long[] expected = {1, 1, 2, 3};
            for (int k = 0; k < cases.length; k++) {
                NDArray values = manager.create(cases[k]);
                NonFiniteException e = assertThrows(NonFiniteException.class, () -> Finite.require(values, "logits"));
                assertEquals("logits: " + expected[k] + " of 3 values are NaN or infinite", e.getMessage());
            }
            NDArray doubles = manager.create(new double[] {1e308, Double.NaN});
            assertThrows(NonFiniteException.class, () -> Finite.require(doubles, "doubles"));
        }
    }
}
