package dev.mdeq.trainer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mdeq.runstore.run.RunLayout;
import dev.mdeq.runstore.storage.LocalObjectStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsLogTest {
    @TempDir
    Path temp;

    @Test
    void linesAreJsonOnePerRecordAndFlushedOnRequest() {
        LocalObjectStore run = new LocalObjectStore(temp);
        MetricsLog log = MetricsLog.fresh(run, Duration.ofHours(1));
        log.append(step(10, 2.5));
        assertTrue(run.stat(RunLayout.METRICS).isEmpty(), "not written before the flush interval");
        log.append(step(20, 2.0));
        log.flush();
        String text = new String(run.getBytes(RunLayout.METRICS), StandardCharsets.UTF_8);
        String[] lines = text.split("\n");
        assertEquals(2, lines.length);
        assertTrue(lines[0].startsWith("{\"kind\":\"step\",\"step\":10,\"epoch\":0,\"loss\":2.5"), lines[0]);
        assertTrue(!lines[0].contains("metric"), "unknown numbers are left out: " + lines[0]);
    }

    @Test
    void aResumedLogDropsLinesPastTheCheckpointAndUnreadableOnes() {
        LocalObjectStore run = new LocalObjectStore(temp);
        MetricsLog first = MetricsLog.fresh(run, Duration.ZERO);
        for (long s = 10; s <= 50; s += 10) {
            first.append(step(s, 1.0 / s));
        }
        String text = new String(run.getBytes(RunLayout.METRICS), StandardCharsets.UTF_8);
        run.putBytes(RunLayout.METRICS, (text + "{not json\n").getBytes(StandardCharsets.UTF_8));

        List<String> warnings = new ArrayList<>();
        MetricsLog resumed = MetricsLog.resume(run, 30, Duration.ofHours(1), warnings::add);
        assertEquals(List.of(10L, 20L, 30L), resumed.records().stream().map(MetricsRecord::step).toList());
        assertEquals(1, warnings.size());
        assertTrue(warnings.get(0).contains("line 6"), warnings.get(0));
        resumed.append(step(40, 0.5));
        resumed.flush();
        assertEquals(4, new String(run.getBytes(RunLayout.METRICS), StandardCharsets.UTF_8).split("\n").length);
    }

    @Test
    void aFreshRunReplacesAnOldFile() {
        LocalObjectStore run = new LocalObjectStore(temp);
        run.putBytes(RunLayout.METRICS, "{\"kind\":\"step\",\"step\":99,\"epoch\":0}\n".getBytes(StandardCharsets.UTF_8));
        MetricsLog log = MetricsLog.fresh(run, Duration.ofHours(1));
        log.flush();
        assertEquals("", new String(run.getBytes(RunLayout.METRICS), StandardCharsets.UTF_8));
    }

    private static MetricsRecord step(long step, double loss) {
        return new MetricsRecord(MetricsRecord.STEP, step, 0, loss, 1e-3, "deq", 8.0, 0.01, 3.5, 120.0, 0.05, null, null, 1.5,
                Instant.parse("2026-11-27T10:00:00Z"));
    }
}
