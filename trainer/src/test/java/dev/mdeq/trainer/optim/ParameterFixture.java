package dev.mdeq.trainer.optim;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.mdeq.model.layers.TorchOps;
import java.util.LinkedHashMap;
import java.util.Map;

/** Parameters with chosen values whose gradients the tests set through a real backward pass. */
final class ParameterFixture {
    private ParameterFixture() {
    }

    /** Named float32 parameters (requiring gradients) with the given values and shapes. */
    static Map<String, NDArray> parameters(NDManager manager, Map<String, double[]> values, Map<String, Shape> shapes) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        values.forEach((name, v) -> {
            NDArray array = manager.create(toFloats(v), shapes.get(name));
            array.setRequiresGradient(true);
            out.put(name, array);
        });
        return out;
    }

    /**
     * Makes every parameter's gradient exactly {@code gradients.get(name)} (as float32): zeroes
     * the gradients, then backpropagates {@code sum_i sum(p_i * G_i)}.
     */
    static void setGradients(Map<String, NDArray> parameters, Map<String, double[]> gradients) {
        parameters.values().forEach(TorchOps::zeroGrad);
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            NDArray loss = null;
            for (Map.Entry<String, NDArray> entry : parameters.entrySet()) {
                NDArray p = entry.getValue();
                NDArray g = p.getManager().create(toFloats(gradients.get(entry.getKey())), p.getShape());
                NDArray term = p.mul(g).sum();
                loss = loss == null ? term : loss.add(term);
            }
            collector.backward(loss);
        }
    }

    static float[] toFloats(double[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (float) values[i];
        }
        return out;
    }

    /** The float32 rounding of every value, as double (what a float32 parameter starts from). */
    static double[] rounded(double[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (float) values[i];
        }
        return out;
    }

    static double[] values(NDArray array) {
        float[] floats = array.toFloatArray();
        double[] out = new double[floats.length];
        for (int i = 0; i < floats.length; i++) {
            out[i] = floats[i];
        }
        return out;
    }
}
