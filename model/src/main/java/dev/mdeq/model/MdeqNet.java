package dev.mdeq.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.mdeq.config.Task;
import dev.mdeq.model.layers.BatchNorm2d;
import dev.mdeq.model.layers.Conv2d;
import dev.mdeq.model.layers.ForwardContext;
import dev.mdeq.model.layers.NamedBlock;
import dev.mdeq.model.layers.ParameterSeeds;
import dev.mdeq.model.layers.Relu;
import dev.mdeq.model.layers.Sequential;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The MDEQ network as DJL blocks, named as the reference's state dict (docs/reference-model.md §1, §6): the stem
 * {@code downsample}, the injection transform {@code stage0} (when the reference has one), f_theta
 * {@code fullstage} ({@link MultiscaleLayer}) and the classification or segmentation head, whose
 * parts sit at the top level ({@code incre_modules...}, {@code classifier...}, {@code last_layer...}).
 *
 * <p>The pieces are called separately by the equilibrium machinery: {@link #inject} once per
 * forward, {@link #f} as often as the solver needs, {@link #head} once. DJL's {@code forward}
 * runs the reference's default path, the unrolled stack of NUM_LAYERS applications of f from a
 * zero state ({@code forward(x, train_step=0)}).
 */
public final class MdeqNet extends NamedBlock {
    private final Architecture arch;
    private final Sequential stem;
    private final Sequential stage0;
    private final MultiscaleLayer fullstage;
    private final HeadBlock head;

    private MdeqNet(Architecture arch) {
        this.arch = arch;
        int c0 = arch.channels().get(0);
        double momentum = arch.bnMomentum();
        stem = child("downsample", Sequential.indexed(
                Conv2d.conv3x3(3, c0, arch.downsampleTimes() >= 1 ? 2 : 1, false),
                new BatchNorm2d(c0, momentum, true),
                new Relu(),
                Conv2d.conv3x3(c0, c0, arch.downsampleTimes() >= 2 ? 2 : 1, false),
                new BatchNorm2d(c0, momentum, true),
                new Relu()));
        stage0 = arch.hasStage0()
                ? child("stage0", Sequential.indexed(Conv2d.conv1x1(c0, c0, false), new BatchNorm2d(c0, momentum, true),
                        new Relu()))
                : null;
        fullstage = child("fullstage", new MultiscaleLayer(arch));
        if (arch.task() == Task.CLASSIFICATION) {
            head = child("", new ClassificationHead(arch));
        } else {
            head = child("", new SegmentationHead(arch));
        }
    }

    /** The network an architecture describes, parameters not yet allocated (shapes known). */
    public static MdeqNet build(Architecture arch) {
        return new MdeqNet(arch);
    }

    /**
     * Allocates every parameter on {@code manager} in type {@code type} and fills it with the
     * reference's initial values (docs/reference-model.md §1.7), drawn per parameter from {@code seed}.
     */
    public void initialize(NDManager manager, DataType type, long seed) {
        initialize(manager, type, inputShape(1));
        initializeValues(new ParameterSeeds(seed));
    }

    public Architecture architecture() {
        return arch;
    }

    /** The input shape {@code (batch, 3, H, W)} at the architecture's input size. */
    public Shape inputShape(long batch) {
        return new Shape(batch, 3, arch.inputHeight(), arch.inputWidth());
    }

    /** The stem ({@code downsample}). */
    public Sequential stem() {
        return stem;
    }

    /** The injection transform ({@code stage0}), or null when the reference has none. */
    public Sequential stage0() {
        return stage0;
    }

    /** f_theta ({@code fullstage}). */
    public MultiscaleLayer fullstage() {
        return fullstage;
    }

    public Head head() {
        return head;
    }

    /** The branch-0 injection {@code x_0 = stage0(stem(images))} (docs/reference-model.md §1.1). */
    public NDArray inject(ForwardContext ctx, NDArray images) {
        NDArray x = stem.forward(ctx, images);
        return stage0 != null ? stage0.forward(ctx, x) : x;
    }

    /** One application of f to the state {@code z} with injection {@code x0}. */
    public List<NDArray> f(ForwardContext ctx, List<NDArray> z, NDArray x0) {
        return fullstage.forward(ctx, z, x0);
    }

    /** The head on the states of all branches. */
    public NDArray head(ForwardContext ctx, List<NDArray> z) {
        return head.forward(ctx, z);
    }

    /**
     * The state layout for an injection of shape {@code x0}: branch 0 has x0's shape; branch i
     * has C_i channels and half the previous branch's height and width (floored, as the reference).
     */
    public StateLayout layout(Shape x0) {
        List<Shape> shapes = new ArrayList<>();
        long h = x0.get(2);
        long w = x0.get(3);
        for (int i = 0; i < arch.branches(); i++) {
            if (i > 0) {
                h /= 2;
                w /= 2;
            }
            shapes.add(new Shape(x0.get(0), arch.channels().get(i), h, w));
        }
        return new StateLayout(shapes);
    }

    /** The injection's shape for images of shape {@code images}. */
    public Shape injectionShape(Shape images) {
        Shape x = stem.outputShape(images);
        return stage0 != null ? stage0.outputShape(x) : x;
    }

    /** Trainable parameters (BatchNorm running statistics excluded), counted from shapes. */
    public long trainableParameterCount() {
        return countTrainable(namedParameters());
    }

    /** Trainable parameters among {@code parameters}. */
    public static long countTrainable(Map<String, Parameter> parameters) {
        long total = 0;
        for (Parameter parameter : parameters.values()) {
            if (parameter.requiresGradient()) {
                total += parameter.getShape().size();
            }
        }
        return total;
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape images = inputShapes[0];
        Shape x = stem.outputShape(images);
        stem.initialize(manager, dataType, images);
        if (stage0 != null) {
            stage0.initialize(manager, dataType, x);
        }
        Shape[] z = layout(injectionShape(images)).branches().toArray(new Shape[0]);
        fullstage.initialize(manager, dataType, z);
        head.initialize(manager, dataType, z);
    }

    /**
     * DJL entry: the reference's default forward ({@code train_step=0}), NUM_LAYERS applications of f
     * from a zero state, then the head.
     */
    @Override
    protected NDList forwardInternal(ParameterStore parameterStore, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray images = inputs.singletonOrThrow();
        ForwardContext ctx = ForwardContext.forCall(params, parameterStore, images.getManager(), training);
        NDArray x0 = inject(ctx, images);
        List<NDArray> z = layout(x0.getShape()).zeros(images.getManager(), images.getDataType());
        for (int layer = 0; layer < arch.numLayers(); layer++) {
            z = f(ctx, z, x0);
        }
        return new NDList(head(ctx, z));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {head.outputShape(layout(injectionShape(inputShapes[0])).branches())};
    }
}
