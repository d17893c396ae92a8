package dev.mdeq.runstore.progress;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * One frame of the progress bar fitted to the terminal's width. First the label, a bar of
 * {@value #MIN_BAR} columns and the primary fields (counts, percent, rate, ETA, the main details) in
 * priority order for as long as they fit, in their brief forms when that shows more of them; then the
 * bar grows up to {@value #MAX_BAR} columns; then the other fields follow while they fit. A line that
 * reaches the terminal's last column wraps on some terminals, and a carriage return only goes back to
 * the start of the last row: so a frame never uses the last column.
 */
final class BarLine {
    static final int MIN_BAR = 10;
    static final int MAX_BAR = 30;

    /** A field in its full form (e.g. {@code 7.84 steps/s}) and a brief one ({@code 7.84/s}). */
    record Field(String full, String brief) {
        Field(String both) {
            this(both, both);
        }
    }

    private BarLine() {
    }

    /** Columns a frame may use on a terminal {@code columns} wide. */
    static int room(int columns) {
        return Math.max(1, columns - 1);
    }

    /**
     * The frame.
     *
     * @param fraction how much is done, 0 to 1; NaN for no bar (unknown total)
     * @param fields by priority, most useful first
     * @param primary how many of the leading fields come before a wider bar
     */
    static String render(String label, double fraction, List<Field> fields, int primary, int columns) {
        int room = room(columns);
        boolean bar = !Double.isNaN(fraction) && label.length() + 3 + MIN_BAR <= room;
        int used = label.length() + (bar ? 3 + MIN_BAR : 0); // "label [" + bar + "]"
        List<Field> first = fields.subList(0, Math.min(primary, fields.size()));
        List<String> full = fit(first, Field::full, room - used);
        List<String> brief = fit(first, Field::brief, room - used);
        List<String> shown = new ArrayList<>(brief.size() > full.size() ? brief : full);
        used += width(shown);
        int barWidth = bar ? Math.min(MAX_BAR, MIN_BAR + room - used) : 0;
        used += barWidth - (bar ? MIN_BAR : 0);
        if (shown.size() == first.size()) {
            shown.addAll(fit(fields.subList(first.size(), fields.size()), Field::full, room - used));
        }
        StringBuilder line = new StringBuilder(label);
        if (bar) {
            int filled = (int) Math.max(0, Math.min(barWidth, barWidth * fraction));
            line.append(" [").append("#".repeat(filled)).append(".".repeat(barWidth - filled)).append(']');
        }
        shown.forEach(s -> line.append(' ').append(s));
        return line.length() <= room ? line.toString() : line.substring(0, room);
    }

    private static int width(List<String> texts) {
        return texts.stream().mapToInt(s -> 1 + s.length()).sum();
    }

    /** The leading fields, in one form, that fit in {@code room} columns (each after a space). */
    private static List<String> fit(List<Field> fields, Function<Field, String> form, int room) {
        List<String> shown = new ArrayList<>();
        int used = 0;
        for (Field field : fields) {
            String text = form.apply(field);
            used += 1 + text.length();
            if (used > room) {
                break;
            }
            shown.add(text);
        }
        return shown;
    }
}
