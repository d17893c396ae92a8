package dev.mdeq.runstore.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ObjectKeysTest {

    @ParameterizedTest
    @ValueSource(strings = {"a", "runs/ns/job/config.yaml", "checkpoints/step-000000000100/params.bin",
        "with space/and-ümlauts/😀.png", ".hidden", "a..b/c.", "...", "eval/x=1,y=2/report.json"})
    void acceptsOrdinaryKeys(String key) {
        assertEquals(key, ObjectKeys.validate(key));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "../secret|'..' segment",
        "a/../../b|'..' segment",
        "a/./b|'.' segment",
        ".|'.' segment",
        "/etc/passwd|starts with '/'",
        "a//b|empty segment",
        "a/|empty segment",
        "a\\b|backslash",
        "a/.mdeq-tmp-123|reserved for temporary files"})
    void rejectsKeysNamingTheKeyAndTheRule(String key, String rule) {
        StorageException e = assertThrows(StorageException.class, () -> ObjectKeys.validate(key));
        assertEquals(StorageException.Kind.INVALID_INPUT, e.kind());
        assertTrue(e.getMessage().contains("\"" + key + "\""), e.getMessage());
        assertTrue(e.getMessage().contains(rule), e.getMessage());
    }

    @Test
    void rejectsEmptyKeysControlCharactersAndBrokenUnicode() {
        assertTrue(reject("").contains("empty"));
        String tab = reject("a\tb");
        assertTrue(tab.contains("U+0009") && tab.contains("a\\u0009b"), tab); // shown escaped, not raw
        assertTrue(reject("a\u007fb").contains("U+007F"));
        assertTrue(reject("a\nb").contains("control character"));
        assertTrue(reject("bad\ud800surrogate").contains("unpaired surrogate"));
    }

    @Test
    void limitsTheUtf8LengthTo1024Bytes() {
        assertEquals(1024, ObjectKeys.validate("x".repeat(1024)).length());
        assertTrue(reject("x".repeat(1025)).contains("1025 bytes"));
        // 512 two-byte characters are 1024 bytes; one more is over the limit although only 513 chars.
        ObjectKeys.validate("é".repeat(512));
        assertTrue(reject("é".repeat(513)).contains("1026 bytes"));
    }

    @Test
    void prefixesFollowTheSameRulesButMayBeEmptyOrEndInASlash() {
        assertEquals("", ObjectKeys.validatePrefix(""));
        assertEquals("", ObjectKeys.validatePrefix(null));
        assertEquals("runs/", ObjectKeys.validatePrefix("runs/"));
        assertEquals("checkpoints/step-1", ObjectKeys.validatePrefix("checkpoints/step-1"));
        for (String bad : List.of("/", "/runs", "../", "a//", "a/../b/", "a\u0000")) {
            StorageException e = assertThrows(StorageException.class, () -> ObjectKeys.validatePrefix(bad));
            assertTrue(e.getMessage().contains("prefix"), e.getMessage());
        }
    }

    @Test
    void orderIsUtf8ByteOrderLikeS3() {
        // String.compareTo (UTF-16 units) puts the emoji (surrogates 0xD83D 0xDE00) before U+FF5E;
        // UTF-8 byte order, which S3 lists in, puts U+1F600 after U+FF5E.
        List<String> keys = new ArrayList<>(List.of("b", "a/b", "a", "\uD83D\uDE00", "\uFF5E", "A", "a-b"));
        keys.sort(ObjectKeys.ORDER);
        assertEquals(List.of("A", "a", "a-b", "a/b", "b", "\uFF5E", "\uD83D\uDE00"), keys);
        assertTrue("\uD83D\uDE00".compareTo("\uFF5E") < 0, "String order differs, which is why ORDER exists");
    }

    private static String reject(String key) {
        return assertThrows(StorageException.class, () -> ObjectKeys.validate(key)).getMessage();
    }
}
