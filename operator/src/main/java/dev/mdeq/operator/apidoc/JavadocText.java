package dev.mdeq.operator.apidoc;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;

/** Turns a raw doc comment into plain text: inline tags unwrapped, HTML dropped, blanks collapsed. */
final class JavadocText {
    private static final java.util.regex.Pattern INLINE_TAG = java.util.regex.Pattern.compile("\\{@\\w+\\s+([^}]*)}");
    private static final java.util.regex.Pattern PARAM = java.util.regex.Pattern.compile(
            "@param\\s+(\\w+)\\s+(.*?)(?=\\n\\s*@|\\z)", java.util.regex.Pattern.DOTALL);

    private JavadocText() {
    }

    /** The text before the first block tag. */
    static String description(String comment) {
        int tag = firstBlockTag(comment);
        return clean(tag < 0 ? comment : comment.substring(0, tag));
    }

    /** The {@code @param} texts by name (for records: their components). */
    static Map<String, String> params(String comment) {
        Map<String, String> out = new LinkedHashMap<>();
        Matcher m = PARAM.matcher(comment);
        while (m.find()) {
            out.put(m.group(1), clean(m.group(2)));
        }
        return out;
    }

    private static int firstBlockTag(String comment) {
        Matcher m = java.util.regex.Pattern.compile("(?m)^\\s*@\\w+").matcher(comment);
        return m.find() ? m.start() : -1;
    }

    static String clean(String text) {
        String s = INLINE_TAG.matcher(text).replaceAll(r -> Matcher.quoteReplacement(simpleName(r.group(1).trim())));
        s = s.replaceAll("</?(p|ul|ol|li|b|i|em|strong|br|pre|a)\\b[^>]*>", " ");
        s = s.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&");
        return s.replaceAll("\\s+", " ").trim();
    }

    /** {@code {@link Foo#bar}} reads as {@code bar}; {@code {@code x}} as {@code x}. */
    private static String simpleName(String reference) {
        int hash = reference.indexOf('#');
        return hash >= 0 && !reference.contains(" ") ? reference.substring(hash + 1) : reference;
    }
}
