package dev.mdeq.model.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.mdeq.runstore.run.InvalidInputException;
import dev.mdeq.runstore.run.Listing;
import dev.mdeq.model.layers.ArrayValues;
import dev.mdeq.model.layers.NamedBlock;
import dev.mdeq.model.weights.torch.ReferenceKeys;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A model's parameters and buffers under the reference's state-dict names (docs/reference-model.md §6), to and
 * from any source of {@code Map<String, RawTensor>} (an {@code .npz}, a PyTorch checkpoint).
 *
 * <p>Loading understands what the reference's files contain (the rules of {@link ReferenceKeys}):
 * <ul>
 *   <li>segmentation checkpoints prefix every key with {@code model.} and add {@code
 *       loss.criterion.weight} (the class weights): the prefix is stripped, the class weights
 *       ignored; a DataParallel {@code module.} prefix is stripped too;</li>
 *   <li>{@code fullstage_copy.*} and the aliases {@code deq.func.*} / {@code deq.func_copy.*} are
 *       ignored ({@code fullstage.*} is the source of truth; the copy is one step stale);</li>
 *   <li>a weight-normalised convolution ({@code weight_g}, {@code weight_v}) loads from a plain
 *       {@code weight} (g = ||w||, v = w) and a plain convolution from {@code weight_g}/{@code
 *       weight_v} (w = g v / ||v||), so weights move between WNORM true and false;</li>
 *   <li>values are converted to the model's type (float32 / float64; int64 for {@code
 *       num_batches_tracked}).</li>
 * </ul>
 */
public final class StateDict {
    private static final String G = ".weight_g";
    private static final String V = ".weight_v";
    private static final String W = ".weight";

    private StateDict() {
    }

    /** How keys that do not match are treated. */
    public enum Mode {
        /** Every model key must be present and every source key used, with equal shapes. */
        STRICT,
        /**
         * Keys present in both are loaded, others skipped and reported ({@code MODEL.PRETRAINED}:
         * an ImageNet backbone into a segmentation model). Equal shapes are still required.
         */
        MATCHING
    }

    /**
     * What a load did.
     *
     * @param loaded model keys that received values, in the model's order
     * @param missing model keys the source lacks, with the model's shape (left as they were)
     * @param unexpected source keys the model does not have, with their shape (not used)
     * @param ignored source keys dropped on purpose, with the reason (copies, aliases, class weights,
     *     the other entries of a training checkpoint)
     */
    public record LoadReport(List<String> loaded, List<String> missing, List<String> unexpected,
            Map<String, String> ignored) {
        public LoadReport {
            loaded = List.copyOf(loaded);
            missing = List.copyOf(missing);
            unexpected = List.copyOf(unexpected);
            ignored = Collections.unmodifiableMap(new LinkedHashMap<>(ignored));
        }

        /** This report with {@code dropped} (key to reason: what a file reader left out) ahead of the ignored keys. */
        public LoadReport withIgnored(Map<String, String> dropped) {
            Map<String, String> all = new LinkedHashMap<>(dropped);
            all.putAll(ignored);
            return new LoadReport(loaded, missing, unexpected, all);
        }

        /**
         * The report for people: how many entries were loaded per top-level module, then every
         * skipped key and why ({@code missing} = what the model keeps from before the load).
         */
        public String describe(String sourceName) {
            StringBuilder out = new StringBuilder();
            int total = loaded.size() + missing.size();
            out.append("loaded ").append(loaded.size()).append(" of ").append(total).append(" model entries from ")
                    .append(sourceName);
            Map<String, Integer> modules = new LinkedHashMap<>();
            loaded.forEach(key -> modules.merge(key.substring(0, Math.max(key.indexOf('.'), 0)), 1, Integer::sum));
            StringBuilder parts = new StringBuilder();
            modules.forEach((module, count) -> parts.append(parts.length() == 0 ? "" : ", ").append(module).append(' ')
                    .append(count));
            if (!modules.isEmpty()) {
                out.append(": ").append(parts);
            }
            section(out, "in the model, not in the weights (not loaded)", missing);
            section(out, "in the weights, not in the model (skipped)", unexpected);
            Map<String, List<String>> byReason = new LinkedHashMap<>();
            ignored.forEach((key, reason) -> byReason.computeIfAbsent(reason, r -> new ArrayList<>()).add(key));
            if (!byReason.isEmpty()) {
                out.append("\n  ignored on purpose [").append(ignored.size()).append("]:");
                byReason.forEach((reason, keys) -> out.append("\n    ").append(keys.size()).append(" x ").append(reason)
                        .append(": ").append(keys.get(0)).append(keys.size() > 1 ? ", ..." : ""));
            }
            return out.toString();
        }
    }

