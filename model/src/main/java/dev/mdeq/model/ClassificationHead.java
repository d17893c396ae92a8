package dev.mdeq.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.mdeq.model.layers.BatchNorm2d;
import dev.mdeq.model.layers.Conv2d;
import dev.mdeq.model.layers.ForwardContext;
import dev.mdeq.model.layers.Linear;
import dev.mdeq.model.layers.ModuleList;
import dev.mdeq.model.layers.Relu;
import dev.mdeq.model.layers.Sequential;
import java.util.ArrayList;
import java.util.List;

/**
 * The head of {@code MDEQClsNet} (docs/reference-model.md §1.5): a Bottleneck per branch ({@code incre_modules}
 * widening C_i to 4*HEAD_CHANNELS[i]), stride-2 3x3 convolutions with bias + BatchNorm + ReLU
 * carrying the running sum from each branch to the next coarser one ({@code downsamp_modules}),
 * a 1x1 convolution with bias + BatchNorm + ReLU to FINAL_CHANSIZE ({@code final_layer}), global
 * average pooling and a linear {@code classifier}.
 */
public final class ClassificationHead extends HeadBlock {
    private final ModuleList<Sequential> increModules = child("incre_modules", ModuleList.perIndex());
    private final ModuleList<Sequential> downsampModules = child("downsamp_modules", ModuleList.perIndex());
    private final Sequential finalLayer;
    private final Linear classifier;

    public ClassificationHead(Architecture arch) {
        List<Integer> channels = arch.channels();
        List<Integer> head = arch.headChannels();
        int n = channels.size();
        double momentum = arch.bnMomentum();
        for (int i = 0; i < n; i++) {
            increModules.put(i, Sequential.indexed(new Bottleneck(channels.get(i), head.get(i), momentum)));
        }
        for (int i = 0; i < n - 1; i++) {
            int in = head.get(i) * Bottleneck.EXPANSION;
            int out = head.get(i + 1) * Bottleneck.EXPANSION;
            downsampModules.put(i, Sequential.indexed(Conv2d.conv3x3(in, out, 2, true),
                    new BatchNorm2d(out, momentum, true), new Relu()));
        }
        finalLayer = child("final_layer", Sequential.indexed(
                Conv2d.conv1x1(head.get(n - 1) * Bottleneck.EXPANSION, arch.finalChansize(), true),
                new BatchNorm2d(arch.finalChansize(), momentum, true), new Relu()));
        classifier = child("classifier", new Linear(arch.finalChansize(), arch.numClasses()));
    }

    @Override
    public NDArray forward(ForwardContext ctx, List<NDArray> z) {
        NDArray y = increModules.get(0).forward(ctx, z.get(0));
        for (int i = 0; i < downsampModules.size(); i++) {
            y = increModules.get(i + 1).forward(ctx, z.get(i + 1)).add(downsampModules.get(i).forward(ctx, y));
        }
        y = finalLayer.forward(ctx, y);
        // Global average pooling (the reference's avg_pool2d over the whole map).
        NDArray pooled = y.reshape(y.getShape().get(0), y.getShape().get(1), -1).mean(new int[] {2});
        return classifier.forward(ctx, pooled);
    }

    /** Shapes of the running sum before each downsampling step, then before the final layer. */
    private List<Shape> sumShapes(List<Shape> z) {
        List<Shape> out = new ArrayList<>();
        Shape y = increModules.get(0).outputShape(z.get(0));
        out.add(y);
        for (int i = 0; i < downsampModules.size(); i++) {
            y = downsampModules.get(i).outputShape(y);
            out.add(y);
        }
        return out;
    }

    @Override
    public Shape outputShape(List<Shape> z) {
        List<Shape> sums = sumShapes(z);
        Shape pooled = new Shape(z.get(0).get(0), finalLayer.outputShape(sums.get(sums.size() - 1)).get(1));
        return classifier.outputShape(pooled);
    }

    @Override
    public long flops(List<Shape> z) {
        List<Shape> sums = sumShapes(z);
        long total = 0;
        for (int i = 0; i < z.size(); i++) {
            total += increModules.get(i).flops(z.get(i));
        }
        for (int i = 0; i < downsampModules.size(); i++) {
            total += downsampModules.get(i).flops(sums.get(i));
        }
        Shape last = sums.get(sums.size() - 1);
        total += finalLayer.flops(last);
        return total + classifier.flops(new Shape(z.get(0).get(0), finalLayer.outputShape(last).get(1)));
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        List<Shape> z = List.of(inputShapes);
        List<Shape> sums = sumShapes(z);
        increModules.initialize(manager, dataType, inputShapes);
        downsampModules.initialize(manager, dataType, sums.subList(0, sums.size() - 1).toArray(new Shape[0]));
        Shape last = sums.get(sums.size() - 1);
        finalLayer.initialize(manager, dataType, last);
        classifier.initialize(manager, dataType, new Shape(last.get(0), finalLayer.outputShape(last).get(1)));
    }
}
