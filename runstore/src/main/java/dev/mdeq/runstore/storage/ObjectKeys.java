package dev.mdeq.runstore.storage;

import java.nio.charset.StandardCharsets;
import java.util.Comparator;

/**
 * The rules for object keys, the same for every store so that a run folder can move between a
 * local folder and S3: keys are relative ({@code runs/ns/job/config.yaml}), use {@code /} between
 * segments and are checked before any request is made.
 *
 * <ul>
 *   <li>not empty, at most {@value #MAX_KEY_BYTES} bytes in UTF-8 (S3's limit);</li>
 *   <li>no leading {@code /}, no empty segment ({@code a//b}, trailing {@code /});</li>
 *   <li>no {@code .} or {@code ..} segment;</li>
 *   <li>no control character, no backslash, no unpaired surrogate;</li>
 *   <li>no segment starting with {@value #RESERVED_PREFIX} (the local store's temporary files).</li>
 * </ul>
 */
public final class ObjectKeys {
    /** S3's limit on the length of an object name, in UTF-8 bytes. */
    public static final int MAX_KEY_BYTES = 1024;
    /** Names of temporary files written before an atomic move; never valid as a key segment. */
    public static final String RESERVED_PREFIX = ".mdeq-tmp-";

    /** The order every store lists keys in: UTF-8 byte order (= code point order), as S3 does. */
    public static final Comparator<String> ORDER = ObjectKeys::compareCodePoints;

    private static final String FORM = "keys look like runs/ns/job/config.yaml";

    private ObjectKeys() {
    }

    /** Returns {@code key} when it is a valid object key, else throws naming the key and the rule. */
    public static String validate(String key) {
        if (key == null || key.isEmpty()) {
            throw invalid("key", key == null ? "" : key, "it is empty");
        }
        checkSegments("key", key, key);
        return key;
    }

    /**
     * Returns {@code prefix} when it is a valid list prefix: empty, or a key with an optional
     * trailing {@code /} (a string prefix, not only a folder: {@code step-1} matches {@code step-10}).
     */
    public static String validatePrefix(String prefix) {
        if (prefix == null || prefix.isEmpty()) {
            return "";
        }
        String body = prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
        if (body.isEmpty()) {
            throw invalid("prefix", prefix, "it starts with '/'");
        }
        checkSegments("prefix", prefix, body);
        return prefix;
    }

    /** {@code folder + "/" + key}, or {@code key} alone when the folder is empty. */
    public static String join(String folder, String key) {
        return folder.isEmpty() ? key : key.isEmpty() ? folder : folder + "/" + key;
    }

    private static void checkSegments(String what, String shown, String body) {
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            if (Character.isISOControl(c)) {
                throw invalid(what, shown, String.format("it contains the control character U+%04X at index %d", (int) c, i));
            }
            if (c == '\\') {
                throw invalid(what, shown, "it contains a backslash at index " + i + " (use '/' between segments)");
            }
            if (Character.isSurrogate(c)) {
                boolean paired = Character.isHighSurrogate(c) && i + 1 < body.length()
                        && Character.isLowSurrogate(body.charAt(i + 1));
                if (!paired) {
                    throw invalid(what, shown, "it contains an unpaired surrogate at index " + i + " (not valid Unicode)");
                }
                i++;
            }
        }
        int bytes = shown.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_KEY_BYTES) {
            throw invalid(what, shown, "it is " + bytes + " bytes long in UTF-8; the limit is " + MAX_KEY_BYTES);
        }
        if (body.startsWith("/")) {
            throw invalid(what, shown, "it starts with '/' (keys are relative to the store's root)");
        }
        for (String segment : body.split("/", -1)) {
            if (segment.isEmpty()) {
                throw invalid(what, shown, "it has an empty segment ('//' or a trailing '/')");
            }
            if (segment.equals(".") || segment.equals("..")) {
                throw invalid(what, shown, "it has a '" + segment + "' segment");
            }
            if (segment.startsWith(RESERVED_PREFIX)) {
                throw invalid(what, shown, "segment '" + segment + "' starts with " + RESERVED_PREFIX
                        + ", reserved for temporary files");
            }
        }
    }

    private static StorageException invalid(String what, String key, String rule) {
        return new StorageException(StorageException.Kind.INVALID_INPUT,
                "invalid object " + what + " \"" + printable(key) + "\": " + rule + " (" + FORM
                        + ": relative, '/' between non-empty segments, no '.' or '..', no control characters or "
                        + "backslashes, at most " + MAX_KEY_BYTES + " UTF-8 bytes)");
    }

    /** The key with control characters escaped and long keys shortened, fit for a message. */
    static String printable(String key) {
        StringBuilder out = new StringBuilder();
        int limit = Math.min(key.length(), 120);
        for (int i = 0; i < limit; i++) {
            char c = key.charAt(i);
            if (Character.isISOControl(c)) {
                out.append(String.format("\\u%04X", (int) c));
            } else {
                out.append(c);
            }
        }
        if (key.length() > limit) {
            out.append("...(").append(key.length()).append(" characters)");
        }
        return out.toString();
    }

    private static int compareCodePoints(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }
}
