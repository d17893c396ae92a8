package dev.mdeq.evaluator.shard;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Which deterministic slice of an evaluation this process does: shard {@code index} of
 * {@code count} takes the items at positions i (in sorted order) with {@code i % count == index}.
 *
 * @param index 0-based shard index
 * @param count number of shards (1: the whole evaluation)
 */
public record ShardSpec(int index, int count) {
    /** The whole evaluation in one process. */
    public static final ShardSpec WHOLE = new ShardSpec(0, 1);
    /** The variable a Kubernetes Indexed Job sets to the pod's completion index. */
    public static final String INDEX_VARIABLE = "JOB_COMPLETION_INDEX";

    public ShardSpec {
        if (count < 1) {
            throw new IllegalArgumentException("shard count must be at least 1, got " + count);
        }
        if (index < 0 || index >= count) {
            throw new IllegalArgumentException("shard index " + index + " is outside 0.." + (count - 1) + " for "
                    + count + " shards");
        }
    }

    /**
     * Parses {@code I/N}; {@code I} may be {@code env}, read from {@value #INDEX_VARIABLE}.
     *
     * @param env the environment (e.g. {@code System::getenv})
     */
    public static ShardSpec parse(String text, UnaryOperator<String> env) {
        String[] parts = text == null ? new String[0] : text.trim().split("/", -1);
        if (parts.length != 2) {
            throw new IllegalArgumentException("shard '" + text + "' is not I/N (e.g. 0/4, or env/4 to read the index "
                    + "from " + INDEX_VARIABLE + ")");
        }
        int count = number(parts[1], "shard count N in '" + text + "'");
        int index;
        if (parts[0].equals("env")) {
            String value = env.apply(INDEX_VARIABLE);
            if (value == null || value.isBlank()) {
                throw new IllegalArgumentException("shard '" + text + "' reads the index from " + INDEX_VARIABLE
                        + ", which is not set (it is set in the pods of a Kubernetes Indexed Job)");
            }
            index = number(value, INDEX_VARIABLE + " (" + value + ")");
        } else {
            index = number(parts[0], "shard index I in '" + text + "'");
        }
        return new ShardSpec(index, count);
    }

    private static int number(String s, String what) {
        try {
            return Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " is not a whole number");
        }
    }

    public boolean isWhole() {
        return count == 1;
    }

    /** Whether the item at sorted position {@code i} belongs to this shard. */
    public boolean covers(int i) {
        return i % count == index;
    }

    /** This shard's items of a sorted list. */
    public <T> List<T> select(List<T> sorted) {
        List<T> out = new ArrayList<>();
        for (int i = index; i < sorted.size(); i += count) {
            out.add(sorted.get(i));
        }
        return out;
    }

    @Override
    public String toString() {
        return index + "/" + count;
    }
}
