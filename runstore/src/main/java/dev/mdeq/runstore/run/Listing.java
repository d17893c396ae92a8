package dev.mdeq.runstore.run;

import java.util.Collection;
import java.util.List;

/**
 * Lists in messages: a handful of examples and how many more, so that a message about thousands of
 * files stays a line a person can read.
 */
public final class Listing {
    /** How many items a message names. */
    public static final int EXAMPLES = 5;

    private Listing() {
    }

    /** The first {@value #EXAMPLES} items joined by {@code ", "}, then {@code and N more}. */
    public static String some(Collection<?> items) {
        return some(items, ", ");
    }

    /** The first {@value #EXAMPLES} items joined by {@code separator}, then {@code and N more}. */
    public static String some(Collection<?> items, String separator) {
        List<String> shown = items.stream().limit(EXAMPLES).map(String::valueOf).toList();
        String text = String.join(separator, shown);
        return items.size() > EXAMPLES ? text + separator + "and " + (items.size() - EXAMPLES) + " more" : text;
    }
}
