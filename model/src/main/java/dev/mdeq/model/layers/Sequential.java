package dev.mdeq.model.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;

/**
 * PyTorch's {@code nn.Sequential}: layers applied in order, each under its reference name (an
 * index such as {@code "0"}, or a name such as {@code "conv"} for an {@code OrderedDict}).
 */
public final class Sequential extends LayerBlock {
    private final List<LayerBlock> layers = new ArrayList<>();

    /** Appends {@code layer} under {@code name}; returns this. */
    public Sequential add(String name, LayerBlock layer) {
        child(name, layer);
        layers.add(layer);
        return this;
    }

    /** Appends the layers named "0", "1", ... in order; returns a new sequence. */
    public static Sequential indexed(LayerBlock... layers) {
        Sequential out = new Sequential();
        for (int i = 0; i < layers.length; i++) {
            out.add(String.valueOf(i), layers[i]);
        }
        return out;
    }

    @Override
    public NDArray forward(ForwardContext ctx, NDArray x) {
        NDArray out = x;
        for (LayerBlock layer : layers) {
            out = layer.forward(ctx, out);
        }
        return out;
    }

    @Override
    public Shape outputShape(Shape input) {
        Shape shape = input;
        for (LayerBlock layer : layers) {
            shape = layer.outputShape(shape);
        }
        return shape;
    }

    @Override
    public long flops(Shape input) {
        long total = 0;
        Shape shape = input;
        for (LayerBlock layer : layers) {
            total += layer.flops(shape);
            shape = layer.outputShape(shape);
        }
        return total;
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape shape = inputShapes[0];
        for (LayerBlock layer : layers) {
            layer.initialize(manager, dataType, shape);
            shape = layer.outputShape(shape);
        }
    }
}
