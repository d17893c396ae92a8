package dev.mdeq.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import dev.mdeq.model.layers.BatchNorm2d;
import dev.mdeq.model.layers.Conv2d;
import dev.mdeq.model.layers.ForwardContext;
import dev.mdeq.model.layers.LayerBlock;
import dev.mdeq.model.layers.Sequential;

/**
 * The classification head's {@code Bottleneck} (expansion 4, stride 1; {@code mdeq.py}): 1x1, 3x3
 * and 1x1 convolutions, each followed by a BatchNorm <em>without</em> affine parameters, ReLU
 * between; the residual is {@code downsample(x)} = 1x1 conv + affine BatchNorm whenever the
 * channels change; ReLU after the sum.
 */
public final class Bottleneck extends LayerBlock {
    /** Output channels per inner channel. */
    public static final int EXPANSION = 4;

    private final int inplanes;
    private final int planes;
    private final Conv2d conv1;
    private final BatchNorm2d bn1;
    private final Conv2d conv2;
    private final BatchNorm2d bn2;
    private final Conv2d conv3;
    private final BatchNorm2d bn3;
    private final Sequential downsample;

    public Bottleneck(int inplanes, int planes, double bnMomentum) {
        this.inplanes = inplanes;
        this.planes = planes;
        conv1 = child("conv1", Conv2d.conv1x1(inplanes, planes, false));
        bn1 = child("bn1", new BatchNorm2d(planes, bnMomentum, false));
        conv2 = child("conv2", Conv2d.conv3x3(planes, planes, 1, false));
        bn2 = child("bn2", new BatchNorm2d(planes, bnMomentum, false));
        conv3 = child("conv3", Conv2d.conv1x1(planes, planes * EXPANSION, false));
        bn3 = child("bn3", new BatchNorm2d(planes * EXPANSION, bnMomentum, false));
        downsample = inplanes != planes * EXPANSION
                ? child("downsample", Sequential.indexed(Conv2d.conv1x1(inplanes, planes * EXPANSION, false),
                        new BatchNorm2d(planes * EXPANSION, bnMomentum, true)))
                : null;
    }

    @Override
    public NDArray forward(ForwardContext ctx, NDArray x) {
        NDArray out = Activation.relu(bn1.forward(ctx, conv1.forward(ctx, x)));
        out = Activation.relu(bn2.forward(ctx, conv2.forward(ctx, out)));
        out = bn3.forward(ctx, conv3.forward(ctx, out));
        NDArray residual = downsample != null ? downsample.forward(ctx, x) : x;
        return Activation.relu(out.add(residual));
    }

    @Override
    public Shape outputShape(Shape input) {
        requireChannels(input, inplanes);
        return new Shape(input.get(0), (long) planes * EXPANSION, input.get(2), input.get(3));
    }

    @Override
    public long flops(Shape input) {
        Shape inner = conv1.outputShape(input);
        return conv1.flops(input) + conv2.flops(inner) + conv3.flops(inner)
                + (downsample != null ? downsample.flops(input) : 0);
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape x = inputShapes[0];
        Shape inner = conv1.outputShape(x);
        Shape out = conv3.outputShape(inner);
        conv1.initialize(manager, dataType, x);
        bn1.initialize(manager, dataType, inner);
        conv2.initialize(manager, dataType, inner);
        bn2.initialize(manager, dataType, inner);
        conv3.initialize(manager, dataType, inner);
        bn3.initialize(manager, dataType, out);
        if (downsample != null) {
            downsample.initialize(manager, dataType, x);
        }
    }
}
