package dev.mdeq.evaluator.shard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ShardSpecTest {

    @Test
    void parsesIndexOverCountAndTheIndexedJobVariable() {
        assertEquals(new ShardSpec(2, 4), ShardSpec.parse("2/4", k -> null));
        assertEquals(new ShardSpec(3, 8), ShardSpec.parse("env/8", Map.of("JOB_COMPLETION_INDEX", "3")::get));
    }

    @Test
    void badSpecsSayWhatIsValid() {
        IllegalArgumentException noSlash = assertThrows(IllegalArgumentException.class,
                () -> ShardSpec.parse("3", k -> null));
        assertTrue(noSlash.getMessage().contains("I/N"), noSlash.getMessage());
        IllegalArgumentException range = assertThrows(IllegalArgumentException.class,
                () -> ShardSpec.parse("4/4", k -> null));
        assertTrue(range.getMessage().contains("0..3"), range.getMessage());
        IllegalArgumentException unset = assertThrows(IllegalArgumentException.class,
                () -> ShardSpec.parse("env/4", k -> null));
        assertTrue(unset.getMessage().contains("JOB_COMPLETION_INDEX"), unset.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ShardSpec.parse("env/4", Map.of(
                "JOB_COMPLETION_INDEX", "x")::get));
        assertThrows(IllegalArgumentException.class, () -> ShardSpec.parse("0/0", k -> null));
        assertThrows(IllegalArgumentException.class, () -> ShardSpec.parse("-1/2", k -> null));
    }

    @Test
    void slicesPartitionTheSortedListDeterministically() {
        List<String> items = IntStream.range(0, 11).mapToObj(i -> String.format("img%02d", i)).toList();
        List<String> union = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            List<String> slice = new ShardSpec(i, 3).select(items);
            for (String s : slice) {
                int position = items.indexOf(s);
                assertEquals(i, position % 3);
            }
            union.addAll(slice);
        }
        assertEquals(11, union.size());
        assertEquals(items, union.stream().sorted().toList());
        assertEquals(List.of("img01", "img04", "img07", "img10"), new ShardSpec(1, 3).select(items));
        assertEquals(items, ShardSpec.WHOLE.select(items));
        assertTrue(new ShardSpec(1, 3).covers(4));
        assertFalse(new ShardSpec(1, 3).covers(5));
    }

    @Test
    void samplesAreEvenlySpreadAndExactlyAsMany() {
        for (int total : new int[] {1, 5, 6, 7, 100, 500}) {
            for (int samples : new int[] {0, 1, 6, 10}) {
                int finalTotal = total;
                int[] picked = IntStream.range(0, total)
                        .filter(i -> EvaluationDriver.isSample(i, finalTotal, samples)).toArray();
                assertEquals(Math.min(total, samples), picked.length, total + " items, " + samples + " samples");
                if (samples > 0) {
                    assertEquals(0, picked[0]);
                }
                for (int j = 0; j < picked.length && samples < total; j++) {
                    assertEquals((long) j * total / samples, picked[j]);
                }
            }
        }
    }
}
