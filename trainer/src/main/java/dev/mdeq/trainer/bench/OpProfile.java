package dev.mdeq.trainer.bench;

import ai.djl.pytorch.jni.JniUtils;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Where the time of one measurement goes, by kind of PyTorch operation: one run under libtorch's
 * profiler (DJL's {@code startProfile}/{@code stopProfile}, a Chrome trace), each op's self time
 * (its duration minus that of the ops it called) summed per {@link Kind}, and the rest of the wall
 * time as "outside PyTorch ops" (Java, JNI calls, the solvers' own bookkeeping). The profiler
 * slows every op by a few microseconds, so the shares are what to read, not the absolute times.
 */
public final class OpProfile {

    /** Kinds of operation, matched by the aten op name. */
    public enum Kind {
        CONV_FORWARD("convolution forward"),
        CONV_BACKWARD("convolution backward"),
        NORMALISATION("group/layer/batch norm, fwd+bwd"),
        ELEMENTWISE("elementwise (add, mul, relu, ...)"),
        REDUCTION("reductions (sum, mean, norm)"),
        INTERPOLATION("interpolation (up/downsampling)"),
        LINEAR_ALGEBRA("linear algebra (bmm, matmul)"),
        COPIES("copies and concatenation"),
        ALLOCATION("allocation and views"),
        AUTOGRAD("autograd engine bookkeeping"),
        OTHER("other ops");

        private final String label;

        Kind(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }

        /** The kind of an op such as {@code aten::convolution_backward}. */
        public static Kind of(String opName) {
            if (opName.startsWith("autograd::") || opName.matches(".*Backward\\d*$")) {
                return AUTOGRAD;
            }
            String op = opName.startsWith("aten::") ? opName.substring(6) : opName;
            if (op.contains("convolution_backward")) {
                return CONV_BACKWARD;
            }
            if (op.contains("convolution") || op.startsWith("conv")) {
                return CONV_FORWARD;
            }
            if (op.matches(".*(layer_norm|batch_norm|group_norm).*")) {
                return NORMALISATION;
            }
            if (op.startsWith("upsample") || op.contains("interpolate") || op.contains("pool")) {
                return INTERPOLATION;
            }
            if (op.matches("(bmm|mm|matmul|addmm|baddbmm|dot|vdot|einsum|mv|linalg_(solve|inv|lstsq).*)")) {
                return LINEAR_ALGEBRA;
            }
            if (op.matches("(sum|mean|norm|linalg_vector_norm|max|min|amax|amin|var|std|prod|cumsum)")) {
                return REDUCTION;
            }
            if (op.matches("(copy_|clone|cat|stack|contiguous|_to_copy|to)")) {
                return COPIES;
            }
            if (op.matches("(empty.*|resize_|as_strided.*|view|_reshape_alias|reshape|slice|select|narrow|permute"
                    + "|transpose|t|expand|detach|alias|unsqueeze|squeeze|flatten|unflatten|split|chunk"
                    + "|_unsafe_view|lift_fresh|set_)")) {
                return ALLOCATION;
            }
            if (op.matches("(add|add_|sub|sub_|rsub|mul|mul_|div|div_|neg|relu|relu_|clamp.*|threshold.*|fill_|zero_"
                    + "|zeros|zeros_like|ones|ones_like|full|where|bernoulli_?|sqrt|rsqrt|pow|exp|log|abs|sign"
                    + "|square|addcmul_?|addcdiv_?|lerp_?|masked_fill_?|ge|gt|le|lt|eq|ne|isfinite|nan_to_num"
                    + "|reciprocal|maximum|minimum|sigmoid|tanh|_log_softmax.*|nll_loss.*|softmax)")) {
                return ELEMENTWISE;
            }
            return OTHER;
        }
    }

    /**
     * The profile of one measurement.
     *
     * @param wallSeconds the profiled run's wall time
     * @param selfSeconds self time per kind of op
     * @param topOps the ops with the largest self time, largest first (at most 8)
     */
    public record Breakdown(double wallSeconds, Map<Kind, Double> selfSeconds, List<Map.Entry<String, Double>> topOps) {

        /** Wall time not spent inside any PyTorch op. */
        public double outsideSeconds() {
            return Math.max(0, wallSeconds - selfSeconds.values().stream().mapToDouble(Double::doubleValue).sum());
        }

        /** The share of the wall time of each kind (and of the time outside ops), in percent. */
        public String render(String title) {
            StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "profile: %s, %.1f ms under the profiler%n",
                    title, wallSeconds * 1e3));
            selfSeconds.entrySet().stream()
                    .sorted(Map.Entry.<Kind, Double>comparingByValue().reversed())
                    .filter(e -> e.getValue() > 0)
                    .forEach(e -> out.append(row(e.getKey().label(), e.getValue())));
            out.append(row("outside PyTorch ops (Java, JNI)", outsideSeconds()));
            return out.toString();
        }

        private String row(String label, double seconds) {
            return String.format(Locale.ROOT, "  %-36s %9.1f ms %5.1f %%%n", label, seconds * 1e3,
                    100 * seconds / wallSeconds);
        }
    }

    private OpProfile() {
    }

    /** Runs {@code work} under libtorch's profiler, keeps the trace at {@code trace}, and sums it. */
    public static Breakdown run(Path trace, Runnable work) {
        try {
            Files.createDirectories(trace.toAbsolutePath().getParent());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the folder of " + trace, e);
        }
        JniUtils.startProfile(false, false, false);
        long start = System.nanoTime();
        double wall;
        try {
            work.run();
        } finally {
            wall = (System.nanoTime() - start) / 1e9;
            JniUtils.stopProfile(trace.toString());
        }
        return parse(trace, wall);
    }

    /** The breakdown of a Chrome trace written by libtorch's profiler (complete events, in microseconds). */
    public static Breakdown parse(Path trace, double wallSeconds) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(trace.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the profiler trace " + trace, e);
        }
        JsonNode events = root.isArray() ? root : root.path("traceEvents");
        Map<Object, List<Event>> byThread = new HashMap<>();
        for (JsonNode e : events) {
            if ("X".equals(e.path("ph").asText()) && e.has("dur")) {
                byThread.computeIfAbsent(e.path("tid").asText(), k -> new ArrayList<>())
                        .add(new Event(e.path("name").asText(), e.path("ts").asDouble(), e.path("dur").asDouble()));
            }
        }
        Map<String, Double> selfByOp = new HashMap<>();
        for (List<Event> thread : byThread.values()) {
            selfTimes(thread, selfByOp);
        }
        Map<Kind, Double> byKind = new EnumMap<>(Kind.class);
        for (Kind kind : Kind.values()) {
            byKind.put(kind, 0.0);
        }
        selfByOp.forEach((op, micros) -> byKind.merge(Kind.of(op), micros / 1e6, Double::sum));
        List<Map.Entry<String, Double>> top = selfByOp.entrySet().stream()
                .sorted(Map.Entry.<String, Double>comparingByValue().reversed()).limit(8)
                .map(e -> Map.entry(e.getKey(), e.getValue() / 1e6)).toList();
        return new Breakdown(wallSeconds, byKind, top);
    }

    private record Event(String name, double start, double duration) {
        double end() {
            return start + duration;
        }
    }

    /** Self time = duration minus the durations of the events nested directly inside it. */
    private static void selfTimes(List<Event> events, Map<String, Double> selfByOp) {
        events.sort(Comparator.comparingDouble(Event::start).thenComparing(Comparator.comparingDouble(Event::duration)
                .reversed()));
        Deque<Event> open = new ArrayDeque<>();
        Map<Event, Double> children = new IdentityHashMap<>(); // equal records are distinct events
        for (Event e : events) {
            while (!open.isEmpty() && open.peek().end() <= e.start()) {
                open.pop();
            }
            if (!open.isEmpty()) {
                children.merge(open.peek(), e.duration(), Double::sum);
            }
            open.push(e);
        }
        for (Event e : events) {
            selfByOp.merge(e.name(), Math.max(0, e.duration() - children.getOrDefault(e, 0.0)), Double::sum);
        }
    }
}
