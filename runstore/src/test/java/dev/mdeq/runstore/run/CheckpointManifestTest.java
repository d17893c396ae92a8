package dev.mdeq.runstore.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CheckpointManifestTest {
    private static final CheckpointManifest MANIFEST = new CheckpointManifest(CheckpointManifest.FORMAT, 1200, 3,
            "ab12", Instant.parse("2026-11-27T10:15:30Z"), List.of(
                    new CheckpointManifest.Part("model.npz", 4096, "aa"),
                    new CheckpointManifest.Part("state.json", 300, "bb")));

    @Test
    void jsonRoundTripKeepsEveryField() {
        CheckpointManifest read = CheckpointManifest.fromJson(MANIFEST.toJson(), "m");
        assertEquals(MANIFEST, read);
        assertEquals(4396, read.totalBytes());
        assertEquals(Optional.of(new CheckpointManifest.Part("state.json", 300, "bb")), read.part("state.json"));
        assertEquals(Optional.empty(), read.part("optimizer.npz"));
        String json = new String(MANIFEST.toJson(), StandardCharsets.UTF_8);
        assertTrue(json.contains("\"created\" : \"2026-11-27T10:15:30Z\""), json);
    }

    @Test
    void unknownFormatAndMissingPartsAreRejectedNamingTheSource() {
        String newer = "{\"format\": 2, \"step\": 1, \"epoch\": 0, \"parts\": []}";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CheckpointManifest.fromJson(newer.getBytes(StandardCharsets.UTF_8), "s3://b/run/manifest.json"));
        assertTrue(e.getMessage().contains("s3://b/run/manifest.json") && e.getMessage().contains("format 2"),
                e.getMessage());
        UncheckedIOException missing = assertThrows(UncheckedIOException.class,
                () -> CheckpointManifest.fromJson("{\"format\": 1, \"step\": 1}".getBytes(StandardCharsets.UTF_8), "m.json"));
        assertTrue(missing.getMessage().contains("m.json"), missing.getMessage());
    }
}
