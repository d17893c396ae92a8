package dev.mdeq.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.mdeq.model.layers.BatchNorm2d;
import dev.mdeq.model.layers.Conv2d;
import dev.mdeq.model.layers.ForwardContext;
import dev.mdeq.model.layers.Interpolation;
import dev.mdeq.model.layers.Relu;
import dev.mdeq.model.layers.Sequential;
import java.util.List;

/**
 * The head of {@code MDEQSegNet} (docs/reference-model.md §1.6): every branch upsampled to branch 0's size
 * (bilinear, align_corners=True), concatenated along channels (S = sum of C_i), then {@code
 * last_layer} = 1x1 conv with bias, BatchNorm, ReLU, and a FINAL_CONV_KERNEL conv with bias to the
 * classes. The output is at branch 0's resolution (1/4 of the input); the loss and the evaluation
 * upsample it to the label size.
 */
public final class SegmentationHead extends HeadBlock {
    private final Sequential lastLayer;

    public SegmentationHead(Architecture arch) {
        int s = arch.channels().stream().mapToInt(Integer::intValue).sum();
        int kernel = arch.finalConvKernel();
        lastLayer = child("last_layer", Sequential.indexed(
                Conv2d.conv1x1(s, s, true),
                new BatchNorm2d(s, arch.bnMomentum(), true),
                new Relu(),
                new Conv2d(s, arch.numClasses(), kernel, 1, kernel == 3 ? 1 : 0, true)));
    }

    @Override
    public NDArray forward(ForwardContext ctx, List<NDArray> z) {
        Shape first = z.get(0).getShape();
        NDList all = new NDList(z.size());
        all.add(z.get(0));
        for (int i = 1; i < z.size(); i++) {
            all.add(Interpolation.bilinearAlignCorners(z.get(i), first.get(2), first.get(3)));
        }
        return lastLayer.forward(ctx, NDArrays.concat(all, 1));
    }

    private static Shape concatShape(List<Shape> z) {
        long channels = z.stream().mapToLong(s -> s.get(1)).sum();
        Shape first = z.get(0);
        return new Shape(first.get(0), channels, first.get(2), first.get(3));
    }

    @Override
    public Shape outputShape(List<Shape> z) {
        return lastLayer.outputShape(concatShape(z));
    }

    @Override
    public long flops(List<Shape> z) {
        return lastLayer.flops(concatShape(z));
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        lastLayer.initialize(manager, dataType, concatShape(List.of(inputShapes)));
    }
}
