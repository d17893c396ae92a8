package dev.mdeq.model;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.mdeq.config.Task;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Parameters per part, the equilibrium state size and the FLOPs of one f evaluation of an MDEQ
 * network at its configured input size, computed from shapes alone (no arrays are allocated).
 * FLOPs count 2 per multiply-add of convolutions and linear maps, as the reference's figures do
 * (PERFORMANCE.md: CIFAR TINY 137 MFLOP, CIFAR LARGE 823 MFLOP per f evaluation).
 *
 * @param arch the architecture summarised
 * @param parts parameters (and FLOPs per sample where a part's cost is separable) per part
 * @param trainableParameters the total of trainable parameters
 * @param bufferElements BatchNorm running statistics and counters (saved, not trained)
 * @param state the equilibrium state of one sample
 * @param fFlops FLOPs of one application of f to one sample
 * @param injectionFlops FLOPs of the stem and stage0 per sample
 * @param headFlops FLOPs of the head per sample
 */
public record ModelSummary(Architecture arch, List<Part> parts, long trainableParameters, long bufferElements,
        StateLayout state, long fFlops, long injectionFlops, long headFlops) {

    /** Where a part sits: before the equilibrium, inside f, or after it. */
    public enum Group { INJECTION, F, HEAD }

    /**
     * One line of the summary.
     *
     * @param name the part, by its reference state-dict prefix
     * @param group where the part sits
     * @param parameters trainable parameters of the part
     * @param flops FLOPs per sample of one application, or -1 when counted with its whole
     */
    public record Part(String name, Group group, long parameters, long flops) {
    }

    /** The summary of {@code net} at its architecture's input size. */
    public static ModelSummary of(MdeqNet net) {
        Architecture arch = net.architecture();
        Map<String, Parameter> parameters = net.namedParameters();
        Shape images = net.inputShape(1);
        Shape x = net.stem().outputShape(images);
        StateLayout layout = net.layout(net.injectionShape(images));
        List<Shape> z = layout.branches();
        MultiscaleLayer f = net.fullstage();

        List<Part> parts = new ArrayList<>();
        parts.add(new Part("downsample (stem)", Group.INJECTION, trainable(parameters, "downsample."), net.stem().flops(images)));
        if (net.stage0() != null) {
            parts.add(new Part("stage0 (injection)", Group.INJECTION, trainable(parameters, "stage0."), net.stage0().flops(x)));
        }
        for (int i = 0; i < arch.branches(); i++) {
            parts.add(new Part("fullstage.branches." + i, Group.F, trainable(parameters, "fullstage.branches." + i + "."),
                    f.branches().get(i).flops(z.get(i))));
        }
        if (f.fuseLayers() != null) {
            long fuse = 0;
            for (int i = 0; i < arch.branches(); i++) {
                for (int j = 0; j < arch.branches(); j++) {
                    fuse += i == j ? 0 : f.fuseLayers().get(i).get(j).flops(z.get(j));
                }
            }
            parts.add(new Part("fullstage.fuse_layers", Group.F, trainable(parameters, "fullstage.fuse_layers."), fuse));
            long post = 0;
            for (int i = 0; i < arch.branches(); i++) {
                post += f.postFuseLayers().get(i).flops(z.get(i));
            }
            parts.add(new Part("fullstage.post_fuse_layers", Group.F, trainable(parameters, "fullstage.post_fuse_layers."),
                    post));
        }
        List<String> headParts = arch.task() == Task.CLASSIFICATION
                ? List.of("incre_modules", "downsamp_modules", "final_layer", "classifier")
                : List.of("last_layer");
        for (String part : headParts) {
            parts.add(new Part(part, Group.HEAD, trainable(parameters, part + "."), -1));
        }
        long buffers = 0;
        for (Parameter parameter : parameters.values()) {
            buffers += parameter.requiresGradient() ? 0 : parameter.getShape().size();
        }
        long injection = net.stem().flops(images) + (net.stage0() != null ? net.stage0().flops(x) : 0);
        return new ModelSummary(arch, List.copyOf(parts), MdeqNet.countTrainable(parameters), buffers, layout,
                f.flops(z), injection, net.head().flops(z));
    }

    private static long trainable(Map<String, Parameter> parameters, String prefix) {
        long total = 0;
        for (Map.Entry<String, Parameter> entry : parameters.entrySet()) {
            if (entry.getKey().startsWith(prefix) && entry.getValue().requiresGradient()) {
                total += entry.getValue().getShape().size();
            }
        }
        return total;
    }

    /** Trainable parameters of the parts in {@code group}. */
    public long parameters(Group group) {
        return parts.stream().filter(p -> p.group() == group).mapToLong(Part::parameters).sum();
    }

    /** The summary as a table for the terminal. */
    public String render(String title) {
        StringBuilder out = new StringBuilder();
        // lines of at most 80 columns, for the largest presets too
        out.append(String.format(Locale.ROOT, "MDEQ %s: %s, input 3x%dx%d%n  %d branches %s, expansion %d%n", title,
                arch.task().name().toLowerCase(Locale.ROOT), arch.inputHeight(), arch.inputWidth(), arch.branches(),
                arch.channels(), arch.expansion()));
        out.append(String.format(Locale.ROOT, "%-32s %14s %16s%n", "part", "parameters", "MFLOP/sample"));
        for (Part part : parts) {
            out.append(String.format(Locale.ROOT, "%-32s %,14d %16s%n", part.name(), part.parameters(),
                    part.flops() < 0 ? "" : mflop(part.flops())));
        }
        out.append(String.format(Locale.ROOT, "%-32s %,14d %16s%n", "f = fullstage (all branches)",
                parameters(Group.F), mflop(fFlops)));
        out.append(String.format(Locale.ROOT, "%-32s %,14d %16s%n", "head (all parts)", parameters(Group.HEAD),
                mflop(headFlops)));
        out.append(String.format(Locale.ROOT, "%-32s %,14d%n", "total trainable parameters", trainableParameters));
        out.append(String.format(Locale.ROOT, "%-32s %,14d%n", "BatchNorm buffers (not trained)", bufferElements));
        StringBuilder branches = new StringBuilder();
        for (int i = 0; i < state.branches().size(); i++) {
            Shape s = state.branches().get(i);
            branches.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%dx%dx%d", s.get(1), s.get(2),
                    s.get(3)));
        }
        out.append(String.format(Locale.ROOT, "equilibrium state per sample: D = %,d%n  (%s)%n", state.perSample(),
                branches));
        out.append(String.format(Locale.ROOT, "one f evaluation: %s MFLOP per sample (2 FLOPs per multiply-add)%n"
                + "  stem + injection %s, head %s MFLOP%n", mflop(fFlops), mflop(injectionFlops), mflop(headFlops)));
        return out.toString();
    }

    private static String mflop(long flops) {
        return String.format(Locale.ROOT, "%,.1f", flops / 1e6);
    }
}
