package dev.mdeq.trainer.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.mdeq.model.Architecture;
import dev.mdeq.model.StateLayout;
import dev.mdeq.model.layers.Conv2d.ConvShape;
import dev.mdeq.model.layers.TorchOps;
import java.util.ArrayList;
import java.util.List;

/**
 * The machine's attainable convolution throughput on the model's own shapes: a plain loop of the
 * residual blocks' 3x3 convolutions (channels C to E*C and back, on every branch's state), forward
 * and backward (to the input and to the weights), with nothing else in between. These carry almost
 * all of f's FLOPs (CIFAR TINY: 132 of 137 MFLOP per sample), so a mode's GFLOP/s divided by this
 * is its efficiency: the share of the time it spends doing convolution arithmetic at the speed the
 * convolution library reaches here.
 */
final class ConvThroughput {

    /** One convolution of the loop and the input it sees. */
    record Use(ConvShape conv, Shape input) {
    }

    private ConvThroughput() {
    }

    /** Both 3x3 convolutions of each branch's residual block, at the branch's state shape. */
    static List<Use> uses(Architecture arch, StateLayout layout) {
        List<Use> uses = new ArrayList<>();
        for (int i = 0; i < arch.branches(); i++) {
            int c = arch.channels().get(i);
            int wide = c * arch.expansion();
            Shape z = layout.branches().get(i);
            uses.add(new Use(new ConvShape(c, wide, 3, 1, 1), z));
            uses.add(new Use(new ConvShape(wide, c, 3, 1, 1), new Shape(z.get(0), wide, z.get(2), z.get(3))));
        }
        return uses;
    }

    /** GFLOP/s of the loop (forward, backward-data and backward-weights counted as one forward each), best of {@code repeats}. */
    static double gflopPerSecond(NDManager manager, List<Use> uses, int repeats) {
        double flops = 0;
        for (Use use : uses) {
            flops += 3.0 * use.conv().flops(use.input());
        }
        double best = Double.POSITIVE_INFINITY;
        try (NDManager scope = manager.newSubManager(); TorchOps.GradMode on = TorchOps.gradMode(true)) {
            List<NDArray[]> arrays = new ArrayList<>();
            for (Use use : uses) {
                NDArray x = scope.randomNormal(use.input());
                NDArray w = scope.randomNormal(use.conv().weightShape()).mul(0.05);
                x.setRequiresGradient(true);
                w.setRequiresGradient(true);
                arrays.add(new NDArray[] {x, w});
            }
            for (int r = -1; r < repeats; r++) {
                long t = System.nanoTime();
                for (int i = 0; i < uses.size(); i++) {
                    try (NDManager step = scope.newSubManager()) {
                        NDArray[] xw = arrays.get(i);
                        NDArray y = uses.get(i).conv().apply(xw[0], xw[1], null);
                        y.tempAttach(step);
                        NDArray seed = y.onesLike();
                        TorchOps.backward(y, seed, false);
                        try (NDArray grad = xw[0].getGradient()) {
                            grad.getFloat(0, 0, 0, 0); // waits for the work
                        }
                    }
                }
                if (r >= 0) {
                    best = Math.min(best, (System.nanoTime() - t) / 1e9);
                }
            }
        }
        return flops / best / 1e9;
    }
}