    /** Every parameter and buffer of {@code model} as a raw tensor, by reference name. */
    public static Map<String, RawTensor> save(NamedBlock model) {
        Map<String, RawTensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> entry : model.namedParameters().entrySet()) {
            out.put(entry.getKey(), RawArrays.toRaw(entry.getValue().getArray()));
        }
        return out;
    }

    /**
     * Loads {@code source} (named {@code sourceName} in messages) into {@code model}'s parameters in
     * place. Nothing is written unless the whole load is valid for {@code mode}.
     *
     * @throws InvalidInputException listing every missing, unexpected and mismatched key with shapes
     */
    public static LoadReport load(NamedBlock model, Map<String, RawTensor> source, Mode mode, String sourceName) {
        Map<String, String> ignored = new LinkedHashMap<>();
        Map<String, RawTensor> available = normalise(source, ignored);
        Map<String, Parameter> parameters = model.namedParameters();

        Map<String, double[]> converted = new LinkedHashMap<>();
        Map<String, RawTensor> direct = new LinkedHashMap<>();
        Set<String> used = new LinkedHashSet<>();
        List<String> missing = new ArrayList<>();
        List<String> mismatched = new ArrayList<>();
        for (Map.Entry<String, Parameter> entry : parameters.entrySet()) {
            String key = entry.getKey();
            Shape expected = entry.getValue().getShape();
            RawTensor found = available.get(key);
            if (found != null) {
                used.add(key);
                if (!Arrays.equals(found.shape(), expected.getShape())) {
                    mismatched.add(key + ": weights " + found.shapeText() + ", model " + text(expected));
                } else {
                    direct.put(key, found);
                }
                continue;
            }
            double[] values = fromOtherNormalisation(key, expected, available, used, mismatched);
            if (values != null) {
                converted.put(key, values);
            } else {
                missing.add(key + " " + text(expected));
            }
        }
        List<String> unexpected = new ArrayList<>();
        for (Map.Entry<String, RawTensor> entry : available.entrySet()) {
            if (!used.contains(entry.getKey())) {
                unexpected.add(entry.getKey() + " " + entry.getValue().shapeText());
            }
        }
        boolean strictFailure = mode == Mode.STRICT && (!missing.isEmpty() || !unexpected.isEmpty());
        if (!mismatched.isEmpty() || strictFailure) {
            throw new InvalidInputException(problems(sourceName, mode, missing, unexpected, mismatched));
        }
        List<String> loaded = new ArrayList<>();
        for (Map.Entry<String, RawTensor> entry : direct.entrySet()) {
            write(parameters.get(entry.getKey()).getArray(), entry.getValue());
            loaded.add(entry.getKey());
        }
        for (Map.Entry<String, double[]> entry : converted.entrySet()) {
            ArrayValues.set(parameters.get(entry.getKey()).getArray(), entry.getValue());
            loaded.add(entry.getKey());
        }
        if (loaded.isEmpty() && !parameters.isEmpty()) {
            throw new InvalidInputException("weights " + sourceName + " have no entry of this model (none of "
                    + available.size() + " names matches); wrong file or wrong config?"
                    + sample("the weights have", available.keySet()) + sample("the model has", parameters.keySet()));
        }
        List<String> ordered = parameters.keySet().stream().filter(loaded::contains).toList();
        return new LoadReport(ordered, missing, unexpected, ignored);
    }

    /**
     * The source under the model's names: the reference's rules ({@link ReferenceKeys}: the
     * segmentation {@code model.} prefix and a DataParallel {@code module.} prefix stripped; class
     * weights, {@code fullstage_copy.*} and {@code deq.*} dropped, with the reason, into {@code ignored}).
     */
    private static Map<String, RawTensor> normalise(Map<String, RawTensor> source, Map<String, String> ignored) {
        ReferenceKeys keys = ReferenceKeys.of(source.keySet(), ReferenceKeys.looksLikeFullModel(source.keySet()));
        Map<String, RawTensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, RawTensor> entry : source.entrySet()) {
            String reason = keys.dropReason(entry.getKey());
            if (reason.isEmpty()) {
                out.put(keys.modelName(entry.getKey()), entry.getValue());
            } else {
                ignored.put(entry.getKey(), reason);
            }
        }
        return out;
    }

    /**
     * Values for {@code key} computed from the other weight parameterisation, or null. {@code
     * X.weight_g}/{@code X.weight_v} from {@code X.weight}; {@code X.weight} from the pair.
     */
    private static double[] fromOtherNormalisation(String key, Shape expected, Map<String, RawTensor> available,
            Set<String> used, List<String> mismatched) {
        if (key.endsWith(G) || key.endsWith(V)) {
            String base = key.substring(0, key.length() - G.length());
            RawTensor plain = available.get(base + W);
            if (plain == null) {
                return null;
            }
            used.add(base + W);
            long out = plain.shape().length > 0 ? plain.shape()[0] : 0;
            boolean fits = key.endsWith(V)
                    ? Arrays.equals(plain.shape(), expected.getShape())
                    : expected.get(0) == out && expected.size() == out;
            if (!fits) {
                mismatched.add(key + ": weights " + base + W + " " + plain.shapeText() + ", model " + text(expected));
                return new double[0];
            }
            double[] w = plain.toDoubleArray();
            return key.endsWith(V) ? w : rowNorms(w, (int) out);
        }
        if (key.endsWith(W)) {
            String base = key.substring(0, key.length() - W.length());
            RawTensor g = available.get(base + G);
            RawTensor v = available.get(base + V);
            if (g == null || v == null) {
                return null;
            }
            used.add(base + G);
            used.add(base + V);
            if (!Arrays.equals(v.shape(), expected.getShape()) || g.size() != expected.get(0)) {
                mismatched.add(key + ": weights " + base + G + " " + g.shapeText() + " / " + base + V + " "
                        + v.shapeText() + ", model " + text(expected));
                return new double[0];
            }
            int out = (int) expected.get(0);
            double[] values = v.toDoubleArray();
            double[] norms = rowNorms(values, out);
            double[] gains = g.toDoubleArray();
            int per = values.length / out;
            for (int i = 0; i < values.length; i++) {
                values[i] *= gains[i / per] / norms[i / per];
            }
            return values;
        }
        return null;
    }

    /** The 2-norm of each of the {@code rows} consecutive rows of {@code values}. */
    private static double[] rowNorms(double[] values, int rows) {
        double[] out = new double[rows];
        int per = values.length / rows;
        for (int r = 0; r < rows; r++) {
            double sum = 0;
            for (int i = r * per; i < (r + 1) * per; i++) {
                sum += values[i] * values[i];
            }
            out[r] = Math.sqrt(sum);
        }
        return out;
    }

    private static void write(NDArray target, RawTensor source) {
        switch (target.getDataType()) {
            case FLOAT32 -> target.set(source.toFloatArray());
            case FLOAT64 -> target.set(source.toDoubleArray());
            case INT64 -> target.set(source.type() == RawTensor.Type.INT64 ? source.toLongArray()
                    : Arrays.stream(source.toDoubleArray()).mapToLong(Math::round).toArray());
            default -> throw new IllegalArgumentException("cannot load into an array of type " + target.getDataType());
        }
    }

    private static String problems(String sourceName, Mode mode, List<String> missing, List<String> unexpected,
            List<String> mismatched) {
        StringBuilder out = new StringBuilder("weights " + sourceName + " do not fit the model ("
                + mode.name().toLowerCase(Locale.ROOT) + " load); nothing was loaded");
        section(out, "shape mismatch", mismatched);
        if (mode == Mode.STRICT) {
            section(out, "missing (the model has them, the weights do not)", missing);
            section(out, "unexpected (the weights have them, the model does not)", unexpected);
            if (!missing.isEmpty() || !unexpected.isEmpty()) {
                out.append("\n  (to take only the entries both have, e.g. ImageNet weights into a segmentation model:"
                        + " MODEL.PRETRAINED, or mdeq weights import --partial)");
            }
        }
        return out.toString();
    }

    private static void section(StringBuilder out, String title, List<String> keys) {
        if (!keys.isEmpty()) {
            out.append("\n  ").append(title).append(" [").append(keys.size()).append("]:");
            for (String key : keys) {
                out.append("\n    ").append(key);
            }
        }
    }

    private static String sample(String what, Collection<String> keys) {
        return "\n  " + what + ": " + Listing.some(keys);
    }

    /** A shape as PyTorch prints it: {@code (160, 32, 3, 3)}, {@code (24,)}, {@code ()}. */
    static String text(Shape shape) {
        long[] dims = shape.getShape();
        StringBuilder out = new StringBuilder("(");
        for (int i = 0; i < dims.length; i++) {
            out.append(i == 0 ? "" : ", ").append(dims[i]);
        }
        return out.append(dims.length == 1 ? ",)" : ")").toString();
    }
}
