package dev.mdeq.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The losses against float64 re-computations written out here (log-softmax, bilinear resize). */
class CrossEntropyTest {

    @Test
    void classificationIsTheMeanNegativeLogSoftmaxOfTheTarget() {
        Random random = new Random(1);
        int b = 3;
        int k = 5;
        double[] logits = gaussians(random, b * k, 2.0);
        int[] labels = {4, 0, 2};
        double expected = 0;
        for (int i = 0; i < b; i++) {
            expected -= logSoftmax(logits, i * k, k, 1)[labels[i]];
        }
        expected /= b;
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray loss = CrossEntropy.classification(manager.create(floats(logits), new Shape(b, k)),
                    manager.create(labels));
            assertEquals(expected, loss.getFloat(), 1e-5);
        }
    }

    @Test
    void segmentationResizesWithAlignedCornersWeightsClassesAndSkipsTheIgnoreLabel() {
        Random random = new Random(2);
        int k = 3;
        int h = 2;
        int w = 3;
        int outH = 4;
        int outW = 5;
        double[] logits = gaussians(random, k * h * w, 1.5); // one image
        int[] labels = new int[outH * outW];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = i % 7 == 3 ? 255 : random.nextInt(k);
        }
        double[] weights = {0.5, 1.25, 2.0};
        // bilinear, align_corners=True: output (y, x) samples input (y (h-1)/(H-1), x (w-1)/(W-1))
        double numerator = 0;
        double denominator = 0;
        for (int y = 0; y < outH; y++) {
            for (int x = 0; x < outW; x++) {
                int label = labels[y * outW + x];
                if (label == 255) {
                    continue;
                }
                double[] pixel = new double[k];
                double sy = y * (h - 1.0) / (outH - 1);
                double sx = x * (w - 1.0) / (outW - 1);
                int y0 = (int) Math.floor(sy);
                int x0 = (int) Math.floor(sx);
                int y1 = Math.min(y0 + 1, h - 1);
                int x1 = Math.min(x0 + 1, w - 1);
                double fy = sy - y0;
                double fx = sx - x0;
                for (int c = 0; c < k; c++) {
                    double v00 = logits[(c * h + y0) * w + x0];
                    double v01 = logits[(c * h + y0) * w + x1];
                    double v10 = logits[(c * h + y1) * w + x0];
                    double v11 = logits[(c * h + y1) * w + x1];
                    pixel[c] = (1 - fy) * ((1 - fx) * v00 + fx * v01) + fy * ((1 - fx) * v10 + fx * v11);
                }
                double logP = logSoftmax(pixel, 0, k, 1)[label];
                numerator -= weights[label] * logP;
                denominator += weights[label];
            }
        }
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray loss = CrossEntropy.segmentation(manager.create(floats(logits), new Shape(1, k, h, w)),
                    manager.create(labels, new Shape(1, outH, outW)), manager.create(floats(weights)), 255);
            assertEquals(DataType.FLOAT32, loss.getDataType());
            assertEquals(numerator / denominator, loss.getFloat(), 1e-5);
        }
    }

    private static double[] logSoftmax(double[] values, int offset, int n, int stride) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, values[offset + i * stride]);
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += Math.exp(values[offset + i * stride] - max);
        }
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = values[offset + i * stride] - max - Math.log(sum);
        }
        return out;
    }

    private static double[] gaussians(Random random, int n, double scale) {
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) (scale * random.nextGaussian());
        }
        return out;
    }

    private static float[] floats(double[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (float) values[i];
        }
        return out;
    }
}
