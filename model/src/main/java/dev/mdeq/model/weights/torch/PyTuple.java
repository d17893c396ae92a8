package dev.mdeq.model.weights.torch;

import java.util.Collections;
import java.util.List;

/**
 * A Python tuple read from a pickle (lists are {@link java.util.ArrayList}, so the two stay
 * apart in messages). Elements may be {@code null} (Python {@code None}).
 *
 * @param items the elements, unmodifiable
 */
record PyTuple(List<Object> items) {
    PyTuple {
        items = Collections.unmodifiableList(items);
    }

    static PyTuple of(Object... items) {
        return new PyTuple(java.util.Arrays.asList(items));
    }

    int size() {
        return items.size();
    }

    Object get(int index) {
        return items.get(index);
    }
}
