package dev.mdeq.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads the Python literals that the reference's config library (yacs) evaluates with
 * {@code ast.literal_eval}: numbers, quoted strings, {@code True/False/None}, lists and tuples
 * (tuples become lists). Used for yaml strings such as {@code GPUS: (0,1,2,3)} and for
 * command-line overrides. Anything that is not such a literal is left to the caller as a plain
 * string, exactly as yacs keeps it.
 */
public final class PythonLiteral {
    /** Marks Python's {@code None}, which has no Java value in a list. */
    public static final Object NONE = new Object() {
        @Override
        public String toString() {
            return "None";
        }
    };

    private final String text;
    private int pos;

    private PythonLiteral(String text) {
        this.text = text;
    }

    /**
     * Parses the whole text as one literal.
     *
     * @return the value (Long, Double, Boolean, String, List or {@link #NONE}), or empty when the
     *     text is not a Python literal
     */
    public static Optional<Object> parse(String text) {
        PythonLiteral parser = new PythonLiteral(text);
        try {
            Object value = parser.value();
            parser.skipSpace();
            return parser.pos == text.length() ? Optional.of(value) : Optional.empty();
        } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
            return Optional.empty();
        }
    }

    private Object value() {
        skipSpace();
        char c = text.charAt(pos);
        if (c == '(') {
            return sequence(')');
        }
        if (c == '[') {
            return sequence(']');
        }
        if (c == '\'' || c == '"') {
            return quoted(c);
        }
        if (text.startsWith("True", pos)) {
            pos += 4;
            return Boolean.TRUE;
        }
        if (text.startsWith("False", pos)) {
            pos += 5;
            return Boolean.FALSE;
        }
        if (text.startsWith("None", pos)) {
            pos += 4;
            return NONE;
        }
        return number();
    }

    private Object sequence(char close) {
        pos++; // opening bracket
        List<Object> items = new ArrayList<>();
        skipSpace();
        boolean tuple = close == ')';
        int commas = 0;
        while (text.charAt(pos) != close) {
            items.add(value());
            skipSpace();
            if (text.charAt(pos) == ',') {
                pos++;
                commas++;
                skipSpace();
            } else if (text.charAt(pos) != close) {
                throw new IllegalArgumentException("expected , or " + close);
            }
        }
        pos++;
        if (tuple && items.size() == 1 && commas == 0) {
            return items.get(0); // "(x)" is a parenthesised value, as in Python
        }
        return items;
    }

    private String quoted(char quote) {
        StringBuilder out = new StringBuilder();
        pos++;
        while (text.charAt(pos) != quote) {
            char c = text.charAt(pos++);
            if (c == '\\') {
                char next = text.charAt(pos++);
                switch (next) {
                    case 'n' -> out.append('\n');
                    case 't' -> out.append('\t');
                    case '\\', '\'', '"' -> out.append(next);
                    default -> out.append('\\').append(next);
                }
            } else {
                out.append(c);
            }
        }
        pos++;
        return out.toString();
    }

    private Object number() {
        int start = pos;
        if (text.charAt(pos) == '+' || text.charAt(pos) == '-') {
            pos++;
        }
        boolean isFloat = false;
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (Character.isDigit(c) || c == '_') {
                pos++;
            } else if (c == '.' || c == 'e' || c == 'E') {
                isFloat = true;
                pos++;
                if ((c == 'e' || c == 'E') && pos < text.length()
                        && (text.charAt(pos) == '+' || text.charAt(pos) == '-')) {
                    pos++;
                }
            } else {
                break;
            }
        }
        String digits = text.substring(start, pos).replace("_", "");
        if (digits.isEmpty() || digits.equals("+") || digits.equals("-")) {
            throw new IllegalArgumentException("not a number");
        }
        try {
            if (isFloat) {
                return Double.parseDouble(digits);
            }
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a number: " + digits, e);
        }
    }

    private void skipSpace() {
        while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
            pos++;
        }
    }
}
